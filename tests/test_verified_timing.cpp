// The timing path with checked launches (measure/verified_timing through evaluate_attention), on the GPU:
// an honest kernel is timed and its verification recorded; backends that cheat only after the gate —
// skipping work after N launches, memoising by address, writing stale output — fail with the reason and
// no number. Skipped without a GPU (the host-side logic is in test_timed_verify.cpp).
#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "backends/backend.hpp"
#include "backends/custom/flash_kernel.hpp"
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
  ASSERT_EQ(r.status, "ok") << r.reason;
  ASSERT_TRUE(r.verified);
  EXPECT_EQ(r.verified->mode, VerifyMode::bitwise);
  EXPECT_GE(r.verified->checked.size(), 5u);  // 3 random samples (+1 later if reached) + both sets after the loop
  EXPECT_GT(r.gate_s, 0);
  EXPECT_TRUE(r.timing->stream_blocked) << r.timing->warning;
}

TEST(VerifiedTiming, SkippingAfterTheGateFails) {
  ATTN_REQUIRE_GPU();
  Fixture f;
  CheatingBackend lazy(f.k, [](int call, const AttnTensors&) { return call >= 6; });  // gate: 3 launches
  const EvalResult r = evaluate_attention(lazy, f.cc, f.eo);
  EXPECT_EQ(r.status, "failed");
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
  EXPECT_EQ(r.status, "failed");
  EXPECT_NE(r.reason.find("timed output differs"), std::string::npos) << r.reason;
}

TEST(VerifiedTiming, OccasionalSkipsAreCaughtAfterTheLoop) {
  ATTN_REQUIRE_GPU();
  Fixture f;
  // Every other launch after the gate does nothing: the poisoned re-runs after the loop see it.
  CheatingBackend flaky(f.k, [](int call, const AttnTensors&) { return call >= 3 && call % 2 == 1; });
  const EvalResult r = evaluate_attention(flaky, f.cc, f.eo);
  EXPECT_EQ(r.status, "failed") << "verified: " << (r.verified ? r.verified->checked.size() : 0);
}

}  // namespace attnlab
