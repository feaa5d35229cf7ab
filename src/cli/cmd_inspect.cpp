// attnlab inspect: what the compiler made of each config (registers, shared memory, spills, occupancy,
// ptxas warnings, SASS instruction mix, dead knobs), without a GPU.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "profile/inspect_targets.hpp"

namespace attnlab::cli {

void add_inspect(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Static analysis of compiled configs (no GPU): resources, occupancy, SASS mix, dead knobs");
  struct Opts {
    std::string arch, dtype = "bf16", json, space = "default", family;
    int head_dim = 128;
    std::vector<std::string> configs;
    bool all = false, no_sass = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--arch", o->arch, "target arch: sm_80, sm_86, sm_89, sm_90a, ... (default: this device's, else sm_90a)");
  cmd->add_option("--head-dim,-d", o->head_dim, "head dimension (64, 128, 256)");
  cmd->add_option("--dtype", o->dtype, "bf16 or fp16");
  cmd->add_option("--config", o->configs, "config name(s) (default: the head dim's default config)");
  cmd->add_flag("--all", o->all, "every valid config of the space (dead-knob detection needs several)");
  cmd->add_option("--space", o->space, "with --all: default or tuning")->check(CLI::IsMember({"default", "tuning"}));
  cmd->add_flag("--no-sass", o->no_sass, "skip disassembly (no instruction mix, no dead knobs)");
  cmd->add_option("--family", o->family, "sm80 or sm90 (default: every family the arch runs)")
      ->check(CLI::IsMember({"sm80", "sm90"}));
  cmd->add_option("--json", o->json, "also write the report as JSON to this file");
  cmd->callback([o] {
    check_outputs({{"--json", o->json}});
    profile::InspectRequest req;
    req.arch = resolve_arch(o->arch);
    req.head_dim = o->head_dim;
    req.dtype = parse_dtype(o->dtype);
    req.configs = o->configs;
    req.all = o->all;
    req.space = o->space;
    req.sass = !o->no_sass;
    req.family = o->family;
    const auto report = profile::run_inspect(req);
    profile::print_report(report, stdout);
    if (!o->json.empty()) write_file_atomic(o->json, json_text(profile::to_json(report), 2) + "\n");
  });
}

}  // namespace attnlab::cli
