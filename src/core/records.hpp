#pragma once
// The result records every layer shares — what the gate, the timing core and an evaluation produce, what
// the CLI prints and writes, what the report, the worker and the torch peer read — as plain data. Their
// one JSON form each is in core/records_json.hpp.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/problem.hpp"

namespace attnlab {

// An output against a reference (check/metrics.hpp computes it).
struct ErrorStats {
  double max_abs = 0;   // over elements where both are finite
  double rel_l2 = 0;    // ||out - ref|| / ||ref||
  size_t bad = 0;       // NaN in out, or finite/inf disagreement with the reference
  size_t count = 0;
};

// The correctness gate of one kernel on one problem (check/checker.hpp).
struct CheckResult {
  std::string config;
  AttnProblem problem;
  uint64_t seed = 0;      // of input set A (set B's seed is derived from it)
  std::string reference;  // "cpu-fp64" or "gpu-fp32"
  ErrorStats o, lse;      // the worse of the input sets
  bool deterministic = false;
  bool pass = false;
  uint64_t output_hash = 0;  // of the O bits: the gate asserts outputs change when inputs change
  std::string error;  // what went wrong when the run itself failed
};

// Summary statistics of timing samples (measure/stats.hpp).
struct SampleStats {
  int count = 0;
  double median = 0, min = 0, max = 0, q1 = 0, q3 = 0, mean = 0;
  double rel_stdev = 0;  // stdev / mean
};

enum class StopReason { none, converged, plateaued, timeout, max_samples };
const char* stop_reason_name(StopReason r);
StopReason parse_stop_reason(const std::string& s);  // "none" for anything unknown

// One measurement by the timing core (measure/timer.hpp).
struct Measurement {
  SampleStats stats;            // microseconds
  std::vector<double> samples;  // raw, microseconds, in order
  StopReason stop = StopReason::none;
  std::string warning;          // non-empty when stopped by timeout or the clock could not be read
  double mean_sm_clock_mhz = 0;  // over kept samples (0 when unknown)
  double max_sm_clock_mhz = 0;   // the reference for the throttle check
  int discarded_throttled = 0;
  std::string clock_source;      // "nvml" or "none"
  int graph_reps = 0;
  bool stream_blocked = false;   // every kept sample was enqueued behind the blocking kernel
  std::string kernel_trace;      // "cupti", "off" or "unavailable: <why>"
  std::vector<double> kernel_us; // per kept sample: summed kernel durations / graph reps (with the trace)
  double kernel_sum_us = 0;      // median of kernel_us (0 without the trace)
  int host_overhead_samples = 0; // kept samples whose event time > kernel sum x 1.15 + 3 µs
};

// How the timed launches were checked (check/sample_protocol.hpp).
enum class VerifyMode { bitwise, tolerance };
const char* verify_mode_name(VerifyMode m);
struct TimedVerifyReport {
  VerifyMode mode = VerifyMode::bitwise;
  std::string method;        // what was compared, in words
  int samples = 0;           // timed samples whose inputs and outputs were inspected (kept or discarded)
  int samples_checked = 0;   // of those, whose outputs were compared (all of them in bitwise mode)
  double cost_s = 0;         // wall time spent poisoning, hashing and comparing, outside the timed region
};

// ok: gated (unless --no-check) and timed; skipped: the backend does not support the problem; failed: the
// gate or the verification of timed launches rejected it; error: it threw while running.
enum class EvalStatus { ok, skipped, failed, error };
const char* eval_status_name(EvalStatus s);
EvalStatus parse_eval_status(const std::string& s);  // UserError for anything else

// One backend on one problem, checked then timed (measure/evaluate.hpp).
struct EvalResult {
  std::string backend, describe;
  std::string kind = "attention";  // or "gemm"
  AttnProblem problem;             // for GEMMs: the attention shape whose QK^T it is
  EvalStatus status = EvalStatus::ok;
  std::string reason;
  std::optional<CheckResult> check;
  std::optional<Measurement> timing;
  std::optional<TimedVerifyReport> verified;  // how the timed launches were checked (absent: they were not)
  double flops = 0, tflops = 0, pct_of_peak = 0;
  double gate_s = 0;  // wall time of the correctness gate (both input sets, determinism, input hashes)
  bool ok() const { return status == EvalStatus::ok; }
  // Rejected by the gate itself (not by the verification of timed launches, not an error).
  bool gate_failed() const { return status == EvalStatus::failed && check && !check->pass; }
};

}  // namespace attnlab
