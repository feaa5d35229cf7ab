// The CPU fp64 reference and the error metrics, on cases with known answers; each test would fail if the
// function were wrong in the way it guards against.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "check/cpu_reference.hpp"
#include "check/inputs.hpp"
#include "check/metrics.hpp"
#include "measure/stats.hpp"

namespace attnlab {

namespace {
AttnProblem small(int sq, int sk, int d = 64, bool causal = false, int h = 2, int hk = 2) {
  return AttnProblem::make(2, h, hk, sq, sk, d, DType::bf16, causal);
}
}  // namespace

TEST(CpuReference, SingleKeyReturnsItsValueRow) {
  auto p = small(3, 1);
  auto in = random_inputs(p, 7);
  auto out = cpu_reference(p, in.q.values, in.k.values, in.v.values);
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 3; ++i)
      for (int h = 0; h < 2; ++h)
        for (int c = 0; c < 64; ++c)
          EXPECT_FLOAT_EQ(out.o[((b * 3 + i) * 2 + h) * 64 + c], in.v.values[(b * 2 + h) * 64 + c]);
  // LSE of a single key is its scaled score.
  double s = 0;
  for (int c = 0; c < 64; ++c) s += double(in.q.values[c]) * in.k.values[c];
  EXPECT_NEAR(out.lse[0], s / 8.0, 1e-5);
}

TEST(CpuReference, ZeroQueryAveragesValues) {
  auto p = small(2, 5);
  auto in = random_inputs(p, 8);
  std::fill(in.q.values.begin(), in.q.values.end(), 0.f);
  auto out = cpu_reference(p, in.q.values, in.k.values, in.v.values);
  double mean = 0;
  for (int j = 0; j < 5; ++j) mean += in.v.values[(j * 2 + 0) * 64 + 3];
  EXPECT_NEAR(out.o[3], mean / 5, 1e-6);
  EXPECT_NEAR(out.lse[0], std::log(5.0), 1e-6);
}

TEST(CpuReference, CausalBottomRightAndEmptyRows) {
  // Sq > Sk: the first Sq - Sk rows see no key: O = 0, LSE = +inf; the last row sees all keys.
  auto p = small(5, 3, 64, true);
  auto in = random_inputs(p, 9);
  auto out = cpu_reference(p, in.q.values, in.k.values, in.v.values);
  EXPECT_EQ(out.o[0], 0.f);
  EXPECT_TRUE(std::isinf(out.lse[0]) && out.lse[0] > 0);
  EXPECT_TRUE(std::isinf(out.lse[1]));
  EXPECT_FALSE(std::isinf(out.lse[2]));
  auto full = p;
  full.causal = false;
  auto ref = cpu_reference(full, in.q.values, in.k.values, in.v.values);
  EXPECT_FLOAT_EQ(out.lse[4], ref.lse[4]);  // last row: causal == full
  EXPECT_NE(out.lse[3], ref.lse[3]);
  // Row 2 sees exactly key 0: its O is V row 0.
  EXPECT_FLOAT_EQ(out.o[(2 * 2 + 0) * 64 + 1], in.v.values[1]);
}

TEST(CpuReference, GqaEqualsMhaWithRepeatedKv) {
  auto g = small(7, 9, 64, false, 4, 2);
  auto in = random_inputs(g, 10);
  auto m = g;
  m.heads_k = 4;
  std::vector<float> k4, v4;
  for (int b = 0; b < 2; ++b)
    for (int j = 0; j < 9; ++j)
      for (int h = 0; h < 4; ++h)
        for (int c = 0; c < 64; ++c) {
          k4.push_back(in.k.values[((b * 9 + j) * 2 + h / 2) * 64 + c]);
          v4.push_back(in.v.values[((b * 9 + j) * 2 + h / 2) * 64 + c]);
        }
  auto a = cpu_reference(g, in.q.values, in.k.values, in.v.values);
  auto b = cpu_reference(m, in.q.values, k4, v4);
  EXPECT_EQ(a.o, b.o);
  EXPECT_EQ(a.lse, b.lse);
}

TEST(CpuReference, ScaleIsApplied) {
  auto p = small(4, 4);
  auto in = random_inputs(p, 11);
  auto a = cpu_reference(p, in.q.values, in.k.values, in.v.values);
  p.softmax_scale = 0.5f;
  auto b = cpu_reference(p, in.q.values, in.k.values, in.v.values);
  EXPECT_GT(compare(a.o.data(), b.o.data(), a.o.size()).max_abs, 1e-3);
}

TEST(Inputs, FreshAndIndependent) {
  auto p = small(8, 8);
  auto a = random_inputs(p, 1), b = random_inputs(p, 2);
  EXPECT_NE(a.q.bits, b.q.bits);
  EXPECT_NE(a.q.bits, a.k.bits);
  EXPECT_NE(a.k.bits, a.v.bits);
  EXPECT_NE(fresh_seed(), fresh_seed());
  size_t zeros = 0;
  for (auto x : a.q.values) zeros += x == 0.f;
  EXPECT_LT(zeros, a.q.values.size() / 100);
}

TEST(Metrics, FlagsNanInfAndErrors) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  std::vector<float> ref{1, 2, 3, inf}, out{1, 2, 3.5f, inf};
  auto e = compare(out.data(), ref.data(), 4);
  EXPECT_EQ(e.bad, 0u);
  EXPECT_NEAR(e.max_abs, 0.5, 1e-9);
  EXPECT_NEAR(e.rel_l2, 0.5 / std::sqrt(14.0), 1e-9);
  out[0] = nan;
  EXPECT_EQ(compare(out.data(), ref.data(), 4).bad, 1u);
  out[0] = 1;
  out[3] = 5;  // finite where the reference is +inf
  EXPECT_EQ(compare(out.data(), ref.data(), 4).bad, 1u);
  out[3] = -inf;
  EXPECT_EQ(compare(out.data(), ref.data(), 4).bad, 1u);
  EXPECT_FALSE(within(compare(out.data(), ref.data(), 4), 1, 1));
  auto tol = tolerance_for(DType::bf16);
  EXPECT_GT(tol.o_max_abs, tolerance_for(DType::f16).o_max_abs);
}

TEST(Stats, SummaryAndStoppingRule) {
  auto s = summarize({5, 1, 3, 2, 4});
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.q1, 2);
  EXPECT_DOUBLE_EQ(s.q3, 4);
  EXPECT_NEAR(s.rel_stdev, std::sqrt(2.5) / 3, 1e-12);
  StopRule rule;
  std::vector<double> hist;
  std::vector<double> steady(10, 100.0);
  EXPECT_EQ(should_stop(rule, steady, 0.1, 0.1, hist), StopReason::none);  // not enough GPU time yet
  EXPECT_EQ(should_stop(rule, steady, 0.6, 0.7, hist), StopReason::converged);
  std::vector<double> few(5, 100.0);
  EXPECT_EQ(should_stop(rule, few, 1.0, 1.0, hist), StopReason::none);  // too few samples
  EXPECT_EQ(should_stop(rule, few, 1.0, 16.0, hist), StopReason::timeout);
  // Noisy but stable noise: stops as plateaued after 10 checks of unchanged noise.
  hist.clear();
  std::vector<double> noisy;
  StopReason r = StopReason::none;
  for (int i = 0; i < 1000 && r == StopReason::none; ++i) {
    noisy.push_back(i % 2 ? 90.0 : 110.0);
    r = should_stop(rule, noisy, 1.0, 1.0, hist);
  }
  EXPECT_EQ(r, StopReason::plateaued);
}

}  // namespace attnlab
