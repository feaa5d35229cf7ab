#include "report/report_page.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "report/report_sections.hpp"
#include "report/report_style.hpp"
#include "report/svg_text.hpp"

namespace attnlab::report {

namespace fs = std::filesystem;

namespace {
std::string headline(const EvidenceSet& e) {
  std::string gpu = "unknown GPU", commit;
  if (e.environment.is_object()) {
    auto g = e.environment.value("gpu", nlohmann::json());
    if (g.is_object() && g.contains("name") && g["name"].is_string()) gpu = g["name"].get<std::string>();
    if (e.environment.contains("git_commit") && e.environment["git_commit"].is_string())
      commit = e.environment["git_commit"].get<std::string>().substr(0, 12);
  }
  std::string out = "<header><h1>attnlab evidence — " + xml_escape(gpu) + "</h1>";
  out += fmt::format("<p>Evidence directory <code>{}</code>{}. Rendered by attnlab {} from the files listed at the end; "
                     "hover a point or cell for its value.</p>",
                     xml_escape(e.dir), commit.empty() ? "" : ", measured at commit <code>" + xml_escape(commit) + "</code>",
                     ATTNLAB_VERSION);
  out += "<nav><a href=\"#tflops\">throughput</a><a href=\"#vs-cudnn\">vs cuDNN</a><a href=\"#convergence\">tuning</a>"
         "<a href=\"#rank\">micro vs full</a><a href=\"#roofline\">roofline</a><a href=\"#check\">correctness</a><a href=\"#campaign\">campaign</a>"
         "<a href=\"#environment\">environment and files</a></nav></header>";
  return out;
}
}  // namespace

std::string render_report(const EvidenceSet& e, const std::string& link_prefix) {
  std::string out = "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\" />"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />"
                    "<meta name=\"color-scheme\" content=\"light dark\" /><title>attnlab evidence report</title><style>";
  out += report_css();
  out += "</style></head><body><main>";
  out += headline(e);
  out += section_tflops(e);
  out += section_vs_cudnn(e);
  out += section_convergence(e);
  out += section_rank(e);
  out += section_roofline(e);
  out += section_check(e);
  out += section_campaign(e);
  out += section_environment(e, link_prefix);
  out += "</main></body></html>\n";
  return out;
}

ReportSummary write_report(const std::string& dir, const std::string& out_arg) {
  const EvidenceSet e = load_evidence(dir);
  ReportSummary s;
  s.out = out_arg.empty() ? (fs::path(dir) / "report.html").string() : out_arg;
  const fs::path out_dir = fs::absolute(s.out).parent_path();
  std::string prefix = fs::relative(fs::absolute(dir), out_dir).generic_string();
  prefix = prefix.empty() || prefix == "." ? "" : prefix + "/";
  const std::string html = render_report(e, prefix);
  if (!out_dir.empty()) fs::create_directories(out_dir);
  // DIR/report.html is a name attnlab makes: a link planted there is replaced, never written through.
  write_file_atomic(s.out, html, out_arg.empty() ? Naming::by_attnlab : Naming::by_user);
  for (size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 4)) ++s.charts;
  for (auto* m : {&e.compare.missing, &e.tune.missing, &e.micro_missing, &e.profile_missing, &e.check.missing})
    if (!m->empty()) s.missing.push_back(*m);
  s.warnings = e.warnings;
  return s;
}

}  // namespace attnlab::report
