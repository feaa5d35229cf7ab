// GPU tests (skipped with a message when there is no device): the GPU reference agrees with the CPU
// fp64 reference, every config passes the gate on the check shapes, and the gate catches wrong kernels.
#include <gtest/gtest.h>

#include "backends/custom/flash_kernel.hpp"
#include "check/checker.hpp"
#include "check/gpu_reference.hpp"
#include "check/inputs.hpp"
#include "runtime/cuda_check.hpp"
#include "test_helpers.hpp"

namespace attnlab {

namespace {
AttnProblem problem(DType dt, int d, bool causal, int sq, int sk, int h = 2, int hk = 2) {
  return test::attn_problem(dt, d, causal, sq, sk, h, hk, 2);
}
}  // namespace

TEST(Gpu, ReferenceMatchesCpuFp64) {
  ATTN_REQUIRE_GPU();
  const auto dev = require_device();
  for (bool causal : {false, true})
    for (int d : {64, 256}) {
      auto p = problem(DType::bf16, d, causal, 300, 700, 4, 2);
      const uint64_t seed = fresh_seed();
      CheckCase cpu(p, seed, dev.arch(), 1e18), gpu(p, seed, dev.arch(), 0);
      ASSERT_EQ(cpu.reference_kind(), "cpu-fp64");
      ASSERT_EQ(gpu.reference_kind(), "gpu-fp32");
      auto eo = compare(gpu.reference().o.data(), cpu.reference().o.data(), cpu.reference().o.size());
      auto el = compare(gpu.reference().lse.data(), cpu.reference().lse.data(), cpu.reference().lse.size());
      EXPECT_EQ(eo.bad, 0u);
      EXPECT_LT(eo.max_abs, 1e-5) << "seed " << seed;
      EXPECT_LT(el.max_abs, 1e-4) << "seed " << seed;
    }
}

TEST(Gpu, EveryConfigPassesTheGate) {
  ATTN_REQUIRE_GPU();
  const auto dev = require_device();
  const ArchLimits limits{dev.arch(), dev.smem_per_block_optin};
  for (DType dt : {DType::bf16, DType::f16})
    for (int d : {64, 128, 256}) {
      std::vector<CheckCase> cases;
      for (bool causal : {false, true})
        for (auto [sq, sk] : {std::pair{1, 1}, {17, 17}, {113, 203}, {203, 113}, {257, 257}})
          cases.emplace_back(problem(dt, d, causal, sq, sk, 4, 2), fresh_seed(), dev.arch());
      for (auto& cfg : valid_space(d, limits)) {
        FlashKernel k(cfg, dt, d, dev.arch());
        for (auto& cc : cases) {
          auto r = check_kernel(cc, k);
          EXPECT_TRUE(r.pass) << cfg.name() << " " << cc.problem().describe() << " seed " << cc.seed()
                              << ": O maxabs " << r.o.max_abs << " bad " << r.o.bad << " LSE maxabs "
                              << r.lse.max_abs << " det " << r.deterministic << " " << r.error;
        }
      }
    }
}

TEST(Gpu, GateRejectsWrongKernels) {
  ATTN_REQUIRE_GPU();
  const auto dev = require_device();
  const ArchLimits limits{dev.arch(), dev.smem_per_block_optin};
  auto p = problem(DType::bf16, 128, false, 200, 300);
  CheckCase cc(p, fresh_seed(), dev.arch());
  FlashKernel k(default_config(128, limits), DType::bf16, 128, dev.arch());
  EXPECT_TRUE(check_kernel(cc, k).pass);
  // Wrong scale: the numbers are plausible but wrong.
  auto wrong_scale = cc.check("scale x1.5", [&](const AttnProblem& q, const AttnTensors& t, cudaStream_t s) {
    auto q2 = q;
    q2.softmax_scale = q.scale() * 1.5f;
    k.run(q2, t, s);
  });
  EXPECT_FALSE(wrong_scale.pass);
  // Writes nothing: the NaN poison must be caught.
  auto silent = cc.check("no-op", [](const AttnProblem&, const AttnTensors&, cudaStream_t) {});
  EXPECT_FALSE(silent.pass);
  EXPECT_GT(silent.o.bad, 0u);
  // Ignores causality: must fail a causal case.
  auto pc = p;
  pc.causal = true;
  CheckCase causal(pc, fresh_seed(), dev.arch());
  auto non_causal = causal.check("non-causal", [&](const AttnProblem& q, const AttnTensors& t, cudaStream_t s) {
    auto q2 = q;
    q2.causal = false;
    k.run(q2, t, s);
  });
  EXPECT_FALSE(non_causal.pass);
}

}  // namespace attnlab
