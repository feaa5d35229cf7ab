#include "check/sanitizer.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "core/process.hpp"

namespace attnlab {

namespace {
std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}
// The first line of an error block: memcheck "Invalid __global__ read of size 4 bytes", "Program hit
// cudaErrorLaunchFailure ...", initcheck "Uninitialized __global__ memory read ...", racecheck "Error: Race
// reported between ...", synccheck "Barrier error detected. ...", and the like.
bool starts_error(const std::string& l) {
  static const std::regex re(
      R"(^(Invalid |Misaligned |Uninitialized |Error: |Error |Barrier error|Program hit |Race reported|Malloc/Free error|Leaked |Unused memory|Warp |Cuda API error|Out-of-range |Illegal |Hardware exception|Syncwarp error|Invalid global|Divergent thread))");
  return std::regex_search(l, re);
}
}  // namespace

std::string SanitizerReport::first_finding() const {
  if (findings.empty()) return fmt::format("{}: {} error(s) reported", tool, errors);
  std::string s = tool + ": " + findings.front();
  if (!first_location.empty()) s += " (" + first_location + ")";
  if (findings.size() > 1 || errors > 1) s += fmt::format(" [{} error(s) in all]", std::max<int>(errors, findings.size()));
  return s;
}

SanitizerReport parse_sanitizer_report(const std::string& tool, const std::string& text) {
  SanitizerReport r;
  r.tool = tool;
  static const std::regex error_summary(R"(ERROR SUMMARY:\s*(\d+)\s+error)");
  static const std::regex race_summary(R"(RACECHECK SUMMARY:.*\((\d+)\s+error)");
  std::istringstream in(text);
  std::string line;
  bool expect_location = false;
  while (std::getline(in, line)) {
    const auto mark = line.find("=========");
    if (mark == std::string::npos) continue;
    const std::string body = trim(line.substr(mark + 9));
    std::smatch m;
    if (std::regex_search(body, m, error_summary)) {
      r.errors = std::max(r.errors, std::stoi(m[1]));
      r.summary_seen = true;
      continue;
    }
    if (std::regex_search(body, m, race_summary)) {
      r.errors = std::max(r.errors, std::stoi(m[1]));
      r.summary_seen = true;
      continue;
    }
    if (body.starts_with("COMPUTE-SANITIZER") || body.empty()) continue;
    if (body.starts_with("Warning:") && tool == "racecheck") continue;  // hazards below error severity
    if (starts_error(body)) {
      r.findings.push_back(body);
      expect_location = r.findings.size() == 1;
      continue;
    }
    if (expect_location && body.starts_with("at ")) {
      r.first_location = body;
      expect_location = false;
    }
  }
  if (r.errors == 0 && !r.findings.empty()) r.errors = int(r.findings.size());
  return r;
}

std::string find_compute_sanitizer(std::string* why) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (const char* env = std::getenv("ATTNLAB_COMPUTE_SANITIZER"); env && *env) {
    if (fs::is_regular_file(env, ec)) return env;
    if (why) *why = fmt::format("ATTNLAB_COMPUTE_SANITIZER={} is not a file", env);
    return {};
  }
  for (const char* p : {"/usr/local/cuda/bin/compute-sanitizer", "/usr/local/cuda/compute-sanitizer/compute-sanitizer"})
    if (fs::is_regular_file(p, ec)) return p;
  if (const char* path = std::getenv("PATH")) {
    std::istringstream dirs(path);
    for (std::string d; std::getline(dirs, d, ':');)
      if (fs::is_regular_file(fs::path(d) / "compute-sanitizer", ec)) return (fs::path(d) / "compute-sanitizer").string();
  }
  if (why) *why = "compute-sanitizer not found (/usr/local/cuda/bin, PATH; set ATTNLAB_COMPUTE_SANITIZER)";
  return {};
}

std::vector<std::string> sanitizer_argv(const std::string& sanitizer, const std::string& tool,
                                        const std::string& kernel_name, const std::vector<std::string>& program) {
  std::vector<std::string> a = {sanitizer, "--tool", tool, "--error-exitcode", "86", "--print-limit", "20",
                                "--kernel-name", "kns=" + kernel_name};  // kns: kernel-name substring
  if (tool == "racecheck") a.insert(a.end(), {"--racecheck-report", "all"});
  a.insert(a.end(), program.begin(), program.end());
  return a;
}

SanitizeResult run_sanitizers(const std::vector<std::string>& program, const std::string& kernel_name, double timeout_s,
                              const std::vector<std::string>& tools) {
  SanitizeResult res;
  const std::string exe = find_compute_sanitizer(&res.error);
  if (exe.empty()) return res;
  res.ran = true;
  res.clean = true;
  for (const auto& tool : tools) {
    ProcessOptions po;
    po.timeout_s = timeout_s;
    const ProcessResult p = run_process(sanitizer_argv(exe, tool, kernel_name, program), po);
    res.seconds += p.wall_s;
    SanitizerReport rep = parse_sanitizer_report(tool, p.out + "\n" + p.err);
    res.reports.push_back(rep);
    if (p.timed_out) {
      res.clean = false;
      res.error = fmt::format("{}: {}", tool, p.describe());
    } else if (!rep.clean()) {
      res.clean = false;
      res.error = rep.first_finding();
    } else if (p.exit_code != 0) {
      res.clean = false;
      const std::string tail = trim(p.err.size() > 300 ? p.err.substr(p.err.size() - 300) : p.err);
      res.error = fmt::format("{}: the program {} under the sanitizer: {}", tool, p.describe(), tail);
    }
    if (!res.clean) break;
  }
  return res;
}

}  // namespace attnlab
