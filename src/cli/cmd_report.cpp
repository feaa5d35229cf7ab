// attnlab report: render an evidence directory as one self-contained HTML page (no GPU).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/parse.hpp"
#include "report/report_page.hpp"

namespace attnlab::cli {

void add_report(CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "Render an evidence directory as one self-contained HTML page (no GPU)");
  auto dir = std::make_shared<std::string>("evidence/h100");
  auto out = std::make_shared<std::string>();
  cmd->add_option("dir", *dir, "evidence directory")->capture_default_str();
  cmd->add_option("--out,-o", *out, "HTML file (default: DIR/report.html)");
  cmd->callback([dir, out] {
    // Empty --out: DIR/report.html. The files of DIR the report reads are its inputs.
    std::vector<InputOption> inputs;
    for (auto& f : report::evidence_inputs(*dir)) inputs.push_back({"dir", f});
    check_outputs({{"--out", *out, OutputKind::file_in_folders}}, inputs);
    const auto s = report::write_report(*dir, *out);
    for (auto& w : s.warnings) fmt::print(stderr, "attnlab report: warning: could not read {}\n", printable(w));
    for (auto& m : s.missing) fmt::print("report: section without data: {}\n", printable(m));
    fmt::print("wrote {} ({} charts)\n", s.out, s.charts);
  });
}

}  // namespace attnlab::cli
