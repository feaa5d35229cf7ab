// The timing path with checked launches (measure/verified_timing through evaluate_attention), on the GPU:
// an honest kernel is timed and every sample verified; backends that cheat only after the gate —
// skipping work after N launches, memoising by address, skipping one sample in fifty, skipping the later
// launches of a graph — fail with the reason and no number; a backend that reads its outputs before every
// launch sees the poison on every one (the channel of issue 16). Also the GEMM baselines and the keyed hash
// on the device against the host's. Skipped without a GPU (host logic: test_sample_protocol.cpp).
#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "backends/backend.hpp"
#include "backends/custom/flash_kernel.hpp"
#include "check/buffer_hash.hpp"
#include "check/inputs.hpp"
#include "measure/evaluate.hpp"
#include "test_helpers.hpp"

namespace attnlab {

namespace {
// The built-in kernel behind the backend interface; `cheat(call, t)` decides per launch whether to run it.
class CheatingBackend : public AttentionBackend {
 public:
  using Cheat = std::function<bool(int call, const AttnTensors& t)>;  // true: skip this launch
  CheatingBackend(const FlashKernel& k, Cheat cheat) : k_(k), cheat_(std::move(cheat)) {}
  std::string name() const override { return "cheat"; }
  std::string describe() const override { return k_.config().name(); }
  std::string supports(const AttnProblem& p) const override { return p.validate(); }
  void prepare(const AttnProblem&) override {}
  void run(const AttnProblem& p, const AttnTensors& t, cudaStream_t s) override {
    if (!cheat_(calls_++, t)) k_.run(p, t, s);
  }

 private:
  const FlashKernel& k_;
  Cheat cheat_;
  int calls_ = 0;
};

struct Fixture {
  DeviceInfo dev = require_device();
  AttnProblem p = AttnProblem::make(1, 4, 2, 333, 517, 128, DType::bf16, false);
  FlashKernel k{default_config(128, ArchLimits{dev.arch(), dev.smem_per_block_optin}), DType::bf16, 128, dev.arch()};
  CheckCase cc{p, fresh_seed(), dev.arch()};
  EvalOptions eo;
  Fixture() { eo.measure.stop.max_time_s = 0.5; }
};
}  // namespace

TEST(VerifiedTiming, HonestKernelIsTimedAndVerified) {
  ATTN_REQUIRE_GPU();
  Fixture f;
  CheatingBackend honest(f.k, [](int, const AttnTensors&) { return false; });
  const EvalResult r = evaluate_attention(honest, f.cc, f.eo);
  ASSERT_EQ(r.status, EvalStatus::ok) << r.reason;
  ASSERT_TRUE(r.verified);
  EXPECT_EQ(r.verified->mode, VerifyMode::bitwise);
  EXPECT_GT(r.verified->samples, 0);
  EXPECT_EQ(r.verified->samples_checked, r.verified->samples);  // every sample
  EXPECT_EQ(r.verified->samples, r.timing->stats.count + r.timing->discarded_throttled);
  EXPECT_GT(r.gate_s, 0);
  EXPECT_TRUE(r.timing->stream_blocked) << r.timing->warning;
}

TEST(VerifiedTiming, SkippingAfterTheGateFails) {
  ATTN_REQUIRE_GPU();
  Fixture f;
  CheatingBackend lazy(f.k, [](int call, const AttnTensors&) { return call >= 6; });  // gate: 3 launches
  const EvalResult r = evaluate_attention(lazy, f.cc, f.eo);
  EXPECT_EQ(r.status, EvalStatus::failed);
  EXPECT_NE(r.reason.find("timed output differs from gated output"), std::string::npos) << r.reason;
  EXPECT_FALSE(r.timing);
}

TEST(VerifiedTiming, MemoisingByAddressFails) {
  ATTN_REQUIRE_GPU();
  Fixture f;
  // Skips when Q's address repeats from the previous launch: never in the gate (sets A, B, A), always in
  // timing, whose inputs keep one address and rotate contents.
  const void* last = nullptr;
  CheatingBackend memo(f.k, [&](int, const AttnTensors& t) { return std::exchange(last, t.q) == t.q; });
  const EvalResult r = evaluate_attention(memo, f.cc, f.eo);
  EXPECT_EQ(r.status, EvalStatus::failed);
  EXPECT_NE(r.reason.find("timed output differs"), std::string::npos) << r.reason;
}

TEST(VerifiedTiming, SkippingOneSampleInFiftyIsCaughtAtThatSample) {
  ATTN_REQUIRE_GPU();
  Fixture f;
  f.eo.measure.stop.min_samples = 200;  // at least three skipped launches fall into the timed samples
  CheatingBackend rare(f.k, [](int call, const AttnTensors&) { return call > 3 && call % 50 == 49; });
  const EvalResult r = evaluate_attention(rare, f.cc, f.eo);
  EXPECT_EQ(r.status, EvalStatus::failed);
  EXPECT_NE(r.reason.find("every sample is checked"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find(" at sample "), std::string::npos) << r.reason;
}

TEST(VerifiedTiming, ReadingTheOutputsBeforeALaunchAlwaysShowsPoison) {
  ATTN_REQUIRE_GPU();
  Fixture f;
  f.eo.measure.block_stream = false;  // the sniffer synchronises before every launch
  int launches = 0, unpoisoned = 0;
  const AttnProblem& p = f.p;
  CheatingBackend sniffer(f.k, [&](int call, const AttnTensors& t) {
    ATTN_CUDA(cudaDeviceSynchronize());
    uint16_t o0 = 0, o_last = 0;
    uint32_t lse0 = 0;
    ATTN_CUDA(cudaMemcpy(&o0, t.o, 2, cudaMemcpyDeviceToHost));
    ATTN_CUDA(cudaMemcpy(&o_last, static_cast<const uint16_t*>(t.o) + p.q_elems() - 1, 2, cudaMemcpyDeviceToHost));
    ATTN_CUDA(cudaMemcpy(&lse0, t.lse, 4, cudaMemcpyDeviceToHost));
    if (call >= 3) {  // after the gate: warm-up and timed launches
      ++launches;
      unpoisoned += o0 != 0xffff || o_last != 0xffff || lse0 != 0xffffffffu;
    }
    return false;  // honest: it only looks
  });
  const EvalResult r = evaluate_attention(sniffer, f.cc, f.eo);
  ASSERT_EQ(r.status, EvalStatus::ok) << r.reason;
  EXPECT_GT(launches, 10);
  EXPECT_EQ(unpoisoned, 0) << "of " << launches << " launches after the gate saw an output that was not poisoned";
}

TEST(VerifiedTiming, EveryLaunchOfAGraphWritesItsOwnOutputs) {
  ATTN_REQUIRE_GPU();
  Fixture f;
  f.eo.measure.graph_reps = 4;
  // run() is called 3 times by the gate, once before the capture, then once per captured launch (4, 5, 6, 7);
  // replays do not call it. Capturing only launch 4 leaves one correct output: with one output buffer shared
  // by the graph's launches it would be the last one's too and look right.
  CheatingBackend lazy_graph(f.k, [](int call, const AttnTensors&) { return call >= 5; });
  const EvalResult r = evaluate_attention(lazy_graph, f.cc, f.eo);
  EXPECT_EQ(r.status, EvalStatus::failed);
  EXPECT_NE(r.reason.find("of its graph"), std::string::npos) << r.reason;
}

TEST(VerifiedTiming, DeviceHashMatchesTheHost) {
  ATTN_REQUIRE_GPU();
  std::vector<uint32_t> w(1 << 20);
  for (size_t i = 0; i < w.size(); ++i) w[i] = uint32_t(i * 2654435761u) ^ uint32_t(i >> 7);
  DeviceBuffer d(w.size() * 4);
  d.upload(w);
  BufferHasher hasher;
  const auto got = hasher.hash({{d.get(), d.bytes()}, {d.get(), 4096}}, 12345, nullptr);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], host_keyed_hash(w.data(), w.size() * 4, 12345));
  EXPECT_EQ(got[1], host_keyed_hash(w.data(), 4096, 12345));
}

namespace {
// cuBLAS's QK^T behind the GEMM interface, skipping the launches `skip` picks.
class SkippingGemm : public GemmBackend {
 public:
  explicit SkippingGemm(std::function<bool(int)> skip) : inner_(make_gemm_backend("cublas-qk")), skip_(std::move(skip)) {}
  std::string name() const override { return "skipping-gemm"; }
  std::string describe() const override { return inner_->describe(); }
  std::string supports(const GemmProblem& p) const override { return inner_->supports(p); }
  void prepare(const GemmProblem& p) override { inner_->prepare(p); }
  void run(const GemmProblem& p, const void* a, const void* b, float* c, cudaStream_t s) override {
    if (!skip_(calls_++)) inner_->run(p, a, b, c, s);
  }

 private:
  std::unique_ptr<GemmBackend> inner_;
  std::function<bool(int)> skip_;
  int calls_ = 0;
};
}  // namespace

TEST(VerifiedTiming, GemmBaselinesAreCheckedOnEverySample) {
  ATTN_REQUIRE_GPU();
  const AttnProblem shape = AttnProblem::make(1, 4, 4, 512, 512, 64, DType::bf16, false);
  EvalOptions eo;
  eo.measure.stop.max_time_s = 0.5;
  eo.measure.stop.min_samples = 200;
  SkippingGemm honest([](int) { return false; });
  const EvalResult ok = evaluate_gemm(honest, shape, eo);
  ASSERT_EQ(ok.status, EvalStatus::ok) << ok.reason;
  ASSERT_TRUE(ok.verified);
  EXPECT_EQ(ok.verified->samples_checked, ok.verified->samples);
  EXPECT_GT(ok.verified->samples, 0);
  SkippingGemm rare([](int call) { return call > 1 && call % 50 == 49; });
  const EvalResult bad = evaluate_gemm(rare, shape, eo);
  EXPECT_EQ(bad.status, EvalStatus::failed);
  EXPECT_NE(bad.reason.find("every sample is checked"), std::string::npos) << bad.reason;
}

}  // namespace attnlab
