#pragma once
// The correctness gate of one kernel on one problem: two sets of fresh random inputs (seeds recorded), a
// reference for each (CPU fp64 for small problems, GPU fp32 for large), outputs poisoned with NaN before
// every run, O and LSE compared by max-abs and relative L2 against per-dtype tolerances, a second run
// that must be bitwise identical to the first, outputs that must differ between the two input sets, and
// inputs that must be unchanged afterwards. Timing (measure/verified_timing) rotates between both gated
// input sets and compares timed outputs with the gated ones.
#include <functional>
#include <string>
#include <vector>

#include "check/cpu_reference.hpp"
#include "check/metrics.hpp"
#include "check/timed_verify.hpp"
#include "core/records.hpp"  // CheckResult
#include "core/tensors.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab {

// Runs an attention implementation on device tensors (the seam that lets baselines share the gate).
using AttnRunner = std::function<void(const AttnProblem&, const AttnTensors&, cudaStream_t)>;

class CheckCase {
 public:
  static constexpr int kInputSets = 2;
  // Draws inputs from `seed`, uploads them, computes the references. Problems whose work
  // (B·H·Sq·Sk·d) exceeds cpu_work_limit use the GPU reference.
  CheckCase(const AttnProblem& p, uint64_t seed, const std::string& arch, double cpu_work_limit = 2e9);
  // `gated` (optional) receives the accepted outputs, one per input set, for verifying timed launches.
  CheckResult check(const std::string& name, const AttnRunner& run, std::vector<OutputSnapshot>* gated = nullptr) const;
  const AttnProblem& problem() const { return problem_; }
  uint64_t seed() const { return sets_[0].seed; }
  const std::string& reference_kind() const { return reference_kind_; }
  int input_sets() const { return int(sets_.size()); }
  const HostAttnOutput& reference(int set = 0) const { return sets_.at(set).ref; }
  // An input set's tensors with caller-provided outputs (for timing on the same random data).
  AttnTensors tensors(void* o, float* lse, int set = 0) const;
  // Copies input set `set` into caller-owned Q/K/V buffers (same sizes) on `stream`: timing rotates the
  // contents behind fixed pointers, so a kernel cannot tell the sets apart by address.
  void copy_inputs(int set, void* q, void* k, void* v, cudaStream_t stream) const;
  // Empty when set `set`'s device inputs still hold what was drawn, else "Q of input set A changed".
  std::string inputs_changed(int set, const void* q, const void* k, const void* v) const;

 private:
  struct InputSet {
    uint64_t seed = 0;
    DeviceBuffer q, k, v;
    uint64_t q_hash = 0, k_hash = 0, v_hash = 0;  // of the bits drawn
    HostAttnOutput ref;
  };
  AttnProblem problem_;
  std::string reference_kind_;
  std::vector<InputSet> sets_;
  mutable DeviceBuffer o_, lse_;  // outputs are poisoned and rewritten by every check
};

// The shapes `attnlab check` runs for one (dtype, head dim, causal): tails, Sq != Sk both ways, GQA.
std::vector<AttnProblem> check_shapes(DType dtype, int head_dim, bool causal);

}  // namespace attnlab
