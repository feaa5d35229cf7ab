// The protocol around every timed sample (src/check/sample_protocol) with a recording fake device, and the
// keyed hash it compares (src/check/buffer_hash, kernels/harness/keyed_hash.cuh) on the host: every sample
// and every warm-up launch is prepared alike (set drawn, inputs loaded when the set changes, outputs
// poisoned), every sample is hashed and compared afterwards, and in tolerance mode the decision to compare
// is drawn after the sample, so nothing before a launch depends on it.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "check/buffer_hash.hpp"
#include "check/sample_protocol.hpp"

using namespace attnlab;

namespace {
// Device buffers as host words: outputs per launch, then Q, K, V. Records every call.
struct FakeDevice : SampleDevice {
  int launches = 1;
  std::vector<std::string> log;
  std::vector<std::vector<uint64_t>> set_hashes;  // what a correct sample on each set hashes to
  int loaded = -1;
  std::map<int, uint64_t> corrupt;  // hash slot -> value returned instead on the next hash
  OutputSnapshot output{{1, 2, 3, 4}, {0.5f}};
  void load_inputs(int set, cudaStream_t) override {
    log.push_back("load " + std::to_string(set));
    loaded = set;
  }
  void poison_outputs(cudaStream_t) override { log.push_back("poison"); }
  std::vector<uint64_t> hash_buffers(uint64_t, cudaStream_t) override {
    log.push_back("hash");
    std::vector<uint64_t> h = set_hashes.at(loaded);
    for (auto [slot, v] : corrupt) h.at(slot) = v;
    corrupt.clear();
    return h;
  }
  OutputSnapshot download(int launch) override {
    log.push_back("download " + std::to_string(launch));
    return output;
  }
};

struct Harness {
  FakeDevice dev;
  OutputSnapshot gated{{1, 2, 3, 4}, {0.5f}};
  HostAttnOutput reference;
  SampleProtocol proto;
  Harness(VerifyMode mode, int launches = 1, double p = 0.5, uint64_t seed = 42)
      : proto(dev, launches, mode, DType::f16, p, seed) {
    dev.launches = launches;
    for (uint16_t b : gated.o) reference.o.push_back(from_bits(DType::f16, b));
    reference.lse = gated.lse;
    for (int set = 0; set < 2; ++set) {
      std::vector<uint64_t> h;
      for (int i = 0; i < 2 * launches + SampleProtocol::kInputBuffers; ++i) h.push_back(1000 * set + i);
      dev.set_hashes.push_back(h);
      proto.expect({&gated, &reference, h});
    }
  }
  // One sample: the protocol's before, the launch, its after; returns the calls the sample made.
  std::vector<std::string> sample(int i) {
    dev.log.clear();
    proto.before_sample(i, nullptr);
    dev.log.push_back("LAUNCH");
    proto.after_sample(i, nullptr);
    return dev.log;
  }
};

std::vector<std::string> before_launch(const std::vector<std::string>& log) {
  std::vector<std::string> b;
  for (const auto& e : log) {
    if (e == "LAUNCH") break;
    b.push_back(e);
  }
  return b;
}
}  // namespace

TEST(SampleProtocol, EverySampleIsPoisonedBeforeAndComparedAfter) {
  Harness h(VerifyMode::bitwise);
  int loads = 0;
  for (int i = 0; i < 200; ++i) {
    const auto log = h.sample(i);
    const auto before = before_launch(log);
    ASSERT_FALSE(before.empty());
    EXPECT_EQ(before.back(), "poison") << "sample " << i;  // the last thing before every launch
    loads += before.size() == 2;
    ASSERT_EQ(log.size(), before.size() + 2) << "sample " << i;
    EXPECT_EQ(log.back(), "hash") << "sample " << i;  // and every sample is hashed after it
  }
  EXPECT_EQ(h.proto.samples(), 200);
  EXPECT_EQ(h.proto.samples_checked(), 200);
  EXPECT_GT(loads, 50);  // both sets drawn, at random: contents rotate behind the same buffers
  EXPECT_LT(loads, 150);
}

TEST(SampleProtocol, WarmupLaunchesArePreparedLikeSamples) {
  Harness h(VerifyMode::bitwise);
  h.proto.before_warmup(nullptr);
  ASSERT_FALSE(h.dev.log.empty());
  EXPECT_EQ(h.dev.log.back(), "poison");
}

TEST(SampleProtocol, ToleranceModeDecidesAfterTheSample) {
  // Whether a sample is compared (a download) must not change anything before its launch: the prepared
  // calls are the same for compared and uncompared samples (given the same set as before).
  Harness h(VerifyMode::tolerance, 1, 0.3);
  std::map<bool, std::vector<std::vector<std::string>>> by_decision;
  int last_set = -1;
  for (int i = 0; i < 400; ++i) {
    const auto log = h.sample(i);
    const bool compared = log.back() == "download 0";
    EXPECT_NE(std::find(log.begin(), log.end(), "hash"), log.end()) << "inputs are hashed on every sample";
    auto before = before_launch(log);
    if (h.proto.current_set() == last_set) by_decision[compared].push_back(before);
    last_set = h.proto.current_set();
  }
  ASSERT_FALSE(by_decision[true].empty());
  ASSERT_FALSE(by_decision[false].empty());
  for (auto& [decision, befores] : by_decision)
    for (auto& b : befores) EXPECT_EQ(b, std::vector<std::string>{"poison"}) << "compared=" << decision;
  EXPECT_NEAR(double(h.proto.samples_checked()) / h.proto.samples(), 0.3, 0.08);
}

TEST(SampleProtocol, AWrongOutputFailsAtThatSample) {
  Harness h(VerifyMode::bitwise);
  for (int i = 0; i < 7; ++i) h.sample(i);
  h.dev.corrupt[0] = 99;  // O's hash of the next sample
  h.dev.output.o[2] = 0xffff;  // what the download then shows: one poisoned element
  try {
    h.sample(7);
    FAIL() << "a wrong output passed";
  } catch (const VerificationFailed& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("at sample 7: 1 elements differ"), std::string::npos) << m;
    EXPECT_NE(m.find("1 NaN"), std::string::npos) << m;
    EXPECT_NE(m.find("every sample is checked"), std::string::npos) << m;
  }
}

TEST(SampleProtocol, AChangedLseOrInputFailsAndNamesIt) {
  Harness h(VerifyMode::bitwise);
  h.dev.corrupt[1] = 7;  // LSE
  EXPECT_THROW(h.sample(0), VerificationFailed);
  Harness in(VerifyMode::bitwise);
  in.dev.corrupt[2 + 1] = 7;  // K
  try {
    in.sample(3);
    FAIL();
  } catch (const VerificationFailed& e) {
    EXPECT_NE(std::string(e.what()).find("wrote to its inputs during timing (at sample 3): K of input set"),
              std::string::npos) << e.what();
  }
}

TEST(SampleProtocol, EveryLaunchOfAGraphHasItsOwnOutputs) {
  Harness h(VerifyMode::bitwise, 3);
  h.sample(0);
  h.dev.corrupt[2 * 2] = 5;  // launch 2's O
  try {
    h.sample(1);
    FAIL();
  } catch (const VerificationFailed& e) {
    EXPECT_NE(std::string(e.what()).find("at sample 1 (launch 2 of its graph)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(h.dev.log.back(), "download 2");
}

TEST(SampleProtocol, RefusesMisuse) {
  FakeDevice dev;
  EXPECT_THROW(SampleProtocol(dev, 0, VerifyMode::bitwise, DType::f16, 0, 1), std::logic_error);
  SampleProtocol none(dev, 1, VerifyMode::bitwise, DType::f16, 0, 1);
  EXPECT_THROW(none.before_sample(0, nullptr), std::logic_error);
}

TEST(KeyedHash, DependsOnEveryWordItsPlaceAndTheKey) {
  std::vector<uint32_t> w(1000);
  for (size_t i = 0; i < w.size(); ++i) w[i] = uint32_t(i * 2654435761u);
  const uint64_t h = host_keyed_hash(w.data(), w.size() * 4, 7);
  EXPECT_EQ(h, host_keyed_hash(w.data(), w.size() * 4, 7));
  EXPECT_NE(h, host_keyed_hash(w.data(), w.size() * 4, 8));
  auto flipped = w;
  flipped[500] ^= 1u;
  EXPECT_NE(h, host_keyed_hash(flipped.data(), flipped.size() * 4, 7));
  auto swapped = w;
  std::swap(swapped[3], swapped[4]);
  EXPECT_NE(h, host_keyed_hash(swapped.data(), swapped.size() * 4, 7));
  // +0 and -0, NaN patterns: bits, not values
  std::vector<uint32_t> z{0u}, nz{0x80000000u};
  EXPECT_NE(host_keyed_hash(z.data(), 4, 1), host_keyed_hash(nz.data(), 4, 1));
  EXPECT_THROW(host_keyed_hash(w.data(), 6, 1), std::logic_error);
}
