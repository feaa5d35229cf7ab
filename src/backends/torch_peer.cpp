#include "backends/torch_peer.hpp"


#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/process.hpp"

namespace attnlab {

namespace {
using json = nlohmann::json;
namespace fs = std::filesystem;

// Typed access with one-line errors naming the field: "<ctx>: results[2].timing: missing \"median_us\"".
struct Reader {
  std::string ctx;
  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw UserError(fmt::format("{}: {}{}", ctx, where.empty() ? "" : where + ": ", what));
  }
  const json& get(const json& o, const char* key, const std::string& where) const {
    if (!o.is_object()) fail(where, "not a JSON object");
    auto it = o.find(key);
    if (it == o.end()) fail(where, fmt::format("missing \"{}\"", key));
    return *it;
  }
  double number(const json& o, const char* key, const std::string& where, bool nullable = false) const {
    const json& v = get(o, key, where);
    if (nullable && v.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!v.is_number()) fail(where, fmt::format("\"{}\" is not a number", key));
    return v.get<double>();
  }
  int64_t integer(const json& o, const char* key, const std::string& where) const {
    const json& v = get(o, key, where);
    if (!v.is_number_integer()) fail(where, fmt::format("\"{}\" is not an integer", key));
    return v.get<int64_t>();
  }
  int positive(const json& o, const char* key, const std::string& where) const {
    const int64_t v = integer(o, key, where);
    if (v < 1 || v > std::numeric_limits<int>::max()) fail(where, fmt::format("\"{}\" out of range ({})", key, v));
    return int(v);
  }
  std::string string(const json& o, const char* key, const std::string& where) const {
    const json& v = get(o, key, where);
    if (!v.is_string()) fail(where, fmt::format("\"{}\" is not a string", key));
    return v.get<std::string>();
  }
  bool boolean(const json& o, const char* key, const std::string& where) const {
    const json& v = get(o, key, where);
    if (!v.is_boolean()) fail(where, fmt::format("\"{}\" is not a boolean", key));
    return v.get<bool>();
  }
  std::optional<double> opt_number(const json& o, const char* key, const std::string& where) const {
    if (!o.contains(key) || o[key].is_null()) return std::nullopt;
    return number(o, key, where);
  }
  json parse(const std::string& text) const {
    try {
      return json::parse(text);
    } catch (const json::parse_error& e) {
      fail("", fmt::format("not JSON ({})", e.what()));
    }
  }
};

bool is_backend(const std::string& b) {
  return b == "torch-flash" || b == "torch-cudnn" || b == "torch-efficient" || b == "torch-math";
}

json case_to_json(const PeerCase& c) {
  json j = {{"backend", c.backend}, {"batch", c.batch},       {"heads", c.heads},
            {"heads_k", c.heads_k}, {"seqlen_q", c.seqlen_q}, {"seqlen_k", c.seqlen_k},
            {"head_dim", c.head_dim}, {"dtype", c.dtype},     {"causal", c.causal}};
  j["scale"] = c.scale ? json(*c.scale) : json(nullptr);
  if (c.seed) j["seed"] = *c.seed;
  return j;
}

PeerCase case_from_json(const Reader& r, const json& j, const std::string& where) {
  PeerCase c;
  c.backend = r.string(j, "backend", where);
  if (!is_backend(c.backend)) r.fail(where, fmt::format("unknown backend \"{}\"", c.backend));
  c.batch = r.positive(j, "batch", where);
  c.heads = r.positive(j, "heads", where);
  c.heads_k = r.positive(j, "heads_k", where);
  c.seqlen_q = r.positive(j, "seqlen_q", where);
  c.seqlen_k = r.positive(j, "seqlen_k", where);
  c.head_dim = r.positive(j, "head_dim", where);
  c.dtype = r.string(j, "dtype", where);
  if (c.dtype != "bf16" && c.dtype != "fp16") r.fail(where, fmt::format("dtype \"{}\" is not bf16 or fp16", c.dtype));
  c.causal = r.boolean(j, "causal", where);
  c.scale = r.opt_number(j, "scale", where);
  if (j.contains("seed") && !j["seed"].is_null()) c.seed = uint64_t(r.integer(j, "seed", where));
  return c;
}

PeerCheck check_from_json(const Reader& r, const json& j, const std::string& where) {
  PeerCheck k;
  k.o_max_abs = r.number(j, "o_max_abs", where, true);
  k.o_rel_l2 = r.number(j, "o_rel_l2", where, true);
  k.pass = r.boolean(j, "pass", where);
  k.seed = uint64_t(r.integer(j, "seed", where));
  k.reference = r.string(j, "reference", where);
  if (k.reference != "torch-fp64" && k.reference != "torch-fp32")
    r.fail(where, fmt::format("unknown reference \"{}\"", k.reference));
  if (j.contains("subset")) k.subset = r.string(j, "subset", where);
  if (j.contains("bad")) k.bad = r.integer(j, "bad", where);
  if (j.contains("deterministic")) k.deterministic = r.boolean(j, "deterministic", where);
  return k;
}

PeerTiming timing_from_json(const Reader& r, const json& j, const std::string& where) {
  PeerTiming t;
  t.median_us = r.number(j, "median_us", where);
  t.min_us = r.number(j, "min_us", where);
  t.q1_us = r.number(j, "q1_us", where);
  t.q3_us = r.number(j, "q3_us", where);
  if (j.contains("max_us")) t.max_us = r.number(j, "max_us", where);
  t.mean_us = r.number(j, "mean_us", where);
  t.rel_stdev = r.number(j, "rel_stdev", where);
  t.samples = r.positive(j, "samples", where);
  t.stop = r.string(j, "stop", where);
  const json& raw = r.get(j, "raw_us", where);
  if (!raw.is_array()) r.fail(where, "\"raw_us\" is not an array");
  for (const auto& x : raw) {
    if (!x.is_number()) r.fail(where, "\"raw_us\" holds a non-number");
    t.raw_us.push_back(x.get<double>());
  }
  if (!j.contains("max_us") && !t.raw_us.empty()) t.max_us = *std::max_element(t.raw_us.begin(), t.raw_us.end());
  if (int(t.raw_us.size()) != t.samples)
    r.fail(where, fmt::format("{} raw samples for \"samples\": {}", t.raw_us.size(), t.samples));
  if (j.contains("host_guard_us")) t.host_guard_us = r.number(j, "host_guard_us", where);
  if (j.contains("warning")) t.warning = r.string(j, "warning", where);
  if (auto k = r.opt_number(j, "kernel_sum_us", where)) t.kernel_sum_us = *k;
  if (j.contains("method")) t.method = r.string(j, "method", where);
  if (j.contains("host_overhead")) t.host_overhead = r.boolean(j, "host_overhead", where);
  if (j.contains("verified") && !j["verified"].is_null()) {
    const json& v = r.get(j, "verified", where);
    const std::string vw = where + ".verified";
    PeerTiming::Verified pv{r.string(v, "mode", vw), r.string(v, "method", vw), r.positive(v, "samples", vw),
                            r.number(v, "cost_s", vw)};
    if (pv.mode != "bitwise" && pv.mode != "tolerance") r.fail(vw, fmt::format("unknown mode \"{}\"", pv.mode));
    t.verified = pv;
  }
  return t;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string last_line(const std::string& s) {
  size_t end = s.find_last_not_of(" \n\r\t");
  if (end == std::string::npos) return "(no output)";
  size_t begin = s.rfind('\n', end);
  return s.substr(begin == std::string::npos ? 0 : begin + 1, end - (begin == std::string::npos ? 0 : begin + 1) + 1);
}
}  // namespace

PeerCase PeerCase::from_problem(const std::string& backend, const AttnProblem& p) {
  PeerCase c;
  c.backend = backend;
  c.batch = p.batch, c.heads = p.heads, c.heads_k = p.heads_k;
  c.seqlen_q = p.seqlen_q, c.seqlen_k = p.seqlen_k, c.head_dim = p.head_dim;
  c.dtype = std::string(dtype_name(p.dtype));
  c.causal = p.causal;
  if (p.softmax_scale != 0.f) c.scale = p.softmax_scale;
  return c;
}

AttnProblem PeerCase::problem() const {
  AttnProblem p;
  p.batch = batch, p.heads = heads, p.heads_k = heads_k;
  p.seqlen_q = seqlen_q, p.seqlen_k = seqlen_k, p.head_dim = head_dim;
  p.dtype = parse_dtype(dtype);
  p.causal = causal;
  p.softmax_scale = scale ? float(*scale) : 0.f;
  return p;
}

double PeerCase::flops() const {
  const double full = 4.0 * batch * heads * double(seqlen_q) * seqlen_k * head_dim;
  return causal ? full / 2 : full;
}

std::string PeerResult::describe() const {
  return fmt::format("torch {} (CUDA {}, cuDNN {}) on {}", torch_version, cuda_version, cudnn_version, device);
}

std::string peer_request_json(const std::vector<PeerCase>& cases, double max_time_s, double target_rel_stdev) {
  json j = {{"cases", json::array()}, {"max_time_s", max_time_s}, {"target_rel_stdev", target_rel_stdev}};
  for (const auto& c : cases) j["cases"].push_back(case_to_json(c));
  return j.dump();
}

std::vector<PeerCase> parse_peer_request(const std::string& text) {
  const Reader r{"torch peer: malformed request"};
  const json j = r.parse(text);
  const json& cases = r.get(j, "cases", "");
  if (!cases.is_array()) r.fail("", "\"cases\" is not an array");
  std::vector<PeerCase> out;
  for (size_t i = 0; i < cases.size(); ++i) out.push_back(case_from_json(r, cases[i], fmt::format("cases[{}]", i)));
  return out;
}

std::vector<PeerResult> parse_peer_response(const std::string& text) {
  const Reader r{"torch peer: malformed response"};
  const json j = r.parse(text);
  const std::string schema = r.string(j, "schema", "");
  if (schema != kPeerSchema)
    throw UserError(fmt::format("torch peer: response schema \"{}\" is not \"{}\"", schema, kPeerSchema));
  PeerResult env;
  env.torch_version = r.string(j, "torch", "");
  env.device = r.string(j, "device", "");
  if (j.contains("cuda") && !j["cuda"].is_null()) env.cuda_version = r.string(j, "cuda", "");
  if (j.contains("cudnn") && !j["cudnn"].is_null()) env.cudnn_version = r.integer(j, "cudnn", "");
  if (j.contains("capability")) env.capability = r.string(j, "capability", "");
  const json& results = r.get(j, "results", "");
  if (!results.is_array()) r.fail("", "\"results\" is not an array");
  std::vector<PeerResult> out;
  for (size_t i = 0; i < results.size(); ++i) {
    const std::string where = fmt::format("results[{}]", i);
    const json& x = results[i];
    PeerResult p = env;
    p.status = r.string(x, "status", where);
    if (p.status != "ok" && p.status != "skipped" && p.status != "failed")
      r.fail(where, fmt::format("unknown status \"{}\"", p.status));
    if (!p.ok()) p.reason = r.string(x, "reason", where);
    if (p.status != "failed") {
      p.c = case_from_json(r, x, where);
    } else {  // an invalid request case is echoed back as it was; keep what parses
      try {
        p.c = case_from_json(r, x, where);
      } catch (const UserError&) {
        if (x.contains("backend") && x["backend"].is_string()) p.c.backend = x["backend"].get<std::string>();
      }
    }
    if (x.contains("note")) p.note = r.string(x, "note", where);
    if (x.contains("check")) p.check = check_from_json(r, x["check"], where + ".check");
    if (x.contains("timing")) p.timing = timing_from_json(r, x["timing"], where + ".timing");
    if (x.contains("tflops")) p.tflops = r.number(x, "tflops", where);
    if (p.ok() && (!p.check || !p.timing || !p.tflops)) r.fail(where, "status ok without check, timing and tflops");
    if (p.ok() && !p.check->pass) r.fail(where, "status ok with a failed check");
    if (x.contains("kernels")) {
      if (!x["kernels"].is_array()) r.fail(where, "\"kernels\" is not an array");
      for (const auto& k : x["kernels"])
        if (k.is_string()) p.kernels.push_back(k.get<std::string>());
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<std::string> find_torch_python(std::string* why) {
  const std::string override_py = env("ATTNLAB_PYTHON");
  const std::string py = override_py.empty() ? "python3" : override_py;
  ProcessOptions po;
  po.timeout_s = 120;
  const auto r = run_process({py, "-c", "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 3)"}, po);
  if (r.exit_code == 0) return py;
  if (why) {
    const std::string who = override_py.empty() ? "python3" : "ATTNLAB_PYTHON=" + py;
    if (r.exit_code == 127) *why = fmt::format("{} cannot be run", who);
    else if (r.exit_code == 3) *why = fmt::format("{}: torch reports no CUDA device", who);
    else *why = fmt::format("{}: cannot import torch ({})", who, last_line(r.err));
  }
  return std::nullopt;
}

std::optional<std::string> find_torch_peer_script(std::string* why) {
  const std::string override_path = env("ATTNLAB_TORCH_PEER");
  std::error_code ec;
  if (!override_path.empty()) {
    if (fs::is_regular_file(override_path, ec)) return override_path;
    if (why) *why = fmt::format("ATTNLAB_TORCH_PEER={} is not a file", override_path);
    return std::nullopt;
  }
  std::vector<fs::path> candidates;
  const fs::path exe = self_executable();
  if (exe.is_absolute()) candidates.push_back(exe.parent_path() / ".." / "scripts" / "torch_peer.py");
  candidates.push_back(fs::path("scripts") / "torch_peer.py");
  std::string looked;
  for (const auto& p : candidates) {
    if (fs::is_regular_file(p, ec)) return fs::weakly_canonical(p, ec).string();
    looked += (looked.empty() ? "" : ", ") + p.lexically_normal().string();
  }
  if (why) *why = fmt::format("torch_peer.py not found (looked at {}; set ATTNLAB_TORCH_PEER)", looked);
  return std::nullopt;
}

std::vector<PeerResult> run_torch_peer(const std::vector<PeerCase>& cases, double max_time_s, std::string* why) {
  std::string detail_why;
  const auto py = find_torch_python(&detail_why);
  if (!py) {
    if (why) *why = "skipped: python3 with CUDA-enabled torch not found (" + detail_why + ")";
    return {};
  }
  const auto script = find_torch_peer_script(&detail_why);
  if (!script) {
    if (why) *why = "skipped: " + detail_why;
    return {};
  }
  if (cases.empty()) return {};
  // Each case times for at most max_time_s (plus warm-up, the check and the profiler pass); torch's start-up
  // and first CUDA call take a while. Past this the peer is hung: its process tree is killed.
  ProcessOptions po;
  po.stdin_data = peer_request_json(cases, max_time_s);
  po.timeout_s = 120 + double(cases.size()) * (3 * max_time_s + 30);
  po.forward_stderr = true;
  const auto r = run_process({*py, *script}, po);
  if (!r.ok()) {
    if (why) *why = fmt::format("failed: {} {}: {}", *script, r.describe(), last_line(r.err));
    return {};
  }
  auto results = parse_peer_response(r.out);
  if (results.size() != cases.size())
    throw UserError(fmt::format("torch peer: {} results for {} cases", results.size(), cases.size()));
  if (why) why->clear();
  return results;
}

}  // namespace attnlab
