// The cuDNN SDPA baseline: what supports() answers (CPU, no GPU needed) and, on a GPU, the same
// correctness gate as the custom kernels over dtypes, head dims, masks, Sq vs Sk, GQA and batch.
#include <gtest/gtest.h>

#include "hostile_helpers.hpp"
#include "test_helpers.hpp"

#include <algorithm>

#include "backends/backend.hpp"
#include "check/checker.hpp"
#include "check/inputs.hpp"
#include "core/error.hpp"
#include "runtime/device.hpp"

namespace attnlab {

#ifdef ATTNLAB_WITH_CUDNN
namespace {
AttnProblem cudnn_problem(DType dt, int d, bool causal, int sq, int sk, int h = 8, int hk = 2, int b = 2) {
  return test::attn_problem(dt, d, causal, sq, sk, h, hk, b);
}

// Only devices cuDNN SDPA serves (sm_80+) count; elsewhere supports() is expected to refuse.
bool usable_device() {
  auto dev = query_device();
  return !dev || dev->cc_major >= 8;
}
}  // namespace

TEST(CudnnSdpa, RegisteredAndDescribed) {
  auto names = attention_backend_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "cudnn"), names.end());
  auto b = make_attention_backend("cudnn");
  EXPECT_EQ(b->name(), "cudnn");
  const std::string d = b->describe();
  EXPECT_EQ(d.rfind("cuDNN 9.", 0), 0u) << d;
  EXPECT_NE(d.find("(frontend 1."), std::string::npos) << d;
  EXPECT_THROW(make_attention_backend("cudnn", "m128n64w4s2-swz-qsm"), UserError);
  EXPECT_NO_THROW(make_attention_backend("cudnn", "heuristic"));
  EXPECT_NO_THROW(make_attention_backend("cudnn", "autotune"));
}

TEST(CudnnSdpa, SupportsTheCheckMatrix) {
  if (!usable_device()) GTEST_SKIP() << "device older than sm_80: cuDNN SDPA refuses everything";
  auto b = make_attention_backend("cudnn");
  for (DType dt : {DType::bf16, DType::f16})
    for (int d : {64, 128, 256})
      for (bool causal : {false, true})
        for (auto [sq, sk] : {std::pair{1, 1}, {128, 128}, {113, 203}, {203, 113}, {4096, 4096}})
          for (auto [h, hk] : {std::pair{8, 8}, {8, 2}, {8, 1}}) {
            auto p = cudnn_problem(dt, d, causal, sq, sk, h, hk);
            EXPECT_EQ(b->supports(p), "") << p.describe();
          }
}

TEST(CudnnSdpa, RefusesWithAReason) {
  auto b = make_attention_backend("cudnn");
  auto bad_dim = cudnn_problem(DType::bf16, 96, false, 128, 128);
  auto bad_heads = cudnn_problem(DType::bf16, 128, false, 128, 128, 8, 3);
  auto no_rows = cudnn_problem(DType::f16, 64, true, 0, 128);
  auto bad_scale = cudnn_problem(DType::f16, 64, false, 64, 64);
  bad_scale.softmax_scale = -1.f;
  for (const auto& p : {bad_dim, bad_heads, no_rows, bad_scale}) {
    const std::string why = b->supports(p);
    EXPECT_FALSE(why.empty()) << p.describe();
    EXPECT_EQ(why.find('\n'), std::string::npos) << why;  // one line, reported as "skipped: ..."
  }
  EXPECT_NE(b->supports(bad_dim).find("96"), std::string::npos);
  // prepare() refuses the same problems with a UserError rather than a cuDNN failure.
  EXPECT_THROW(b->prepare(bad_dim), UserError);
}

TEST(CudnnSdpa, PrepareWithoutDeviceIsAUserError) {
  std::string why;
  if (query_device(0, &why)) GTEST_SKIP() << "a CUDA device is present";
  auto b = make_attention_backend("cudnn");
  try {
    b->prepare(cudnn_problem(DType::bf16, 128, true, 256, 256));
    FAIL() << "prepare succeeded without a device";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("no CUDA device"), std::string::npos) << e.what();
  }
}

// --- GPU: the correctness gate ---

#define CUDNN_REQUIRE_GPU(dev)                                                       \
  std::string why_;                                                                  \
  auto dev = query_device(0, &why_);                                                 \
  if (!dev) GTEST_SKIP() << "no CUDA device: " << why_;                              \
  if (dev->cc_major < 8) GTEST_SKIP() << "cuDNN SDPA needs sm_80+, device is " << dev->arch()

namespace {
void expect_gate(AttentionBackend& backend, const AttnProblem& p, const std::string& arch) {
  ASSERT_EQ(backend.supports(p), "") << p.describe();
  backend.prepare(p);
  CheckCase cc(p, fresh_seed(), arch);
  auto r = cc.check("cudnn", [&](const AttnProblem& q, const AttnTensors& t, cudaStream_t s) { backend.run(q, t, s); });
  EXPECT_TRUE(r.pass) << p.describe() << " seed " << cc.seed() << " (" << backend.describe() << "): O maxabs "
                      << r.o.max_abs << " rel-l2 " << r.o.rel_l2 << " bad " << r.o.bad << "; LSE maxabs "
                      << r.lse.max_abs << " bad " << r.lse.bad << "; deterministic " << r.deterministic << " "
                      << r.error;
}
}  // namespace

// The shape matrices use the heuristic's plan (autotune builds every engine config of each shape: minutes over a
// matrix); AutotunedPlansPassTheGateAndAreCachedOnDisk covers the default path.
TEST(CudnnSdpaGpu, PassesTheGate) {
  CUDNN_REQUIRE_GPU(dev);
  auto backend = make_attention_backend("cudnn", "heuristic");
  for (DType dt : {DType::bf16, DType::f16})
    for (int d : {64, 128, 256})
      for (bool causal : {false, true})
        for (auto [sq, sk] : {std::pair{128, 128}, {257, 257}, {113, 203}, {203, 113}})
          expect_gate(*backend, cudnn_problem(dt, d, causal, sq, sk), dev->arch());  // B=2, GQA 8:2
}

TEST(CudnnSdpaGpu, AutotunedPlansPassTheGateAndAreCachedOnDisk) {
  CUDNN_REQUIRE_GPU(dev);
  test::TempDir dir;
  const char* old_env = std::getenv("ATTNLAB_CACHE_DIR");
  const std::string old = old_env ? old_env : "";
  setenv("ATTNLAB_CACHE_DIR", dir.path.c_str(), 1);
  const std::vector<AttnProblem> problems{cudnn_problem(DType::bf16, 128, true, 512, 512, 16, 16, 4),
                                          cudnn_problem(DType::f16, 64, false, 257, 257),
                                          cudnn_problem(DType::bf16, 256, true, 113, 203)};
  std::vector<std::string> plans;
  {
    auto tuned = make_attention_backend("cudnn");  // the default: autotune
    for (const auto& p : problems) {
      expect_gate(*tuned, p, dev->arch());
      const std::string d = tuned->describe();
      EXPECT_NE(d.find("(autotuned)"), std::string::npos) << d;
      plans.push_back(d);
    }
  }
  auto cached = make_attention_backend("cudnn");  // a new backend: the plans come from the disk cache
  for (size_t i = 0; i < problems.size(); ++i) {
    expect_gate(*cached, problems[i], dev->arch());
    std::string d = cached->describe();
    EXPECT_NE(d.find("(autotuned, cached)"), std::string::npos) << d;
    EXPECT_EQ(d.replace(d.find(", cached"), 8, ""), plans[i]);  // the same plan
  }
  auto heuristic = make_attention_backend("cudnn", "heuristic");
  expect_gate(*heuristic, problems[0], dev->arch());
  EXPECT_EQ(heuristic->describe().find("autotuned"), std::string::npos) << heuristic->describe();
  if (old.empty()) unsetenv("ATTNLAB_CACHE_DIR");
  else setenv("ATTNLAB_CACHE_DIR", old.c_str(), 1);
}

TEST(CudnnSdpaGpu, EdgeShapes) {
  CUDNN_REQUIRE_GPU(dev);
  auto backend = make_attention_backend("cudnn", "heuristic");
  for (bool causal : {false, true}) {
    expect_gate(*backend, cudnn_problem(DType::bf16, 128, causal, 1, 1), dev->arch());
    expect_gate(*backend, cudnn_problem(DType::bf16, 128, causal, 1, 300), dev->arch());    // decode
    expect_gate(*backend, cudnn_problem(DType::f16, 64, causal, 300, 1), dev->arch());      // Sq >> Sk
    expect_gate(*backend, cudnn_problem(DType::f16, 128, causal, 64, 64, 4, 4, 1), dev->arch());  // MHA, B=1
    expect_gate(*backend, cudnn_problem(DType::bf16, 64, causal, 100, 100, 8, 1, 3), dev->arch());  // MQA
  }
  auto scaled = cudnn_problem(DType::bf16, 128, true, 200, 300);
  scaled.softmax_scale = 0.3f;
  expect_gate(*backend, scaled, dev->arch());
}

// Decode-like shapes (few queries, many keys) are where split-KV engines live; the gate's determinism
// check is intermittent there, so each case is checked several times.
TEST(CudnnSdpaGpu, DecodeShapesAreDeterministic) {
  CUDNN_REQUIRE_GPU(dev);
  auto backend = make_attention_backend("cudnn");
  for (DType dt : {DType::bf16, DType::f16})
    for (int d : {64, 128, 256})
      for (bool causal : {false, true})
        for (auto [sq, sk] : {std::pair{1, 300}, {1, 4096}, {4, 2048}, {16, 4096}}) {
          auto p = cudnn_problem(dt, d, causal, sq, sk, 32, 8, 2);
          backend->prepare(p);
          CheckCase cc(p, fresh_seed(), dev->arch());
          for (int rep = 0; rep < 4; ++rep) {
            auto r = cc.check("cudnn", [&](const AttnProblem& q, const AttnTensors& t, cudaStream_t s) {
              backend->run(q, t, s);
            });
            EXPECT_TRUE(r.pass) << p.describe() << " rep " << rep << " (" << backend->describe() << "): O maxabs "
                                << r.o.max_abs << " deterministic " << r.deterministic << " " << r.error;
          }
        }
}

TEST(CudnnSdpaGpu, RunWithoutPrepareAndAlternatingProblems) {
  CUDNN_REQUIRE_GPU(dev);
  auto backend = make_attention_backend("cudnn");
  auto a = cudnn_problem(DType::bf16, 128, true, 203, 113);
  auto b = cudnn_problem(DType::f16, 64, false, 113, 203);
  CheckCase ca(a, fresh_seed(), dev->arch()), cb(b, fresh_seed(), dev->arch());
  auto runner = [&](const AttnProblem& q, const AttnTensors& t, cudaStream_t s) { backend->run(q, t, s); };
  for (int i = 0; i < 2; ++i) {  // the first run builds each plan lazily; later runs reuse the cache
    EXPECT_TRUE(ca.check("cudnn", runner).pass) << a.describe() << " seed " << ca.seed();
    EXPECT_TRUE(cb.check("cudnn", runner).pass) << b.describe() << " seed " << cb.seed();
  }
  EXPECT_NE(backend->describe().find(", plan eng"), std::string::npos) << backend->describe();
}

#else
TEST(CudnnSdpa, NotBuilt) { GTEST_SKIP() << "cuDNN SDPA baseline not built (no cuDNN or frontend headers)"; }
#endif

}  // namespace attnlab
