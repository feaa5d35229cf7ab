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
#include "core/records.hpp"
#include "core/records_json.hpp"  // the results' JSON
#include "measure/ceilings.hpp"
#include "measure/timer.hpp"

namespace attnlab {

struct EvalOptions {
  MeasureOptions measure;
  bool check = true;  // false (bench --no-check): timed without gate and without verification
  const Ceilings* ceilings = nullptr;  // when set: pct_of_peak and the 1.05x rejection
};

// `inputs` holds the random inputs and the reference; share one CheckCase across backends on a shape.
EvalResult evaluate_attention(AttentionBackend& b, const CheckCase& inputs, const EvalOptions& opt);
// QK^T of the attention shape (batch B*H, m Sq, n Sk, k d); checked on sampled rows against CPU fp64.
EvalResult evaluate_gemm(GemmBackend& g, const AttnProblem& shape, const EvalOptions& opt);

}  // namespace attnlab

#include "backends/torch_peer.hpp"

namespace attnlab {
// A torch peer result in the attnlab.result/1 schema (pct_of_peak and the 1.05x rejection when ceilings given).
nlohmann::json peer_result_to_json(const PeerResult& r, const Ceilings& ceilings);
}  // namespace attnlab
