#pragma once
// What limits a profiled kernel, from its Nsight Compute metrics alone (a pure function: CPU-tested on
// synthetic metric sets), with the numbers that justify it and the kernel's place on the measured
// roofline (achieved TFLOP/s and arithmetic intensity against `attnlab ceilings`). Rules: docs/profile.md.
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace attnlab::profile {

// Thresholds of the rules (percent of peak unless said otherwise).
struct VerdictThresholds {
  double unit_bound_pct = 60;       // a unit this busy is the bound (tensor pipe, DRAM, L2, shared memory)
  double low_occupancy_pct = 20;    // achieved warps active below this: occupancy-limited
  double issue_bound_pct = 60;      // issue slots this busy (with no unit bound): issue-bound
};

struct VerdictInput {
  std::map<std::string, double> metrics;  // ncu metric name -> value (base units: ns, bytes, %)
  double flops = 0;                       // useful FLOPs of the launch (0: no roofline)
  double peak_tflops = 0;                 // measured tensor ceiling (attnlab ceilings)
  double dram_gbps = 0;                   // measured copy bandwidth, read + write GB/s
};

struct Verdict {
  std::string kind;    // tensor-pipe-bound | memory-bound (DRAM) | memory-bound (L2) | shared-memory-bound |
                       // occupancy-limited | latency/issue-bound | unknown
  std::string detail;  // e.g. "top stall: long_scoreboard 4.1 cycles/issue"
  std::vector<std::string> evidence;  // the 2-3 numbers behind the verdict: "tensor pipe 76.0%"
  // Roofline (0 when the inputs lack flops, duration, DRAM bytes or ceilings).
  double achieved_tflops = 0, arithmetic_intensity = 0;  // FLOP / DRAM byte
  double ridge_intensity = 0, roof_tflops = 0, pct_of_roof = 0;
  std::string roofline_side;  // "compute" (right of the ridge) or "memory"
  std::string summary() const;  // one line
};

Verdict classify(const VerdictInput& in, const VerdictThresholds& t = {});
nlohmann::json to_json(const Verdict& v);

}  // namespace attnlab::profile
