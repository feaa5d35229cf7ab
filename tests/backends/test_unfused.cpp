// The unfused attention baseline ("unfused": cuBLASLt QK^T, NVRTC row softmax, cuBLASLt PV) through the
// same correctness gate as the custom kernel; the softmax kernel's compilation runs without a GPU.
#include <gtest/gtest.h>

#include <cmath>

#include "backends/backend.hpp"
#include "backends/unfused/unfused_backend.hpp"
#include "check/checker.hpp"
#include "check/inputs.hpp"
#include "test_helpers.hpp"

namespace attnlab {

namespace {
AttnProblem problem(DType dt, int d, bool causal, int sq, int sk, int b = 2, int h = 2, int hk = 2) {
  return test::attn_problem(dt, d, causal, sq, sk, h, hk, b);
}
}  // namespace

TEST(Unfused, SoftmaxCompilesForSm80AndSm90a) {
  for (std::string arch : {"sm_80", "sm_90a"}) {
    CompiledKernel k = compile(unfused_softmax_request(arch));
    EXPECT_GT(k.cubin.size(), 1000u) << arch;
    EXPECT_GT(k.resources.registers, 0) << arch << "\n" << k.log;
    EXPECT_LE(k.resources.registers, 255) << arch;
    EXPECT_EQ(k.resources.spill_stores, 0) << arch << "\n" << k.log;
    // Both entry points are in the cubin (names are extern "C").
    EXPECT_NE(k.cubin.find(kUnfusedSoftmaxBf16), std::string::npos) << arch;
    EXPECT_NE(k.cubin.find(kUnfusedSoftmaxF16), std::string::npos) << arch;
  }
}

TEST(Unfused, ScratchLayoutAndSupports) {
  auto p = problem(DType::bf16, 128, false, 113, 203, 2, 8, 2);
  EXPECT_EQ(unfused_ld_s(p), 204);  // 16-byte fp32 rows
  EXPECT_EQ(unfused_ld_p(p), 208);  // 16-byte 16-bit rows
  EXPECT_EQ(unfused_scratch_bytes(p), uint64_t(2) * 8 * 113 * (204 * 4 + 208 * 2));
  auto be = make_attention_backend("unfused");
  EXPECT_EQ(be->name(), "unfused");
  auto bad = p;
  bad.heads_k = 3;  // does not divide 8
  EXPECT_NE(be->supports(bad), "");
  if (test::has_gpu()) {
    EXPECT_EQ(be->supports(p), "");
    // 64 * 64 * 65536 rows of 65536 keys: petabytes of scratch.
    auto huge = problem(DType::bf16, 64, false, 65536, 65536, 64, 64, 64);
    const std::string why = be->supports(huge);
    EXPECT_NE(why.find("GiB"), std::string::npos) << why;
  }
}

// bf16/fp16 x d 64/128/256 x causal/non-causal x (Sq == Sk, Sq < Sk, Sq > Sk, single row, GQA 8:2).
TEST(Unfused, PassesTheGate) {
  ATTN_REQUIRE_GPU();
  const auto dev = require_device();
  auto be = make_attention_backend("unfused");
  for (DType dt : {DType::bf16, DType::f16})
    for (int d : {64, 128, 256})
      for (bool causal : {false, true})
        for (const AttnProblem& p : {problem(dt, d, causal, 1, 1), problem(dt, d, causal, 17, 17),
                                     problem(dt, d, causal, 113, 203), problem(dt, d, causal, 203, 113),
                                     problem(dt, d, causal, 257, 257, 1), problem(dt, d, causal, 333, 517, 2, 8, 2),
                                     problem(dt, d, causal, 300, 100, 1, 8, 2)}) {
          ASSERT_EQ(be->supports(p), "") << p.describe();
          CheckCase cc(p, fresh_seed(), dev.arch());
          be->prepare(p);
          auto r = cc.check("unfused", [&](const AttnProblem& q, const AttnTensors& t, cudaStream_t s) { be->run(q, t, s); });
          EXPECT_TRUE(r.pass) << p.describe() << " seed " << cc.seed() << ": O maxabs " << r.o.max_abs << " rel "
                              << r.o.rel_l2 << " bad " << r.o.bad << " LSE maxabs " << r.lse.max_abs << " bad "
                              << r.lse.bad << " det " << r.deterministic << " " << r.error << " (" << be->describe()
                              << ")";
        }
}

// A smaller problem after a larger one reuses the scratch; a larger one after a smaller one regrows it.
TEST(Unfused, PrepareAgainWithOtherShapes) {
  ATTN_REQUIRE_GPU();
  const auto dev = require_device();
  auto be = make_attention_backend("unfused");
  for (const AttnProblem& p : {problem(DType::bf16, 128, true, 600, 600), problem(DType::bf16, 64, false, 50, 70),
                               problem(DType::f16, 128, true, 700, 900, 1, 4, 1)}) {
    CheckCase cc(p, fresh_seed(), dev.arch());
    be->prepare(p);
    auto r = cc.check("unfused", [&](const AttnProblem& q, const AttnTensors& t, cudaStream_t s) { be->run(q, t, s); });
    EXPECT_TRUE(r.pass) << p.describe() << " seed " << cc.seed() << ": O maxabs " << r.o.max_abs << " LSE maxabs "
                        << r.lse.max_abs << " " << r.error;
  }
}

}  // namespace attnlab
