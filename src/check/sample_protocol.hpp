#pragma once
// What happens around every timed sample of a gated kernel (host logic, testable without a GPU; the device
// side is measure/verified_timing.cpp). The rule: everything a launch can observe is the same on every
// sample, and every sample is checked.
//  - before a sample (and before every warm-up launch, alike): its input set is drawn from a fresh random source (contents rotate behind fixed
//    addresses; copied when the set changes) and every output buffer is poisoned — always, in that order;
//  - after it: one keyed hash of every output and input buffer, compared with what the gated outputs and the
//    drawn inputs hash to. A difference in an output is a failure of that sample (the detail comes from a
//    download and the bitwise diff); a difference in an input is a write to the inputs.
//  - tolerance mode (a kernel the gate found non-deterministic): the output hash cannot be compared, so a
//    sample's output is downloaded and compared with the reference with a fixed probability, decided by a
//    fresh random draw after the sample has run (its output stays in place until the next poison).
// docs/trust.md has the channel table this implements.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <random>
#include <vector>

#include "check/cpu_reference.hpp"
#include "check/timed_verify.hpp"

namespace attnlab {

// The device operations the protocol uses (verified_timing.cpp's buffers; a recording fake in tests).
class SampleDevice {
 public:
  virtual ~SampleDevice() = default;
  virtual void load_inputs(int set, cudaStream_t s) = 0;  // copy input set `set` into the timed Q/K/V buffers
  virtual void poison_outputs(cudaStream_t s) = 0;        // every output buffer of a sample to 0xFF (NaN)
  // Keyed hashes: for each launch of a sample its O and LSE, then Q, K and V (2 * launches + 3 values).
  virtual std::vector<uint64_t> hash_buffers(uint64_t key, cudaStream_t s) = 0;
  virtual OutputSnapshot download(int launch) = 0;  // one launch's O and LSE
};

struct SampleExpectation {
  const OutputSnapshot* gated = nullptr;        // the gate's output for the set (bitwise mode)
  const HostAttnOutput* reference = nullptr;    // the reference for the set (tolerance mode)
  std::vector<uint64_t> hashes;                 // hash_buffers() after a correct sample on the set
};

class SampleProtocol {
 public:
  static constexpr int kInputBuffers = 3;  // Q, K, V
  SampleProtocol(SampleDevice& dev, int launches, VerifyMode mode, DType dtype, double tolerance_check_probability,
                 uint64_t seed);
  uint64_t key() const { return key_; }
  // One per input set, in order (hashes computed with key()).
  void expect(SampleExpectation e) { sets_.push_back(std::move(e)); }
  void before_sample(int sample, cudaStream_t s);
  // A warm-up launch is prepared exactly like a sample (it is neither timed nor compared).
  void before_warmup(cudaStream_t s) { before_sample(-1, s); }
  // Throws VerificationFailed naming the sample (and the launch of a graph).
  void after_sample(int sample, cudaStream_t s);
  int samples() const { return samples_; }
  int samples_checked() const { return checked_; }
  int current_set() const { return set_; }

 private:
  SampleDevice& dev_;
  int launches_;
  VerifyMode mode_;
  DType dtype_;
  std::mt19937_64 rng_;
  uint64_t key_;
  std::bernoulli_distribution compare_after_;
  std::vector<SampleExpectation> sets_;
  int loaded_ = -1, set_ = 0, samples_ = 0, checked_ = 0;
};

}  // namespace attnlab
