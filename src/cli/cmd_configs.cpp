// attnlab configs: the valid tile-config space for an arch / head dim / dtype, optionally compiled.
#include <fmt/format.h>

#include "backends/custom/flash_kernel.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "core/problem.hpp"

namespace attnlab::cli {

void add_configs(CLI::App& app) {
  auto* cmd = app.add_subcommand("configs", "List the valid tile configs for an arch, head dim and dtype");
  struct Opts {
    std::string arch;
    int head_dim = 128;
    std::string dtype = "bf16";
    bool compile = false;
    bool all = false;
    std::string filter;
    std::string space = "default";
    bool micro = false;
    std::string family;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--arch", o->arch, "target arch (sm_80, sm_89, sm_90a, ...); default: this device's");
  cmd->add_option("--head-dim,-d", o->head_dim, "head dimension (64, 128, 256)")->check(count_in(1, 1024));
  cmd->add_option("--dtype", o->dtype, "bf16 or fp16");
  cmd->add_flag("--compile", o->compile, "compile each config with NVRTC and show registers / spills");
  cmd->add_flag("--all", o->all, "also list invalid configs with the reason");
  cmd->add_option("--filter", o->filter, "only configs whose name contains this text");
  cmd->add_option("--space", o->space, "default (check/micro/CI) or tuning (attnlab tune)")
      ->check(CLI::IsMember({"default", "tuning"}));
  cmd->add_flag("--micro", o->micro, "with --compile: the microbenchmark variant");
  add_family_option(cmd, o->family);
  cmd->callback([o] {
    const std::string arch = resolve_arch(o->arch);
    const DType dtype = parse_dtype(o->dtype);
    if (!is_supported_head_dim(o->head_dim))
      throw UserError(fmt::format("unsupported head dim {} (supported: {})", o->head_dim, supported_head_dims()));
    const auto limits = ArchLimits::for_arch(arch);
    const Family family = resolve_family(o->family, limits);
    fmt::print("{:<34} {:>9} {:>7}{}\n", "config", "smem B", "threads", o->compile ? "    regs  spill-st  spill-ld" : "");
    int valid = 0;
    for (const auto& c : full_space(KnobValues::of(family, o->space))) {
      const auto why = c.constraint_violation(o->head_dim, limits);
      if ((!why.empty() && !o->all) || c.name().find(o->filter) == std::string::npos) continue;
      std::string extra;
      if (why.empty() && o->compile) {
        auto k = compile_flash(c, dtype, o->head_dim, arch, o->micro ? FlashVariant::micro : FlashVariant::full);
        extra = fmt::format(" {:>7} {:>9} {:>9}", k.resources.registers, k.resources.spill_stores, k.resources.spill_loads);
      }
      valid += why.empty();
      fmt::print("{:<34} {:>9} {:>7}{}{}\n", c.name(), c.smem_bytes(o->head_dim), c.threads(), extra,
                 why.empty() ? "" : "  invalid: " + why);
    }
    fmt::print("{} valid {} configs for {} d={} {} (default {})\n", valid, family_name(family), arch, o->head_dim,
               dtype_name(dtype), default_config(o->head_dim, limits, family).name());
  });
}

}  // namespace attnlab::cli
