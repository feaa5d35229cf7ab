#pragma once
// The evaluation interface between the search and whatever evaluates candidates: this process, a worker
// process (`attnlab eval-worker`), a recorded results database, and later other GPUs and hosts. Everything
// crosses it as one serialised message type each, so every runner gets the same information:
//  - EvalSession: the worker's settings (all of GpuEvalOptions: the target, time limits, sanitizer use);
//  - EvalRequest: one candidate (config + the source text, read once by the caller) with an id;
//  - EvalProgress: the phase a request has reached (compiled, gated) with the next phase's time limit;
//  - EvalReply: the candidate's Evaluation, and whether the worker's CUDA context died with it.
// Line protocol of the worker (one JSON object per line): session ->, <- ready {cudnn_us}; then per request
// request ->, <- progress*, <- reply. Malformed input on either side is a ProtocolError naming the field.
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "core/problem.hpp"
#include "search/evaluation.hpp"

namespace attnlab {

struct GpuEvalOptions {
  AttnProblem target;
  double max_time_s = 2.0;
  bool isolate = true;  // false: evaluate in this process (tests, debugging)
  double compile_timeout_s = 600;  // NVRTC of one candidate in the worker (usually a cache hit)
  double min_timeout_s = 10;       // floor of the gate and timing limits
  // Source candidates run under compute-sanitizer before they are timed (search/sanitize_candidate);
  // ATTNLAB_SANITIZE_SOURCES=0 turns it off. Without compute-sanitizer they are rejected.
  bool sanitize_sources = true;
  double sanitize_timeout_s = 300;  // per tool
};

class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EvalSession {
  GpuEvalOptions options;
};

struct EvalRequest {
  long id = 0;
  TileConfig config;
  std::string source_text;  // empty: the built-in kernel
  std::string source_file;  // where the text came from (messages only)
};

struct EvalProgress {
  long id = 0;
  std::string phase;           // "compiled" | "gated"
  double next_limit_s = 0;     // the time limit of the phase that starts now (0: the caller's own)
};

struct EvalReply {
  long id = 0;
  Evaluation evaluation;
  bool worker_exiting = false;  // the candidate left the CUDA context dead: the worker exits after this
  std::string cuda_error;
};

nlohmann::json to_json(const EvalSession& s);
nlohmann::json to_json(const EvalRequest& r);
nlohmann::json to_json(const EvalProgress& p);
nlohmann::json to_json(const EvalReply& r);
EvalSession session_from_json(const nlohmann::json& j);    // ProtocolError when malformed
EvalRequest request_from_json(const nlohmann::json& j);
// One line from a worker after a request: progress or reply (the other is empty). ProtocolError when it is
// neither, or answers another request.
struct WorkerLine {
  std::optional<EvalProgress> progress;
  std::optional<EvalReply> reply;
};
WorkerLine worker_line_from_json(const nlohmann::json& j, long expected_id);
double ready_from_json(const nlohmann::json& j);  // cuDNN's median on the target (0 unknown)

}  // namespace attnlab
