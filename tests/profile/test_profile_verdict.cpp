// Verdicts on synthetic metric sets: each class, the numbers given as evidence, and the roofline.
#include <gtest/gtest.h>

#include "profile/metric_sets.hpp"
#include "profile/verdict.hpp"

namespace attnlab::profile {

namespace {
VerdictInput input(std::map<std::string, double> m) {
  VerdictInput in;
  in.metrics = std::move(m);
  return in;
}
}  // namespace

TEST(ProfileVerdict, TensorPipeBound) {
  // cuDNN's sm90 kernel under ncu (shared/reference): tensor 76%, DRAM 9.6%, warps active 14%.
  auto in = input({{metric::kTensorPipePct, 76.0}, {metric::kDramPct, 9.6}, {metric::kWarpsActivePct, 14.2},
                   {metric::kSmPct, 73.1}, {metric::kDuration, 818528}, {metric::kDramBytesRead, 2.4e8},
                   {metric::kDramBytesWrite, 6.7e7}});
  in.flops = 4.0 * 4 * 16 * 4096.0 * 4096 * 128;
  in.peak_tflops = 700;
  in.dram_gbps = 3000;
  const Verdict v = classify(in);
  EXPECT_EQ(v.kind, "tensor-pipe-bound");  // low occupancy does not matter when the pipe is busy
  ASSERT_EQ(v.evidence.size(), 2u);
  EXPECT_EQ(v.evidence[0], "tensor pipe 76.0%");
  EXPECT_EQ(v.evidence[1], "DRAM 9.6%");
  EXPECT_NEAR(v.achieved_tflops, in.flops / 818528e-9 / 1e12, 1e-9);  // ~672
  EXPECT_NEAR(v.arithmetic_intensity, in.flops / 3.07e8, 1e-6);
  EXPECT_NEAR(v.ridge_intensity, 700e12 / 3000e9, 1e-9);
  EXPECT_EQ(v.roofline_side, "compute");
  EXPECT_DOUBLE_EQ(v.roof_tflops, 700);
  EXPECT_NEAR(v.pct_of_roof, 100 * v.achieved_tflops / 700, 1e-9);
  EXPECT_NE(v.summary().find("compute side of the ridge"), std::string::npos) << v.summary();
}

TEST(ProfileVerdict, MemoryBoundDramAndL2) {
  auto in = input({{metric::kTensorPipePct, 30.4}, {metric::kDramPct, 82.5}, {metric::kL2Pct, 61.3},
                   {metric::kWarpsActivePct, 11.7}, {metric::kDuration, 1.79e6}, {metric::kDramBytesRead, 1.07e9},
                   {metric::kDramBytesWrite, 4.29e9}});
  in.flops = 2.0 * 64 * 4096.0 * 4096 * 128;  // the QK^T GEMM writing an fp32 S
  in.peak_tflops = 700;
  in.dram_gbps = 3000;
  Verdict v = classify(in);
  EXPECT_EQ(v.kind, "memory-bound (DRAM)");
  ASSERT_GE(v.evidence.size(), 2u);
  EXPECT_EQ(v.evidence[0], "DRAM 82.5%");
  EXPECT_EQ(v.evidence[1], "L2 61.3%");
  EXPECT_EQ(v.roofline_side, "memory");
  EXPECT_LT(v.roof_tflops, 700);
  v = classify(input({{metric::kDramPct, 20}, {metric::kL2Pct, 71}, {metric::kTensorPipePct, 10}}));
  EXPECT_EQ(v.kind, "memory-bound (L2)");
}

TEST(ProfileVerdict, SharedMemoryBound) {
  const Verdict v = classify(input({{metric::kTensorPipePct, 40}, {metric::kSmemPct, 88}, {metric::kDramPct, 5},
                                    {metric::kSmemBankConflictsLd, 3e6}, {metric::kSmemBankConflictsSt, 1e6},
                                    {metric::kSmemWavefronts, 2e7}}));
  EXPECT_EQ(v.kind, "shared-memory-bound");
  EXPECT_EQ(v.evidence[0], "shared-memory pipe 88.0%");
  EXPECT_EQ(v.evidence.back(), "bank conflicts 20.0% of wavefronts");
}

TEST(ProfileVerdict, OccupancyLimited) {
  // FA2-like: nothing busy enough, 12% warps active.
  const Verdict v = classify(input({{metric::kTensorPipePct, 57}, {metric::kDramPct, 5.6}, {metric::kWarpsActivePct, 12},
                                    {metric::kTheoreticalOccPct, 12.5},
                                    {metric::stall_metric("long_scoreboard"), 2.5},
                                    {metric::stall_metric("barrier"), 1.1}, {metric::stall_metric("selected"), 9}}));
  EXPECT_EQ(v.kind, "occupancy-limited");
  EXPECT_EQ(v.evidence, (std::vector<std::string>{"warps active 12.0%", "theoretical occupancy 12.5%", "tensor pipe 57.0%"}));
  EXPECT_EQ(v.detail, "top stall long_scoreboard 2.50 cycles/issue");  // "selected" is not a stall
}

TEST(ProfileVerdict, LatencyAndIssueBound) {
  Verdict v = classify(input({{metric::kTensorPipePct, 35}, {metric::kWarpsActivePct, 45}, {metric::kIssueActivePct, 72}}));
  EXPECT_EQ(v.kind, "latency/issue-bound");
  EXPECT_EQ(v.evidence[0], "issue slots busy 72.0%");
  EXPECT_EQ(v.detail, "issue-bound (instruction issue saturated)");
  v = classify(input({{metric::kTensorPipePct, 35}, {metric::kWarpsActivePct, 45}, {metric::kIssueActivePct, 30},
                      {metric::stall_metric("mio_throttle"), 3.0}}));
  EXPECT_EQ(v.detail, "latency-bound: top stall mio_throttle 3.00 cycles/issue");
  // Thresholds are parameters.
  VerdictThresholds t;
  t.unit_bound_pct = 30;
  EXPECT_EQ(classify(input({{metric::kTensorPipePct, 35}, {metric::kWarpsActivePct, 45}}), t).kind, "tensor-pipe-bound");
}

TEST(ProfileVerdict, NoMetricsNoRoofline) {
  const Verdict v = classify(input({}));
  EXPECT_EQ(v.kind, "unknown");
  EXPECT_EQ(v.achieved_tflops, 0);
  auto in = input({{metric::kDuration, 1e6}, {metric::kTensorPipePct, 80}});
  in.flops = 1e9;  // no DRAM bytes, no ceilings: TFLOP/s only
  const Verdict w = classify(in);
  EXPECT_DOUBLE_EQ(w.achieved_tflops, 1.0);
  EXPECT_EQ(w.arithmetic_intensity, 0);
  EXPECT_EQ(w.roof_tflops, 0);
  EXPECT_EQ(to_json(w)["roofline"]["achieved_tflops"], 1.0);
}

}  // namespace attnlab::profile
