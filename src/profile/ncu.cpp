#include "profile/ncu.hpp"

#include <algorithm>
#include <stdexcept>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"

namespace attnlab::profile {

std::string find_ncu() { return find_tool("ncu", "NCU_PATH", cuda_tool_dirs()); }

std::string require_ncu() {
  std::string ncu = find_ncu();
  if (ncu.empty())
    throw UserError("ncu (Nsight Compute) not found: install Nsight Compute (CUDA toolkit), put ncu on PATH, or set "
                    "NCU_PATH to its folder");
  return ncu;
}

std::vector<std::string> ncu_command(const std::string& ncu, const std::vector<std::string>& metrics,
                                     const std::vector<std::string>& app_argv) {
  std::string joined;
  for (const auto& m : metrics) joined += (joined.empty() ? "" : ",") + m;
  std::vector<std::string> cmd = {ncu,           "--csv",    "--page",          "raw",  "--print-units",
                                  "base",        "--clock-control", "none",     "--nvtx", "--nvtx-include",
                                  std::string(kProfileRange) + "/", "--metrics", joined};
  cmd.insert(cmd.end(), app_argv.begin(), app_argv.end());
  return cmd;
}

std::string ncu_failure(const ProcessResult& r) {
  const std::string all = r.out + "\n" + r.err;
  if (r.exit_code == 127 && !r.timed_out) return "cannot run ncu: " + r.describe();
  if (all.find("ERR_NVGPUCTRPERM") != std::string::npos)
    return "ncu has no permission to read GPU performance counters (ERR_NVGPUCTRPERM): run as root, or load the "
           "nvidia driver with NVreg_RestrictProfilingToAdminUsers=0 (modprobe option) and reboot";
  if (r.timed_out) return "ncu timed out";
  if (all.find("No kernels were profiled") != std::string::npos)
    return fmt::format("ncu profiled no kernel: nothing ran inside the NVTX range '{}' (is the ncu too old for NVTX "
                       "filtering, or did the backend launch nothing?)", kProfileRange);
  std::istringstream in(all);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("==ERROR==", 0) == 0) return "ncu: " + line.substr(10);
  if (r.exit_code != 0) {
    std::string last;
    std::istringstream in2(r.err.empty() ? r.out : r.err);
    for (std::string line; std::getline(in2, line);)
      if (!line.empty()) last = line;
    return fmt::format("ncu exited with status {}: {}", r.exit_code, last);
  }
  if (r.out.find("\"ID\"") == std::string::npos) return "ncu printed no CSV";
  return {};
}

std::vector<std::string> unknown_metrics(const std::string& out, const std::vector<std::string>& requested) {
  std::vector<std::string> unknown;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.find("==ERROR==") == std::string::npos) continue;
    for (const auto& m : requested)
      if (line.find(m) != std::string::npos && std::find(unknown.begin(), unknown.end(), m) == unknown.end())
        unknown.push_back(m);
  }
  return unknown;
}

NcuRun run_ncu(const std::vector<std::string>& metrics, const std::vector<std::string>& app_argv, double timeout_s) {
  const std::string ncu = require_ncu();
  NcuRun run;
  std::vector<std::string> m = metrics;
  constexpr int kAttempts = 4;  // ncu may name one unknown metric per run
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    run.command = ncu_command(ncu, m, app_argv);
    ProcessOptions po;
    po.timeout_s = timeout_s;
    const ProcessResult r = run_process(run.command, po);
    run.output = r.out;
    const std::string why = ncu_failure(r);
    if (why.empty()) {
      run.kernels = parse_ncu_csv(r.out);
      if (run.kernels.empty()) throw UserError("ncu profiled no kernel (empty CSV)");
      return run;
    }
    const auto unknown = unknown_metrics(r.out + "\n" + r.err, m);
    if (unknown.empty() || unknown.size() == m.size() || attempt + 1 == kAttempts) throw UserError(why);
    for (const auto& u : unknown) m.erase(std::find(m.begin(), m.end(), u));
    run.dropped_metrics.insert(run.dropped_metrics.end(), unknown.begin(), unknown.end());
  }
  throw std::logic_error("unreachable");
}

}  // namespace attnlab::profile
