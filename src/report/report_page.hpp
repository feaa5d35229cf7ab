#pragma once
// attnlab report: one self-contained HTML page (inline CSS, inline SVG, no script, no external URL) from an
// evidence directory. The page is well-formed XML (XHTML-style void tags) so it can be checked by a parser.
#include <string>
#include <vector>

#include "report/evidence_set.hpp"

namespace attnlab::report {

// The whole page; raw-file links are `link_prefix` + the file's path in the evidence dir.
std::string render_report(const EvidenceSet& e, const std::string& link_prefix);

struct ReportSummary {
  std::string out;
  int charts = 0;                      // <svg> elements
  std::vector<std::string> missing;    // sections without data, with the reason
  std::vector<std::string> warnings;   // files that could not be read
};
// Reads `dir`, writes `out` (default: dir/report.html), links relative to out's folder.
ReportSummary write_report(const std::string& dir, const std::string& out);

}  // namespace attnlab::report
