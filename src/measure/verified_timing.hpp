#pragma once
// Timing whose launches are checked (every attention backend goes through this: bench, compare, tune,
// micro). Before timing, the gate has accepted the kernel on two input sets and kept its outputs. Then every
// sample runs the protocol of check/sample_protocol.hpp: its input set drawn at random (same addresses,
// contents rotated), every output poisoned before it, and after it one keyed hash of every output and input
// buffer compared with the gated outputs' — so every timed sample is checked and no sample differs from
// another in anything the kernel can observe. In graph mode each captured launch writes outputs of its own.
// All of it happens outside the timed region (timer SampleHooks). A mismatch throws VerificationFailed.
#include <vector>

#include "check/checker.hpp"
#include "check/timed_verify.hpp"
#include "measure/timer.hpp"

namespace attnlab {

// `gated`: CheckCase::check's outputs for `c` (one per input set). Throws VerificationFailed.
Measurement time_verified(const AttnRunner& run, const CheckCase& c, const std::vector<OutputSnapshot>& gated,
                          VerifyMode mode, const MeasureOptions& opt, TimedVerifyReport& report);

}  // namespace attnlab
