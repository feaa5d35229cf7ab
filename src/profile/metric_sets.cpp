#include "profile/metric_sets.hpp"

#include "core/error.hpp"

namespace attnlab::profile {

namespace metric {
std::string stall_metric(const std::string& reason) {
  return "smsp__average_warps_issue_stalled_" + reason + "_per_issue_active.ratio";
}
const std::vector<std::string>& stall_reasons() {
  static const std::vector<std::string> r = {"barrier",       "long_scoreboard", "short_scoreboard", "mio_throttle",
                                             "math_pipe_throttle", "wait",      "not_selected",     "lg_throttle",
                                             "dispatch_stall", "no_instruction", "membar",          "sleeping",
                                             "branch_resolving", "drain",       "tex_throttle",     "selected"};
  return r;
}
}  // namespace metric

std::vector<std::string> metric_names(const std::string& set, const std::string& arch) {
  using namespace metric;
  if (set != "brief" && set != "full") throw UserError("unknown metric set '" + set + "' (brief or full)");
  const bool hopper = arch.rfind("sm_9", 0) == 0 || arch.rfind("sm_1", 0) == 0;
  std::vector<std::string> m = {kTensorPipePct, kWarpsActivePct, kDramPct, kSmPct, kDuration,
                                kDramBytesRead, kDramBytesWrite, kL2Pct, kIssueActivePct};
  if (hopper) m.insert(m.begin() + 1, kGmmaInst);
  if (set == "brief") return m;
  for (const char* x : {kTheoreticalOccPct, kSmemPct, kSmemBankConflictsLd, kSmemBankConflictsSt, kSmemWavefronts,
                        kL1HitPct, kL2HitPct, kLocalLoadBytes, kLocalStoreBytes})
    m.push_back(x);
  for (const char* x : {"launch__registers_per_thread", "launch__occupancy_limit_registers",
                        "launch__occupancy_limit_shared_mem", "launch__occupancy_limit_warps",
                        "sm__cycles_elapsed.avg.per_second", "smsp__inst_executed.sum",
                        "sm__inst_executed_pipe_tensor_op_hmma.sum", "sm__inst_executed_pipe_fma.sum",
                        "sm__inst_executed_pipe_alu.sum", "sm__inst_executed_pipe_xu.sum",
                        "sm__inst_executed_pipe_lsu.sum", "sm__inst_executed_pipe_uniform.sum"})
    m.push_back(x);
  for (const auto& r : stall_reasons()) m.push_back(stall_metric(r));
  return m;
}

}  // namespace attnlab::profile
