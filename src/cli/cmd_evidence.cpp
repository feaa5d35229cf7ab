// attnlab evidence: devices -> ceilings -> check -> micro -> tune -> compare -> profile -> report, resumable.
#include <cstdlib>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "evidence/pipeline.hpp"

namespace attnlab::cli {

void add_evidence(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "evidence", "Run the whole pipeline into one evidence directory (manifest.json, report.html); CPU side only without a GPU");
  auto o = std::make_shared<EvidenceOptions>();
  cmd->add_option("--out,-o", o->out, "evidence directory (default: evidence/<gpu>, or out/evidence-cpu without a GPU)");
  cmd->add_flag("--quick", o->quick, "smallest settings (a few minutes on an H100)");
  cmd->add_flag("--resume", o->resume, "skip steps that manifest.json records as finished with unchanged files");
  cmd->add_option("--committed", o->committed, "evidence rendered when there is no GPU")->capture_default_str();
  cmd->callback([o, cmd] {
    check_outputs({{"--out", o->out, OutputKind::folder}});  // empty: the default folder, chosen later
    // The committed evidence (read without a GPU) is checked with the GPU in run_evidence, before any write.
    o->committed_given = cmd->count("--committed") > 0;
    const int rc = run_evidence(*o);
    if (rc != 0) std::exit(rc);
  });
}

}  // namespace attnlab::cli
