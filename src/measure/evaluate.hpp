#pragma once
// Check-then-time for any backend: the correctness gate first (a backend that fails is not timed), then
// the timing core on the same two gated input sets with the timed launches verified against the gate's
// outputs (measure/verified_timing: a mismatch is a failed result, never a number), then throughput as TFLOP/s and as a fraction of the
// device's measured ceiling (above 1.05x the ceiling is rejected as a measurement error).
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "backends/backend.hpp"
#include "check/checker.hpp"
#include "check/timed_verify.hpp"
#include "measure/ceilings.hpp"
#include "measure/timer.hpp"

namespace attnlab {

struct EvalResult {
  std::string backend, describe;
  std::string kind = "attention";  // or "gemm"
  AttnProblem problem;             // for GEMMs: the attention shape whose QK^T it is
  std::string status = "ok";       // ok | skipped | failed (gate) | error (threw while running)
  std::string reason;
  std::optional<CheckResult> check;
  std::optional<Measurement> timing;
  std::optional<TimedVerifyReport> verified;  // how the timed launches were checked (absent: they were not)
  double flops = 0, tflops = 0, pct_of_peak = 0;
  double gate_s = 0;  // wall time of the correctness gate (both input sets, determinism, input hashes)
};

struct EvalOptions {
  MeasureOptions measure;
  bool check = true;  // false (bench --no-check): timed without gate and without verification
  const Ceilings* ceilings = nullptr;  // when set: pct_of_peak and the 1.05x rejection
};

// `inputs` holds the random inputs and the reference; share one CheckCase across backends on a shape.
EvalResult evaluate_attention(AttentionBackend& b, const CheckCase& inputs, const EvalOptions& opt);
// QK^T of the attention shape (batch B*H, m Sq, n Sk, k d); checked on sampled rows against CPU fp64.
EvalResult evaluate_gemm(GemmBackend& g, const AttnProblem& shape, const EvalOptions& opt);

nlohmann::json to_json(const AttnProblem& p);
nlohmann::json to_json(const CheckResult& r);
nlohmann::json to_json(const Measurement& m, bool raw_samples = true);
nlohmann::json to_json(const TimedVerifyReport& v);
nlohmann::json to_json(const EvalResult& r);

}  // namespace attnlab

namespace attnlab {
// Inverse of to_json (schema attnlab.result/1): reads what compare.json / bench --json hold.
AttnProblem problem_from_json(const nlohmann::json& j);
EvalResult eval_result_from_json(const nlohmann::json& j);
}  // namespace attnlab

#include "backends/torch_peer.hpp"

namespace attnlab {
// A torch peer result in the attnlab.result/1 schema (pct_of_peak and the 1.05x rejection when ceilings given).
nlohmann::json peer_result_to_json(const PeerResult& r, const Ceilings& ceilings);
}  // namespace attnlab
