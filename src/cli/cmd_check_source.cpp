// attnlab check-source: would this source candidate (edits or a full kernel shell) be compiled for a config
// of this family? The family and include-policy rules of the evaluation path (search/source_edits.hpp), and
// with --config an NVRTC compile (no GPU needed). For proposers that validate before handing in
// (scripts/proposers/llm.py).
#include <fmt/format.h>

#include "backends/custom/family.hpp"
#include "backends/custom/flash_kernel.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/dtype.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "core/problem.hpp"
#include "search/source_candidate.hpp"
#include "search/source_edits.hpp"

namespace attnlab::cli {

void add_check_source(CLI::App& app) {
  auto* cmd = app.add_subcommand("check-source", "Check a source candidate (//@@ edits or a kernel shell) without running it");
  struct Opts {
    std::string file, family = "sm80", config, arch = "sm_90a", dtype = "bf16";
    int head_dim = 128;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("file", o->file, "the candidate file (what a proposer hands in as source_file)")->required();
  add_family_option(cmd, o->family);
  cmd->add_option("--config", o->config, "also compile it with NVRTC for this config (of the family)");
  cmd->add_option("--arch", o->arch, "with --config: target arch (default sm_90a)");
  cmd->add_option("--head-dim,-d", o->head_dim, "with --config: head dimension")->check(count_in(1, 1024));
  cmd->add_option("--dtype", o->dtype, "with --config: bf16 or fp16");
  cmd->callback([o] {
    const FamilySpec& family = family_spec(parse_family(o->family.empty() ? "sm80" : o->family));
    const std::string text = read_source_file(o->file);
    const auto files = checked_source_files(text, family);
    std::string names;
    for (const auto& f : files) names += (names.empty() ? "" : ", ") + f.path;
    if (o->config.empty()) {
      fmt::print("ok: {} ({} family)\n", names, family.name);
      return;
    }
    const TileConfig cfg = TileConfig::parse(o->config);
    if (&family_spec(cfg.family) != &family)
      throw UserError(fmt::format("--config {} is not of family {}", o->config, family.name));
    try {
      const auto k = compile_flash(cfg, parse_dtype(o->dtype), o->head_dim, o->arch, FlashVariant::full, text);
      fmt::print("ok: {} ({} family), compiled for {} {}: {} registers, {} bytes spilled\n", names, family.name,
                 cfg.name(), o->arch, k.resources.registers, k.resources.spill_stores);
    } catch (const CompileError& e) {  // one line: the first error of the log
      const std::string& log = e.log();
      const size_t at = log.find("error");
      const size_t from = at == std::string::npos ? 0 : log.rfind('\n', at) + 1;  // npos + 1 == 0
      const std::string first = at == std::string::npos ? "" : log.substr(from, log.find('\n', at) - from);
      throw UserError(fmt::format("{}{}", e.what(), first.empty() ? "" : ": " + printable(first.substr(0, 300))));
    }
  });
}

}  // namespace attnlab::cli
