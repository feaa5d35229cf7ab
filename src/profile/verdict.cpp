#include "profile/verdict.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "profile/metric_sets.hpp"

namespace attnlab::profile {

namespace {
std::optional<double> get(const VerdictInput& in, const std::string& name) {
  auto it = in.metrics.find(name);
  if (it == in.metrics.end()) return std::nullopt;
  return it->second;
}
std::string pct(const char* what, double v) { return fmt::format("{} {:.1f}%", what, v); }

// The largest warp-stall reason (cycles per issued instruction), when the full set was read.
std::optional<std::pair<std::string, double>> top_stall(const VerdictInput& in) {
  std::optional<std::pair<std::string, double>> best;
  for (const auto& r : metric::stall_reasons()) {
    if (r == "selected") continue;  // issuing, not stalled
    if (auto v = get(in, metric::stall_metric(r)); v && (!best || *v > best->second)) best = {{r, *v}};
  }
  return best;
}

void add_roofline(const VerdictInput& in, Verdict& v) {
  const auto ns = get(in, metric::kDuration);
  if (in.flops <= 0 || !ns || *ns <= 0) return;
  v.achieved_tflops = in.flops / (*ns * 1e-9) / 1e12;
  const double bytes = get(in, metric::kDramBytesRead).value_or(0) + get(in, metric::kDramBytesWrite).value_or(0);
  if (bytes > 0) v.arithmetic_intensity = in.flops / bytes;
  if (in.peak_tflops <= 0 || in.dram_gbps <= 0) return;
  v.ridge_intensity = in.peak_tflops * 1e12 / (in.dram_gbps * 1e9);
  if (v.arithmetic_intensity <= 0) return;
  v.roof_tflops = std::min(in.peak_tflops, v.arithmetic_intensity * in.dram_gbps * 1e9 / 1e12);
  v.pct_of_roof = 100 * v.achieved_tflops / v.roof_tflops;
  v.roofline_side = v.arithmetic_intensity >= v.ridge_intensity ? "compute" : "memory";
}
}  // namespace

Verdict classify(const VerdictInput& in, const VerdictThresholds& t) {
  Verdict v;
  add_roofline(in, v);
  const auto tensor = get(in, metric::kTensorPipePct), dram = get(in, metric::kDramPct), l2 = get(in, metric::kL2Pct),
             smem = get(in, metric::kSmemPct), warps = get(in, metric::kWarpsActivePct),
             issue = get(in, metric::kIssueActivePct), theo = get(in, metric::kTheoreticalOccPct);
  const auto stall = top_stall(in);
  const std::string stall_text = stall ? fmt::format("top stall {} {:.2f} cycles/issue", stall->first, stall->second) : "";

  // 1. A unit at or above the threshold is the bound: the busiest of tensor pipe, DRAM, L2, shared memory.
  struct Unit {
    const char* kind;
    const char* label;
    std::optional<double> pct;
  };
  const Unit units[] = {{"tensor-pipe-bound", "tensor pipe", tensor},
                        {"memory-bound (DRAM)", "DRAM", dram},
                        {"memory-bound (L2)", "L2", l2},
                        {"shared-memory-bound", "shared-memory pipe", smem}};
  const Unit* busiest = nullptr;
  for (const auto& u : units)
    if (u.pct && *u.pct >= t.unit_bound_pct && (!busiest || *u.pct > *busiest->pct)) busiest = &u;
  if (busiest) {
    v.kind = busiest->kind;
    v.evidence.push_back(pct(busiest->label, *busiest->pct));
    const Unit* second = nullptr;  // the runner-up shows how clear the call is
    for (const auto& u : units)
      if (&u != busiest && u.pct && *u.pct >= 0.5 * t.unit_bound_pct && (!second || *u.pct > *second->pct)) second = &u;
    if (second) v.evidence.push_back(pct(second->label, *second->pct));
    if (busiest->kind == std::string("tensor-pipe-bound") && dram && (!second || second->pct != dram))
      v.evidence.push_back(pct("DRAM", *dram));
    if (busiest->kind == std::string("shared-memory-bound")) {
      const double conflicts = get(in, metric::kSmemBankConflictsLd).value_or(0) + get(in, metric::kSmemBankConflictsSt).value_or(0);
      if (auto wf = get(in, metric::kSmemWavefronts); wf && *wf > 0)
        v.evidence.push_back(fmt::format("bank conflicts {:.1f}% of wavefronts", 100 * conflicts / *wf));
    }
    if (v.evidence.size() > 3) v.evidence.resize(3);
    return v;
  }
  // 2. No unit is busy and few warps are resident: too little parallelism to hide latency.
  if (warps && *warps < t.low_occupancy_pct) {
    v.kind = "occupancy-limited";
    v.evidence.push_back(pct("warps active", *warps));
    if (theo) v.evidence.push_back(pct("theoretical occupancy", *theo));
    if (tensor) v.evidence.push_back(pct("tensor pipe", *tensor));
    v.detail = stall_text;
    return v;
  }
  // 3. Otherwise latency- or issue-bound: the issue slots or the stalls say which.
  if (warps || issue || tensor) {
    v.kind = "latency/issue-bound";
    if (issue) v.evidence.push_back(pct("issue slots busy", *issue));
    if (warps) v.evidence.push_back(pct("warps active", *warps));
    if (tensor) v.evidence.push_back(pct("tensor pipe", *tensor));
    v.detail = issue && *issue >= t.issue_bound_pct ? "issue-bound (instruction issue saturated)"
                                                     : "latency-bound" + (stall_text.empty() ? "" : ": " + stall_text);
    return v;
  }
  v.kind = "unknown";
  v.detail = "none of the verdict's metrics were read";
  return v;
}

std::string Verdict::summary() const {
  std::string s = kind;
  for (size_t i = 0; i < evidence.size(); ++i) s += (i ? ", " : ": ") + evidence[i];
  if (!detail.empty()) s += " (" + detail + ")";
  if (achieved_tflops > 0) s += fmt::format("; {:.1f} TFLOP/s", achieved_tflops);
  if (arithmetic_intensity > 0) s += fmt::format(" at {:.0f} FLOP/B", arithmetic_intensity);
  if (roof_tflops > 0)
    s += fmt::format(" ({} side of the ridge at {:.0f} FLOP/B, {:.0f}% of the {:.0f} TFLOP/s roof)", roofline_side,
                     ridge_intensity, pct_of_roof, roof_tflops);
  return s;
}

nlohmann::json to_json(const Verdict& v) {
  nlohmann::json j = {{"kind", v.kind}, {"detail", v.detail}, {"evidence", v.evidence}, {"summary", v.summary()}};
  if (v.achieved_tflops > 0)
    j["roofline"] = {{"achieved_tflops", v.achieved_tflops}, {"arithmetic_intensity", v.arithmetic_intensity},
                     {"ridge_intensity", v.ridge_intensity}, {"roof_tflops", v.roof_tflops},
                     {"pct_of_roof", v.pct_of_roof}, {"side", v.roofline_side}};
  return j;
}

}  // namespace attnlab::profile
