#include "core/records_json.hpp"

#include <climits>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"

namespace attnlab {

namespace {
using json = nlohmann::json;
template <class T>
T value_or(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw UserError(fmt::format("\"{}\" has the wrong type", key));
  }
}
template <class T>
T required(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) throw UserError(fmt::format("no \"{}\"", key));
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    throw UserError(fmt::format("\"{}\" has the wrong type", key));
  }
}
// A dimension of a problem: a whole number in [1, 2^31) (never a cast of an out-of-range double); absent: the
// AttnProblem default (readers of hand-made or partial evidence files).
int dim(const json& j, const char* key, int fallback) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return fallback;
  const json& v = j.at(key);
  if (!v.is_number()) throw UserError(fmt::format("{}: not a number", key));
  return int(integer_value(v.get<double>(), key, 1, INT32_MAX));
}
}  // namespace

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::converged: return "converged";
    case StopReason::plateaued: return "plateaued";
    case StopReason::timeout: return "timeout";
    case StopReason::max_samples: return "max-samples";
    default: return "none";
  }
}

StopReason parse_stop_reason(const std::string& s) {
  for (auto r : {StopReason::converged, StopReason::plateaued, StopReason::timeout, StopReason::max_samples})
    if (s == stop_reason_name(r)) return r;
  return StopReason::none;
}

const char* verify_mode_name(VerifyMode m) { return m == VerifyMode::bitwise ? "bitwise" : "tolerance"; }

const char* eval_status_name(EvalStatus s) {
  switch (s) {
    case EvalStatus::ok: return "ok";
    case EvalStatus::skipped: return "skipped";
    case EvalStatus::failed: return "failed";
    default: return "error";
  }
}

EvalStatus parse_eval_status(const std::string& s) {
  for (auto v : {EvalStatus::ok, EvalStatus::skipped, EvalStatus::failed, EvalStatus::error})
    if (s == eval_status_name(v)) return v;
  throw UserError(fmt::format("unknown status \"{}\" (ok, skipped, failed, error)", s));
}

json to_json(const AttnProblem& p) {
  return {{"batch", p.batch},       {"heads", p.heads},         {"heads_k", p.heads_k},
          {"seqlen_q", p.seqlen_q}, {"seqlen_k", p.seqlen_k},   {"head_dim", p.head_dim},
          {"dtype", dtype_name(p.dtype)}, {"causal", p.causal}, {"scale", p.scale()}};
}

AttnProblem problem_from_json(const json& j) {
  AttnProblem p;
  p.batch = dim(j, "batch", p.batch);
  p.heads = dim(j, "heads", p.heads);
  p.heads_k = dim(j, "heads_k", p.heads);
  p.seqlen_q = dim(j, "seqlen_q", p.seqlen_q);
  p.seqlen_k = dim(j, "seqlen_k", p.seqlen_q);
  p.head_dim = dim(j, "head_dim", p.head_dim);
  p.dtype = parse_dtype(value_or<std::string>(j, "dtype", "bf16"));
  p.causal = value_or<bool>(j, "causal", false);
  p.softmax_scale = value_or<float>(j, "scale", 0.f);
  return p;
}

json to_json(const CheckResult& r) {
  return {{"config", r.config},         {"dtype", dtype_name(r.problem.dtype)}, {"head_dim", r.problem.head_dim},
          {"causal", r.problem.causal}, {"batch", r.problem.batch},             {"heads", r.problem.heads},
          {"heads_k", r.problem.heads_k}, {"seqlen_q", r.problem.seqlen_q},     {"seqlen_k", r.problem.seqlen_k},
          {"seed", r.seed},             {"reference", r.reference},             {"o_max_abs", r.o.max_abs},
          {"o_rel_l2", r.o.rel_l2},     {"o_bad", r.o.bad},                     {"lse_max_abs", r.lse.max_abs},
          {"lse_bad", r.lse.bad},       {"deterministic", r.deterministic},     {"pass", r.pass},
          {"error", r.error}};
}

CheckResult check_result_from_json(const json& j, const AttnProblem* parent) {
  CheckResult c;
  c.config = value_or<std::string>(j, "config", "");
  if (j.contains("seqlen_q")) {
    c.problem = problem_from_json(j);
  } else if (parent) {
    c.problem = *parent;
  }
  c.pass = required<bool>(j, "pass");
  c.seed = value_or<uint64_t>(j, "seed", 0);
  c.reference = value_or<std::string>(j, "reference", "");
  c.o.max_abs = value_or<double>(j, "o_max_abs", 0.0);
  c.o.rel_l2 = value_or<double>(j, "o_rel_l2", 0.0);
  c.o.bad = value_or<size_t>(j, "o_bad", 0);
  c.lse.max_abs = value_or<double>(j, "lse_max_abs", 0.0);
  c.lse.bad = value_or<size_t>(j, "lse_bad", 0);
  c.deterministic = value_or<bool>(j, "deterministic", false);
  c.error = value_or<std::string>(j, "error", "");
  return c;
}

json to_json(const Measurement& m, bool raw) {
  json j = {{"median_us", m.stats.median},     {"min_us", m.stats.min},     {"q1_us", m.stats.q1},
            {"q3_us", m.stats.q3},             {"max_us", m.stats.max},     {"mean_us", m.stats.mean},
            {"rel_stdev", m.stats.rel_stdev},  {"samples", m.stats.count},  {"stop", stop_reason_name(m.stop)},
            {"mean_sm_clock_mhz", m.mean_sm_clock_mhz}, {"max_sm_clock_mhz", m.max_sm_clock_mhz},
            {"discarded_throttled", m.discarded_throttled}, {"clock_source", m.clock_source},
            {"graph_reps", m.graph_reps}, {"warning", m.warning},
            {"stream_blocked", m.stream_blocked}, {"kernel_trace", m.kernel_trace}};
  j["kernel_sum_us"] = m.kernel_us.empty() ? json(nullptr) : json(m.kernel_sum_us);
  j["host_overhead_samples"] = m.host_overhead_samples;
  if (raw) j["raw_us"] = m.samples;
  if (raw && !m.kernel_us.empty()) j["raw_kernel_us"] = m.kernel_us;
  return j;
}

Measurement measurement_from_json(const json& t) {
  Measurement m;
  m.samples = value_or<std::vector<double>>(t, "raw_us", {});
  m.stats.median = required<double>(t, "median_us");
  m.stats.min = value_or<double>(t, "min_us", m.stats.median);
  m.stats.max = value_or<double>(t, "max_us", m.stats.median);
  m.stats.q1 = value_or<double>(t, "q1_us", m.stats.median);
  m.stats.q3 = value_or<double>(t, "q3_us", m.stats.median);
  m.stats.mean = value_or<double>(t, "mean_us", m.stats.median);
  m.stats.rel_stdev = value_or<double>(t, "rel_stdev", 0.0);
  m.stats.count = value_or<int>(t, "samples", int(m.samples.size()));
  m.mean_sm_clock_mhz = value_or<double>(t, "mean_sm_clock_mhz", 0.0);
  m.max_sm_clock_mhz = value_or<double>(t, "max_sm_clock_mhz", 0.0);
  m.discarded_throttled = value_or<int>(t, "discarded_throttled", 0);
  m.clock_source = value_or<std::string>(t, "clock_source", "");
  m.graph_reps = value_or<int>(t, "graph_reps", 0);
  m.warning = value_or<std::string>(t, "warning", "");
  m.stream_blocked = value_or<bool>(t, "stream_blocked", false);
  m.kernel_trace = value_or<std::string>(t, "kernel_trace", "");
  m.kernel_us = value_or<std::vector<double>>(t, "raw_kernel_us", {});
  m.kernel_sum_us = value_or<double>(t, "kernel_sum_us", 0.0);
  m.host_overhead_samples = value_or<int>(t, "host_overhead_samples", 0);
  m.stop = parse_stop_reason(value_or<std::string>(t, "stop", "none"));
  return m;
}

json to_json(const TimedVerifyReport& v) {
  return {{"mode", verify_mode_name(v.mode)}, {"method", v.method}, {"samples", v.samples},
          {"samples_checked", v.samples_checked}, {"cost_s", v.cost_s}};
}

TimedVerifyReport verify_report_from_json(const json& j) {
  TimedVerifyReport v;
  v.mode = value_or<std::string>(j, "mode", "bitwise") == "bitwise" ? VerifyMode::bitwise : VerifyMode::tolerance;
  v.method = value_or<std::string>(j, "method", "");
  v.samples = value_or<int>(j, "samples", 0);
  v.samples_checked = value_or<int>(j, "samples_checked", int(value_or<std::vector<std::string>>(j, "checked", {}).size()));
  v.cost_s = value_or<double>(j, "cost_s", 0.0);
  return v;
}

json to_json(const EvalResult& r) {
  json j = {{"backend", r.backend}, {"describe", r.describe}, {"kind", r.kind},
            {"problem", to_json(r.problem)}, {"status", eval_status_name(r.status)}, {"reason", r.reason},
            {"flops", r.flops}, {"gate_s", r.gate_s}};
  j["check"] = r.check ? to_json(*r.check) : json(nullptr);
  j["timing"] = r.timing ? to_json(*r.timing) : json(nullptr);
  j["verified"] = r.verified ? to_json(*r.verified) : json(nullptr);
  j["tflops"] = r.timing ? json(r.tflops) : json(nullptr);
  j["pct_of_peak"] = r.timing && r.pct_of_peak > 0 ? json(r.pct_of_peak) : json(nullptr);
  return j;
}

EvalResult eval_result_from_json(const json& j) {
  EvalResult r;
  r.backend = required<std::string>(j, "backend");
  r.describe = value_or<std::string>(j, "describe", "");
  r.kind = value_or<std::string>(j, "kind", "attention");
  if (!j.contains("problem")) throw UserError("no \"problem\"");
  r.problem = problem_from_json(j.at("problem"));
  r.status = parse_eval_status(required<std::string>(j, "status"));
  r.reason = value_or<std::string>(j, "reason", "");
  r.flops = value_or<double>(j, "flops", 0.0);
  r.gate_s = value_or<double>(j, "gate_s", 0.0);
  if (j.contains("check") && j["check"].is_object()) r.check = check_result_from_json(j["check"], &r.problem);
  if (j.contains("timing") && j["timing"].is_object()) {
    r.timing = measurement_from_json(j["timing"]);
    if (j.contains("verified") && j["verified"].is_object()) r.verified = verify_report_from_json(j["verified"]);
  }
  r.tflops = value_or<double>(j, "tflops", 0.0);
  r.pct_of_peak = value_or<double>(j, "pct_of_peak", 0.0);
  if (!std::isfinite(r.tflops) || !std::isfinite(r.pct_of_peak)) throw UserError("tflops is not finite");
  return r;
}

}  // namespace attnlab
