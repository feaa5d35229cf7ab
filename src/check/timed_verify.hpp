#pragma once
// Verification of timed launches (host-only, testable without a GPU): the output a kernel wrote during
// timing is compared with what the gate accepted for the same inputs — bit for bit when the gate found
// the kernel deterministic (through keyed hashes, check/sample_protocol.hpp, after every sample), else
// against the gate's reference with the gate's tolerances.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "check/cpu_reference.hpp"
#include "check/metrics.hpp"
#include "core/dtype.hpp"
#include "core/records.hpp"  // VerifyMode, TimedVerifyReport

namespace attnlab {

// O as the kernel wrote it (16-bit patterns) and LSE (fp32), downloaded after one launch.
struct OutputSnapshot {
  std::vector<uint16_t> o;
  std::vector<float> lse;
};


struct OutputDiff {
  bool ok = true;
  size_t differing = 0;  // elements of O and LSE that differ (bitwise) or fail the metric (tolerance)
  size_t nan = 0;        // NaN elements in the timed O / LSE (a poisoned output left unwritten shows here)
  double max_abs = 0;    // over pairs where both are finite
  double rel_l2 = 0;     // tolerance mode: O's relative L2 error
};

// Bitwise: every O bit pattern and LSE bit pattern equal to the gated snapshot.
OutputDiff diff_bitwise(const OutputSnapshot& timed, const OutputSnapshot& gated, DType dtype);
// Tolerance: O and LSE against the reference by the gate's metrics and tolerance_for(dtype).
OutputDiff diff_tolerance(const OutputSnapshot& timed, const HostAttnOutput& reference, DType dtype);

// "timed output differs from gated output on input set B after sample 37: 1234 elements differ,
// max-abs 3.1e-02, 12 NaN" (`when` is "after sample 37" or "after the timing loop").
std::string describe_mismatch(const OutputDiff& d, int input_set, const std::string& when, VerifyMode mode);
char input_set_name(int set);  // 0 -> 'A', 1 -> 'B', ...

// What the timing verification did, recorded with the result.
inline constexpr const char* kEverySampleHashed =
    "every sample: outputs poisoned before it, keyed hashes of O, LSE, Q, K, V compared after it";
inline constexpr const char* kToleranceSampled =
    "every sample: outputs poisoned before it, inputs hashed after it; outputs compared with the reference on "
    "samples drawn after they ran";

// A timed output that differs from the gated one (or inputs written during timing): the result is a failure.
class VerificationFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace attnlab
