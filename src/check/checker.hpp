#pragma once
// The correctness gate of one kernel on one problem: fresh random inputs (seed recorded), a reference
// (CPU fp64 for small problems, GPU fp32 for large), outputs poisoned with NaN before every run, O and
// LSE compared by max-abs and relative L2 against per-dtype tolerances, and a second run that must be
// bitwise identical to the first.
#include <functional>
#include <string>
#include <vector>

#include "backends/custom/flash_kernel.hpp"
#include "check/cpu_reference.hpp"
#include "check/metrics.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab {

struct CheckResult {
  std::string config;
  AttnProblem problem;
  uint64_t seed = 0;
  std::string reference;  // "cpu-fp64" or "gpu-fp32"
  ErrorStats o, lse;
  bool deterministic = false;
  bool pass = false;
  uint64_t output_hash = 0;  // of the O bits: the gate asserts outputs change when inputs change
  std::string error;  // what went wrong when the run itself failed
};

// Runs an attention implementation on device tensors (the seam that lets baselines share the gate).
using AttnRunner = std::function<void(const AttnProblem&, const AttnTensors&, cudaStream_t)>;

class CheckCase {
 public:
  // Draws inputs from `seed`, uploads them, computes the reference. Problems whose work
  // (B·H·Sq·Sk·d) exceeds cpu_work_limit use the GPU reference.
  CheckCase(const AttnProblem& p, uint64_t seed, const std::string& arch, double cpu_work_limit = 2e9);
  CheckResult check(const std::string& name, const AttnRunner& run) const;
  CheckResult check(const FlashKernel& k) const;
  const AttnProblem& problem() const { return problem_; }
  uint64_t seed() const { return seed_; }
  const std::string& reference_kind() const { return reference_kind_; }
  const HostAttnOutput& reference() const { return ref_; }
  // The case's inputs with caller-provided outputs (for timing on the same random data).
  AttnTensors tensors(void* o, float* lse) const { return {q_.get(), k_.get(), v_.get(), o, lse}; }

 private:
  AttnProblem problem_;
  uint64_t seed_;
  std::string reference_kind_;
  DeviceBuffer q_, k_, v_;
  mutable DeviceBuffer o_, lse_;  // outputs are poisoned and rewritten by every check
  HostAttnOutput ref_;
};

// The shapes `attnlab check` runs for one (dtype, head dim, causal): tails, Sq != Sk both ways, GQA.
std::vector<AttnProblem> check_shapes(DType dtype, int head_dim, bool causal);

}  // namespace attnlab
