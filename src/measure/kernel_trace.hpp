#pragma once
// Kernel durations from CUPTI's activity API, to cross-check event timings: an event interval that is
// much longer than the kernels it contains measured host overhead (an idle GPU), not the kernels.
// libcupti is opened at run time (dlopen), so the binary runs where CUPTI is missing; the header is
// needed at build time (ATTNLAB_HAVE_CUPTI), else this is a stub that reports "unavailable".
#include <string>

namespace attnlab {

class KernelTrace {
 public:
  // The process-wide tracer; available() false (and why()) when CUPTI cannot be loaded or enabled.
  static KernelTrace& get();
  bool available() const { return available_; }
  const std::string& why() const { return why_; }
  void start();  // enables kernel records; discards anything recorded before
  void stop();
  // Flushes and returns the summed durations (µs) of the kernels that completed since the last call,
  // not counting kernels whose name starts with `ignore_prefix` (the harness: blocking kernel, keyed hash).
  double take_sum_us(const std::string& ignore_prefix = "attnlab_harness_");
  int kernels_seen() const { return kernels_; }  // in the last take_sum_us

 private:
  KernelTrace();
  bool available_ = false, started_ = false;
  std::string why_;
  int kernels_ = 0;
};

// The cross-check rule: an event sample is host overhead when it exceeds the kernels' sum by more than
// 15% plus a 3 µs launch gap.
inline bool event_exceeds_kernels(double event_us, double kernel_sum_us) {
  return event_us > kernel_sum_us * 1.15 + 3.0;
}

}  // namespace attnlab
