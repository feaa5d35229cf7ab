#include "search/workload.hpp"

#include <algorithm>
#include <climits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/json_text.hpp"

namespace attnlab {

namespace {
using json = nlohmann::json;
constexpr const char* kSchema = "attnlab.workload/1";

void only_keys(const json& j, const std::string& where, std::initializer_list<const char*> keys) {
  if (!j.is_object()) throw UserError(where + ": not a JSON object");
  for (auto& [k, _] : j.items())
    if (std::none_of(keys.begin(), keys.end(), [&](const char* x) { return k == x; }))
      throw UserError(fmt::format("{}: unknown field {}", where, quote_for_message(k).substr(0, 60)));
}
int64_t whole(const json& j, const char* key, const std::string& where, int64_t lo, int64_t hi) {
  if (!j.contains(key)) throw UserError(fmt::format("{}: no \"{}\"", where, key));
  const json& v = j.at(key);
  if (!v.is_number_integer()) throw UserError(fmt::format("{}.{}: not an integer", where, key));
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi) throw UserError(fmt::format("{}.{}: {} is outside [{}, {}]", where, key, x, lo, hi));
  return x;
}
std::vector<int64_t> lengths(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j.at(key).is_array() || j.at(key).empty())
    throw UserError(fmt::format("{}.{}: expected a non-empty array of lengths", where, key));
  std::vector<int64_t> out;
  for (size_t i = 0; i < j.at(key).size(); ++i) {
    const json& v = j.at(key)[i];
    const std::string w = fmt::format("{}.{}[{}]", where, key, i);
    if (!v.is_number_integer()) throw UserError(w + ": not an integer");
    const int64_t x = v.get<int64_t>();
    if (x < 1 || x > kMaxSeqlen) throw UserError(fmt::format("{}: {} is outside [1, {}]", w, x, kMaxSeqlen));
    out.push_back(x);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}
std::vector<std::string> strings(const json& j, const char* key, const std::string& where, std::vector<std::string> fallback,
                                 std::initializer_list<const char*> allowed) {
  if (!j.contains(key)) return fallback;
  const json& v = j.at(key);
  if (!v.is_array() || v.empty()) throw UserError(fmt::format("{}.{}: expected a non-empty array", where, key));
  std::vector<std::string> out;
  for (auto& x : v) {
    if (!x.is_string()) throw UserError(fmt::format("{}.{}: not a string", where, key));
    const std::string s = x.get<std::string>();
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return s == a; }))
      throw UserError(fmt::format("{}.{}: \"{}\" is not one of the allowed values", where, key, quote_for_message(s).substr(0, 40)));
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}
std::string group_name(const AttnProblem& p, bool decode) {
  return fmt::format("{} d{} {} H{}:{} {}", dtype_name(p.dtype), p.head_dim, p.causal ? "causal" : "none", p.heads, p.heads_k,
                     decode ? "decode" : "prefill");
}
}  // namespace

size_t Workload::problems() const {
  size_t n = 0;
  for (auto& g : groups) n += g.problems.size();
  return n;
}

Workload workload_from_json(const json& j, const std::string& where) {
  only_keys(j, where, {"schema", "name", "model", "prefill", "decode", "masks", "dtypes", "shapes"});
  if (!j.contains("schema") || j["schema"] != kSchema)
    throw UserError(fmt::format("{}: \"schema\" must be \"{}\"", where, kSchema));
  Workload w;
  w.name = j.value("name", "workload");
  if (!j.contains("model") && !j.contains("shapes")) throw UserError(where + ": needs \"model\" or \"shapes\"");
  const auto masks = strings(j, "masks", where, {"causal"}, {"causal", "none"});
  std::vector<DType> dtypes;
  for (auto& s : strings(j, "dtypes", where, {"bf16"}, {"bf16", "fp16"})) dtypes.push_back(parse_dtype(s));
  std::map<std::string, ProbeGroup> groups;  // by name, in a stable order
  auto add = [&](const AttnProblem& p, bool decode, const std::string& w) {
    if (auto why = p.validate(); !why.empty()) throw UserError(w + ": " + why);
    ProbeGroup& g = groups[group_name(p, decode)];
    g.name = group_name(p, decode);
    g.decode = decode;
    g.problems.push_back(p);
  };
  if (j.contains("model")) {
    const std::string wm = where + ": model";
    const json& m = j["model"];
    only_keys(m, wm, {"hidden", "heads", "kv_heads", "head_dim"});
    const int heads = int(whole(m, "heads", wm, 1, kMaxHeads));
    const int kv = m.contains("kv_heads") ? int(whole(m, "kv_heads", wm, 1, kMaxHeads)) : heads;
    // head_dim as given (models such as Gemma-2 have heads x head_dim != hidden), else hidden / heads.
    if (!m.contains("head_dim") && !m.contains("hidden")) throw UserError(wm + ": needs \"head_dim\" or \"hidden\"");
    int d = 0;
    if (m.contains("head_dim")) {
      d = int(whole(m, "head_dim", wm, 1, 1024));
      if (m.contains("hidden")) whole(m, "hidden", wm, 1, INT32_MAX);
    } else {
      const int64_t hidden = whole(m, "hidden", wm, 1, INT32_MAX);
      if (hidden % heads)
        throw UserError(fmt::format("{}.hidden: {} is not a multiple of heads {} (give head_dim)", wm, hidden, heads));
      d = int(std::min<int64_t>(hidden / heads, INT32_MAX));
    }
    if (!is_supported_head_dim(d)) throw UserError(fmt::format("{}.head_dim: {} is not supported ({})", wm, d, supported_head_dims()));
    if (heads % kv) throw UserError(fmt::format("{}.kv_heads: {} does not divide heads {}", wm, kv, heads));
    if (!j.contains("prefill") && !j.contains("decode")) throw UserError(where + ": a model needs \"prefill\" or \"decode\"");
    if (j.contains("prefill")) {
      const std::string wp = where + ": prefill";
      only_keys(j["prefill"], wp, {"tokens", "seqlens"});
      const int64_t tokens = whole(j["prefill"], "tokens", wp, 1, INT32_MAX);
      for (int64_t s : lengths(j["prefill"], "seqlens", wp))
        for (DType dt : dtypes)
          for (auto& mask : masks)
            add(AttnProblem::make(int(std::max<int64_t>(1, tokens / s)), heads, kv, int(s), int(s), d, dt, mask == "causal"),
                false, fmt::format("{} S={}", wp, s));
    }
    if (j.contains("decode")) {
      const std::string wd = where + ": decode";
      only_keys(j["decode"], wd, {"batch", "seqlens_k"});
      const int batch = int(whole(j["decode"], "batch", wd, 1, kMaxBatch));
      for (int64_t s : lengths(j["decode"], "seqlens_k", wd))
        for (DType dt : dtypes)  // one query row sees every key: the mask changes nothing, decode is non-causal
          add(AttnProblem::make(batch, heads, kv, 1, int(s), d, dt, false), true, fmt::format("{} Sk={}", wd, s));
    }
  } else if (j.contains("prefill") || j.contains("decode")) {
    throw UserError(where + ": \"prefill\" and \"decode\" need a \"model\"");
  }
  if (j.contains("shapes")) {
    if (!j["shapes"].is_array()) throw UserError(where + ": \"shapes\" is not an array");
    for (size_t i = 0; i < j["shapes"].size(); ++i) {
      const std::string ws = fmt::format("{}: shapes[{}]", where, i);
      const json& s = j["shapes"][i];
      only_keys(s, ws, {"batch", "heads", "heads_k", "seqlen_q", "seqlen_k", "head_dim", "dtype", "causal"});
      const int heads = int(whole(s, "heads", ws, 1, kMaxHeads));
      AttnProblem p = AttnProblem::make(int(whole(s, "batch", ws, 1, kMaxBatch)), heads,
                                        s.contains("heads_k") ? int(whole(s, "heads_k", ws, 1, kMaxHeads)) : heads,
                                        int(whole(s, "seqlen_q", ws, 1, kMaxSeqlen)), int(whole(s, "seqlen_k", ws, 1, kMaxSeqlen)),
                                        int(whole(s, "head_dim", ws, 1, 1024)), parse_dtype(s.value("dtype", "bf16")),
                                        s.value("causal", false));
      add(p, p.seqlen_q == 1, ws);
    }
  }
  for (auto& [_, g] : groups) {
    std::sort(g.problems.begin(), g.problems.end(), [&](const AttnProblem& a, const AttnProblem& b) {
      return std::pair(g.length_of(a), a.seqlen_k) < std::pair(g.length_of(b), b.seqlen_k);
    });
    g.problems.erase(std::unique(g.problems.begin(), g.problems.end(),
                                 [&](const AttnProblem& a, const AttnProblem& b) { return a.describe() == b.describe(); }),
                     g.problems.end());
    w.groups.push_back(std::move(g));
  }
  return w;
}

Workload read_workload_file(const std::string& path) { return workload_from_json(read_json_file(path, 1 << 20), path); }

}  // namespace attnlab
