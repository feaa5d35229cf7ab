#include "search/eval_protocol.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "search/strategies/strategy.hpp"  // evaluation_to_json / evaluation_from_json

namespace attnlab {

namespace {
using json = nlohmann::json;

const json& field(const json& j, const char* key, const char* what) {
  if (!j.is_object()) throw ProtocolError(fmt::format("{}: not a JSON object", what));
  if (!j.contains(key)) throw ProtocolError(fmt::format("{}: no \"{}\"", what, key));
  return j.at(key);
}
template <class T>
T get(const json& j, const char* key, const char* what) {
  try {
    return field(j, key, what).get<T>();
  } catch (const json::exception& e) {
    throw ProtocolError(fmt::format("{}: \"{}\" has the wrong type ({})", what, key, e.what()));
  }
}
json problem_json(const AttnProblem& p) {
  return {{"batch", p.batch},       {"heads", p.heads},       {"heads_k", p.heads_k},   {"seqlen_q", p.seqlen_q},
          {"seqlen_k", p.seqlen_k}, {"head_dim", p.head_dim}, {"dtype", dtype_name(p.dtype)},
          {"causal", p.causal},     {"softmax_scale", p.softmax_scale}};
}
AttnProblem problem_of(const json& j) {
  const char* w = "session.target";
  AttnProblem p = AttnProblem::make(get<int>(j, "batch", w), get<int>(j, "heads", w), get<int>(j, "heads_k", w),
                                    get<int>(j, "seqlen_q", w), get<int>(j, "seqlen_k", w), get<int>(j, "head_dim", w),
                                    parse_dtype(get<std::string>(j, "dtype", w)), get<bool>(j, "causal", w));
  p.softmax_scale = get<float>(j, "softmax_scale", w);
  if (auto why = p.validate(); !why.empty()) throw ProtocolError(std::string(w) + ": " + why);
  return p;
}
}  // namespace

json to_json(const EvalSession& s) {
  const GpuEvalOptions& o = s.options;
  return {{"session", {{"target", problem_json(o.target)},
                       {"max_time_s", o.max_time_s},
                       {"compile_timeout_s", o.compile_timeout_s},
                       {"min_timeout_s", o.min_timeout_s},
                       {"sanitize_sources", o.sanitize_sources},
                       {"sanitize_timeout_s", o.sanitize_timeout_s}}}};
}

EvalSession session_from_json(const json& j) {
  const json& s = field(j, "session", "session");
  EvalSession out;
  GpuEvalOptions& o = out.options;
  o.target = problem_of(field(s, "target", "session"));
  o.max_time_s = get<double>(s, "max_time_s", "session");
  o.compile_timeout_s = get<double>(s, "compile_timeout_s", "session");
  o.min_timeout_s = get<double>(s, "min_timeout_s", "session");
  o.sanitize_sources = get<bool>(s, "sanitize_sources", "session");
  o.sanitize_timeout_s = get<double>(s, "sanitize_timeout_s", "session");
  o.isolate = false;  // the worker is the isolation
  return out;
}

json to_json(const EvalRequest& r) {
  return {{"request", r.id}, {"config", r.config.name()}, {"source_text", r.source_text}, {"source_file", r.source_file}};
}

EvalRequest request_from_json(const json& j) {
  EvalRequest r;
  r.id = get<long>(j, "request", "request");
  try {
    r.config = TileConfig::parse(get<std::string>(j, "config", "request"));
  } catch (const UserError& e) {
    throw ProtocolError(std::string("request: ") + e.what());
  }
  r.source_text = get<std::string>(j, "source_text", "request");
  r.source_file = get<std::string>(j, "source_file", "request");
  return r;
}

json to_json(const EvalProgress& p) { return {{"progress", p.phase}, {"request", p.id}, {"next_limit_s", p.next_limit_s}}; }

json to_json(const EvalReply& r) {
  json j = {{"reply", r.id}, {"evaluation", evaluation_to_json(r.evaluation)}, {"worker_exiting", r.worker_exiting}};
  if (!r.cuda_error.empty()) j["cuda_error"] = r.cuda_error;
  return j;
}

WorkerLine worker_line_from_json(const json& j, long expected_id) {
  WorkerLine w;
  if (j.is_object() && j.contains("progress")) {
    EvalProgress p{get<long>(j, "request", "progress"), get<std::string>(j, "progress", "progress"),
                   get<double>(j, "next_limit_s", "progress")};
    if (p.id != expected_id) throw ProtocolError(fmt::format("progress for request {}, expected {}", p.id, expected_id));
    if (p.phase != "compiled" && p.phase != "gated") throw ProtocolError("progress: unknown phase \"" + p.phase + "\"");
    w.progress = p;
    return w;
  }
  EvalReply r;
  r.id = get<long>(j, "reply", "reply");
  if (r.id != expected_id) throw ProtocolError(fmt::format("reply to request {}, expected {}", r.id, expected_id));
  try {
    r.evaluation = evaluation_from_json(field(j, "evaluation", "reply"));
  } catch (const UserError& e) {
    throw ProtocolError(std::string("reply: ") + e.what());
  }
  r.worker_exiting = get<bool>(j, "worker_exiting", "reply");
  if (j.contains("cuda_error")) r.cuda_error = get<std::string>(j, "cuda_error", "reply");
  w.reply = r;
  return w;
}

double ready_from_json(const json& j) {
  if (!get<bool>(j, "ready", "ready")) throw ProtocolError("ready: false");
  return get<double>(j, "cudnn_us", "ready");
}

}  // namespace attnlab
