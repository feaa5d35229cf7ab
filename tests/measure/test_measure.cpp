// Measurement-side pieces that need no GPU: ceiling rejection, result JSON round trip, environment
// capture without a device, throttle-reason names.
#include <gtest/gtest.h>

#include <array>

#include "measure/ceilings.hpp"
#include "measure/environment.hpp"
#include "measure/evaluate.hpp"
#include "measure/nvml.hpp"
#include "test_helpers.hpp"

namespace attnlab {

TEST(Ceilings, RejectsImpossibleResults) {
  EXPECT_NO_THROW(reject_above_ceiling(700, 700, "x"));
  EXPECT_NO_THROW(reject_above_ceiling(734, 700, "x"));  // within 5%
  EXPECT_THROW(reject_above_ceiling(736, 700, "x"), MeasurementError);
  try {
    reject_above_ceiling(2000, 700, "custom TFLOP/s");
  } catch (const MeasurementError& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds 1.05x the measured ceiling at the maximum clock (700.0)"), std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(reject_above_ceiling(1e9, 0, "unknown ceiling"));
}

// Seen on the H100: cuDNN at d=256 S=8192 ran 737.8 TFLOP/s in a 0.3 s window at ~1980 MHz, against a GEMM
// ceiling of 693.2 measured at ~1650 MHz under sustained load. The bound scales the ceiling to the max clock.
TEST(Ceilings, BoundScalesToTheMaximumClock) {
  Ceilings c;
  c.bf16_tflops = 693.2;
  c.bf16_clock_mhz = 1650;
  EXPECT_DOUBLE_EQ(c.tensor_tflops_bound(DType::bf16), 693.2);  // max clock unknown: the ceiling itself
  c.max_sm_clock_mhz = 1980;
  EXPECT_NEAR(c.tensor_tflops_bound(DType::bf16), 693.2 * 1980 / 1650, 1e-9);
  EXPECT_NO_THROW(reject_above_ceiling(737.8, c.tensor_tflops_bound(DType::bf16), "cudnn TFLOP/s"));
  EXPECT_THROW(reject_above_ceiling(2 * 693.2, c.tensor_tflops_bound(DType::bf16), "cheat"), MeasurementError);
  EXPECT_DOUBLE_EQ(c.tensor_tflops_bound(DType::f16), 0);  // no fp16 ceiling: no bound
}

TEST(Ceilings, JsonRoundTrip) {
  Ceilings c;
  c.gpu_uuid = "GPU-1";
  c.driver = "13000";
  c.bf16_tflops = 780.5;
  c.fp16_tflops = 790.25;
  c.copy_gbps = 3000.0;
  c.bf16_clock_mhz = 1755;
  c.measured_at = "2026-11-26T00:00:00Z";
  Ceilings d = ceilings_from_json(to_json(c));
  EXPECT_EQ(d.gpu_uuid, c.gpu_uuid);
  EXPECT_DOUBLE_EQ(d.bf16_tflops, c.bf16_tflops);
  EXPECT_DOUBLE_EQ(d.tensor_tflops(DType::f16), 790.25);
  EXPECT_DOUBLE_EQ(d.copy_gbps, 3000.0);
  EXPECT_DOUBLE_EQ(d.bf16_clock_mhz, 1755);
  EXPECT_EQ(d.gemm_n, 8192);
}

TEST(ResultJson, RoundTrip) {
  EvalResult r;
  r.backend = "custom";
  r.describe = "m128n64w4s2-swz-qsm";
  r.problem.batch = 4;
  r.problem.heads = r.problem.heads_k = 16;
  r.problem.seqlen_q = r.problem.seqlen_k = 4096;
  r.problem.causal = true;
  r.flops = r.problem.flops();
  CheckResult c;
  c.pass = true;
  c.seed = 1234567;
  c.reference = "gpu-fp32";
  c.o.max_abs = 1e-3;
  c.o.rel_l2 = 2e-3;
  c.deterministic = true;
  r.check = c;
  Measurement m;
  m.samples = {100, 101, 99, 102, 100};
  m.stats = summarize(m.samples);
  m.stop = StopReason::converged;
  m.mean_sm_clock_mhz = 1755;
  m.clock_source = "nvml";
  r.timing = m;
  r.tflops = r.flops / 100e-6 / 1e12;
  r.pct_of_peak = 50;
  const nlohmann::json j = to_json(r);
  EXPECT_EQ(j["problem"]["causal"], true);
  EXPECT_EQ(j["timing"]["stop"], "converged");
  const EvalResult back = eval_result_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.backend, r.backend);
  EXPECT_EQ(back.describe, r.describe);
  EXPECT_EQ(back.problem.describe(), r.problem.describe());
  EXPECT_EQ(back.status, EvalStatus::ok);
  ASSERT_TRUE(back.check && back.timing);
  EXPECT_EQ(back.check->seed, 1234567u);
  EXPECT_DOUBLE_EQ(back.check->o.rel_l2, 2e-3);
  EXPECT_EQ(back.timing->samples, m.samples);
  EXPECT_DOUBLE_EQ(back.timing->stats.median, 100);
  EXPECT_EQ(back.timing->stop, StopReason::converged);
  EXPECT_DOUBLE_EQ(back.tflops, r.tflops);
  EXPECT_EQ(to_json(back).dump(), j.dump());
  // A skipped result has no timing and null throughput.
  EvalResult s;
  s.backend = "cudnn";
  s.status = EvalStatus::skipped;
  s.reason = "head dim 256 unsupported";
  auto js = to_json(s);
  EXPECT_TRUE(js["timing"].is_null());
  EXPECT_TRUE(js["tflops"].is_null());
  EXPECT_EQ(eval_result_from_json(js).reason, s.reason);
}

TEST(Environment, CapturedWithoutGuessing) {
  set_command_line(2, std::array<char*, 2>{const_cast<char*>("attnlab"), const_cast<char*>("bench")}.data());
  auto env = capture_environment();
  EXPECT_EQ(env["command_line"], "attnlab bench");
  EXPECT_TRUE(env.contains("git_commit"));
  EXPECT_TRUE(env["versions"].contains("nvrtc"));
  EXPECT_TRUE(env["versions"].contains("cublaslt"));
  EXPECT_FALSE(env["timestamp_utc"].get<std::string>().empty());
  if (!test::has_gpu()) {
    EXPECT_TRUE(env["gpu"].is_null());
    EXPECT_FALSE(env["gpu_unavailable"].get<std::string>().empty());
  } else {
    EXPECT_FALSE(env["gpu"]["uuid"].get<std::string>().empty());
  }
}

TEST(Nvml, ThrottleReasonNames) {
  EXPECT_EQ(throttle_reason_names(0), std::vector<std::string>{});
  EXPECT_EQ(throttle_reason_names(0x4 | 0x40), (std::vector<std::string>{"sw_power_cap", "hw_thermal"}));
  Nvml n("GPU-00000000-0000-0000-0000-000000000000");
  EXPECT_FALSE(n.available());
  EXPECT_FALSE(n.sm_clock_mhz().has_value());
}

}  // namespace attnlab
