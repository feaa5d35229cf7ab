// Verification of timed launches (src/check/timed_verify) on host vectors: bitwise and tolerance modes,
// NaN left by an unwritten (poisoned) output, the failure message; and
// the host-side rules around it (kernel-trace cross-check, the eval worker's time limits).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "check/timed_verify.hpp"
#include "measure/kernel_trace.hpp"
#include "search/gpu_evaluator.hpp"

using namespace attnlab;

namespace {
// A small "gated" output: O values i/64 in fp16, LSE 1.5 + i.
OutputSnapshot gated_output(DType t = DType::f16, size_t n = 256, size_t rows = 8) {
  OutputSnapshot s;
  for (size_t i = 0; i < n; ++i) s.o.push_back(to_bits(t, float(i % 64) / 64.f));
  for (size_t i = 0; i < rows; ++i) s.lse.push_back(1.5f + float(i));
  return s;
}
HostAttnOutput reference_of(const OutputSnapshot& s, DType t) {
  HostAttnOutput r;
  for (uint16_t b : s.o) r.o.push_back(from_bits(t, b));
  r.lse = s.lse;
  return r;
}
}  // namespace

TEST(TimedVerify, BitwiseAcceptsOnlyIdenticalBits) {
  const OutputSnapshot g = gated_output();
  EXPECT_TRUE(diff_bitwise(g, g, DType::f16).ok);
  OutputSnapshot t = g;
  t.o[10] = to_bits(DType::f16, from_bits(DType::f16, t.o[10]) + 0.25f);
  const OutputDiff d = diff_bitwise(t, g, DType::f16);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.differing, 1u);
  EXPECT_NEAR(d.max_abs, 0.25, 1e-3);
  // One ulp of LSE, and -0 vs +0, are differences too.
  OutputSnapshot l = g;
  l.lse[3] = std::nextafter(l.lse[3], 100.f);
  EXPECT_EQ(diff_bitwise(l, g, DType::f16).differing, 1u);
  OutputSnapshot z = g;
  z.o[0] = 0x8000;  // -0.0 where the gate wrote +0.0
  EXPECT_FALSE(diff_bitwise(z, g, DType::f16).ok);
  EXPECT_THROW(diff_bitwise(gated_output(DType::f16, 128), g, DType::f16), std::invalid_argument);
}

TEST(TimedVerify, PoisonLeftInPlaceIsCountedAsNaN) {
  // A kernel that skipped its work leaves the 0xFF poison: NaN in fp16/bf16 and fp32.
  const OutputSnapshot g = gated_output(DType::bf16);
  OutputSnapshot t = g;
  for (size_t i = 0; i < 32; ++i) t.o[i] = 0xffff;
  uint32_t nan_bits = 0xffffffffu;
  std::memcpy(&t.lse[0], &nan_bits, 4);
  const OutputDiff d = diff_bitwise(t, g, DType::bf16);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.differing, 33u);
  EXPECT_EQ(d.nan, 33u);
  const std::string msg = describe_mismatch(d, 1, "after sample 37", VerifyMode::bitwise);
  EXPECT_EQ(msg.rfind("timed output differs from gated output on input set B after sample 37: 33 elements differ", 0), 0u)
      << msg;
  EXPECT_NE(msg.find("33 NaN"), std::string::npos) << msg;
}

TEST(TimedVerify, ToleranceModeUsesTheGatesMetrics) {
  const DType t = DType::f16;
  const OutputSnapshot g = gated_output(t);
  const HostAttnOutput ref = reference_of(g, t);
  EXPECT_TRUE(diff_tolerance(g, ref, t).ok);
  // Non-deterministic but correct: one fp16 ulp off on a few elements passes.
  OutputSnapshot near = g;
  for (size_t i = 1; i < 200; i += 50) near.o[i] = uint16_t(near.o[i] + 1);
  EXPECT_TRUE(diff_tolerance(near, ref, t).ok);
  // A wrong row fails, a NaN fails, and the message says it was the tolerance.
  OutputSnapshot wrong = g;
  for (size_t i = 0; i < 16; ++i) wrong.o[i] = to_bits(t, 0.9f);
  const OutputDiff d = diff_tolerance(wrong, ref, t);
  EXPECT_FALSE(d.ok);
  EXPECT_GT(d.differing, 0u);
  EXPECT_NE(describe_mismatch(d, 0, "after the timing loop", VerifyMode::tolerance).find("beyond the gate's tolerance"),
            std::string::npos);
  OutputSnapshot nan = g;
  nan.o[5] = 0x7e00;
  const OutputDiff dn = diff_tolerance(nan, ref, t);
  EXPECT_FALSE(dn.ok);
  EXPECT_EQ(dn.nan, 1u);
}

TEST(TimedVerify, InputSetNames) {
  EXPECT_EQ(input_set_name(0), 'A');
  EXPECT_EQ(input_set_name(1), 'B');
  EXPECT_STREQ(verify_mode_name(VerifyMode::bitwise), "bitwise");
}

TEST(KernelTraceRule, EventTimeBeyondKernelsPlusGapIsFlagged) {
  EXPECT_FALSE(event_exceeds_kernels(12.0, 10.0));   // within 15% + 3 us
  EXPECT_FALSE(event_exceeds_kernels(14.4, 10.0));
  EXPECT_TRUE(event_exceeds_kernels(86.0, 10.0));    // the torch peer's idle-GPU case
  EXPECT_TRUE(event_exceeds_kernels(1200.0, 1000.0));
  EXPECT_FALSE(event_exceeds_kernels(1140.0, 1000.0));
}

TEST(EvalWorkerLimits, DerivedFromKernelTimesWithAFloor) {
  GpuEvalOptions o;
  o.max_time_s = 2;
  EXPECT_DOUBLE_EQ(gate_time_limit_s(o, 100), 10);  // fast kernels: the floor
  EXPECT_GT(gate_time_limit_s(o, 10000), 60);       // 10 ms kernels: 50 x 64 x 2 launches
  EXPECT_DOUBLE_EQ(timing_time_limit_s(o, 1e-5), 10 + 2 * 2.5);
  EXPECT_DOUBLE_EQ(timing_time_limit_s(o, 0.01), 50 * 0.01 * 64 + 5);
  // cuDNN's time on the target, not the gate's host-dominated wall time (which gave 800 s per launch on the H100)
  EXPECT_DOUBLE_EQ(target_kernel_estimate_s(114.4, 800.0), 114.4e-6);
  EXPECT_DOUBLE_EQ(target_kernel_estimate_s(0, 0.002), 0.002);
  o.max_time_s = 1;
  EXPECT_LT(timing_time_limit_s(o, target_kernel_estimate_s(114.4, 800.0)), 15);
}
