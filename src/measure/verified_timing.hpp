#pragma once
// Timing whose launches are checked (every attention backend goes through this: bench, compare, tune,
// micro). Before timing, the gate has accepted the kernel on two input sets and kept its outputs. Then:
//  - the inputs live in buffers of their own whose contents rotate between the two gated sets, chosen
//    at random per sample (same addresses, different data: a kernel cannot cache by pointer);
//  - on a few samples drawn from a fresh random source (3 among the first min_samples, 1 later) the
//    output is poisoned with NaN before the sample and compared with the gated output of the same set
//    after it (bitwise for a deterministic kernel, else the gate's tolerances);
//  - after the loop, each set is run once more on poisoned outputs and compared, and the input buffers
//    must be unchanged.
// All of it happens outside the timed region (timer SampleHooks). A mismatch throws VerificationFailed.
#include <stdexcept>
#include <vector>

#include "check/checker.hpp"
#include "check/timed_verify.hpp"
#include "measure/timer.hpp"

namespace attnlab {

class VerificationFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `gated`: CheckCase::check's outputs for `c` (one per input set). Throws VerificationFailed.
Measurement time_verified(const AttnRunner& run, const CheckCase& c, const std::vector<OutputSnapshot>& gated,
                          VerifyMode mode, const MeasureOptions& opt, TimedVerifyReport& report);

}  // namespace attnlab
