#pragma once
// compute-sanitizer for kernels that are not ours (source candidates) and on request for built-ins
// (`attnlab check --sanitize`): the kernel runs on small gate shapes in a child process
// (`attnlab sanitize-run`) under each tool — memcheck, racecheck, synccheck, initcheck — limited to the
// kernel under test (--kernel-name); any reported error rejects it with the tool's first finding.
// The report parser is separate and tested on recorded text (tests/check/test_sanitizer.cpp).
#include <string>
#include <vector>

namespace attnlab {

inline const std::vector<std::string>& sanitizer_tools() {
  static const std::vector<std::string> t = {"memcheck", "racecheck", "synccheck", "initcheck"};
  return t;
}

struct SanitizerReport {
  std::string tool;
  int errors = 0;                      // from the tool's summary line (or the findings counted)
  std::vector<std::string> findings;   // the first line of each reported error, "=========" stripped
  std::string first_location;          // the "at <function>+0x..." line of the first finding, if any
  bool summary_seen = false;           // the tool printed its summary (it ran to the end)
  bool clean() const { return errors == 0 && findings.empty(); }
  // "racecheck: Error: Race reported between Write access at attnlab_flash_fwd+0x1a40 and Read access ..."
  std::string first_finding() const;
};

// Parses compute-sanitizer's text report (its lines start with "========= ").
SanitizerReport parse_sanitizer_report(const std::string& tool, const std::string& text);

// $ATTNLAB_COMPUTE_SANITIZER, else /usr/local/cuda/bin/compute-sanitizer, else compute-sanitizer on PATH;
// empty (and *why) when none can be found.
std::string find_compute_sanitizer(std::string* why = nullptr);

// The command line: sanitizer, tool, kernel filter, exit code on error, then the program and its args.
std::vector<std::string> sanitizer_argv(const std::string& sanitizer, const std::string& tool,
                                        const std::string& kernel_name, const std::vector<std::string>& program);

struct SanitizeResult {
  bool ran = false;          // false: no compute-sanitizer (why in `error`)
  bool clean = false;
  std::string error;         // first finding ("racecheck: ...") or why it could not run / timed out
  double seconds = 0;        // wall time of all tools
  std::vector<SanitizerReport> reports;
};
// Runs `program` under every tool (stops at the first that reports); each run limited to timeout_s.
SanitizeResult run_sanitizers(const std::vector<std::string>& program, const std::string& kernel_name,
                              double timeout_s = 300, const std::vector<std::string>& tools = sanitizer_tools());

}  // namespace attnlab
