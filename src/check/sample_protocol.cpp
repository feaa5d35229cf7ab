#include "check/sample_protocol.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace attnlab {

SampleProtocol::SampleProtocol(SampleDevice& dev, int launches, VerifyMode mode, DType dtype,
                               double tolerance_check_probability, uint64_t seed)
    : dev_(dev), launches_(launches), mode_(mode), dtype_(dtype), rng_(seed), key_(rng_()),
      compare_after_(std::clamp(tolerance_check_probability, 0.0, 1.0)) {
  if (launches < 1) throw std::logic_error("SampleProtocol: a sample makes at least one launch");
}

void SampleProtocol::before_sample(int, cudaStream_t s) {
  if (sets_.empty()) throw std::logic_error("SampleProtocol: no expectation for any input set");
  set_ = int(rng_() % uint64_t(sets_.size()));
  if (set_ != loaded_) dev_.load_inputs(set_, s);
  loaded_ = set_;
  dev_.poison_outputs(s);
}

void SampleProtocol::after_sample(int sample, cudaStream_t s) {
  const SampleExpectation& want = sets_.at(set_);
  const std::vector<uint64_t> got = dev_.hash_buffers(key_, s);
  if (got.size() != want.hashes.size() || got.size() != size_t(2 * launches_ + kInputBuffers))
    throw std::logic_error("SampleProtocol: hash count does not match the buffers");
  auto where = [&](int launch) {
    return launches_ > 1 ? fmt::format("at sample {} (launch {} of its graph)", sample, launch)
                         : fmt::format("at sample {}", sample);
  };
  for (int i = 0; i < kInputBuffers; ++i)
    if (got[2 * launches_ + i] != want.hashes[2 * launches_ + i])
      throw VerificationFailed(fmt::format("the kernel wrote to its inputs during timing ({}): {} of input set {} changed",
                                           where(0), "QKV"[i], input_set_name(set_)));
  ++samples_;
  if (mode_ == VerifyMode::bitwise) {
    for (int l = 0; l < launches_; ++l)
      if (got[2 * l] != want.hashes[2 * l] || got[2 * l + 1] != want.hashes[2 * l + 1]) {
        const OutputDiff d = diff_bitwise(dev_.download(l), *want.gated, dtype_);
        throw VerificationFailed(describe_mismatch(d, set_, where(l), mode_) + " (every sample is checked)");
      }
    ++checked_;
    return;
  }
  if (!compare_after_(rng_)) return;  // drawn now, after the sample: nothing before it depended on this
  for (int l = 0; l < launches_; ++l) {
    const OutputDiff d = diff_tolerance(dev_.download(l), *want.reference, dtype_);
    if (!d.ok) throw VerificationFailed(describe_mismatch(d, set_, where(l), mode_));
  }
  ++checked_;
}

}  // namespace attnlab
