#include "backends/custom/dispatch_table.hpp"

#include <climits>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "core/records_json.hpp"
#include "io/json_text.hpp"

namespace attnlab {

namespace {
using json = nlohmann::json;
constexpr const char* kSchema = "attnlab.dispatch/1";

const json& at(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw UserError(fmt::format("{}: no \"{}\"", where, key));
  return j.at(key);
}
int64_t whole(const json& j, const char* key, const std::string& where, int64_t lo, int64_t hi) {
  const json& v = at(j, key, where);
  if (!v.is_number_integer()) throw UserError(fmt::format("{}: \"{}\" is not an integer", where, key));
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi) throw UserError(fmt::format("{}: \"{}\" = {} is outside [{}, {}]", where, key, x, lo, hi));
  return x;
}
std::string text(const json& j, const char* key, const std::string& where) {
  const json& v = at(j, key, where);
  if (!v.is_string()) throw UserError(fmt::format("{}: \"{}\" is not a string", where, key));
  return v.get<std::string>();
}
LengthRange range_of(const json& j, const char* key, const std::string& where) {
  const json& r = at(j, key, where);
  const std::string w = where + "." + key;
  LengthRange out{whole(r, "min", w, 1, INT32_MAX), whole(r, "max", w, 1, INT32_MAX)};
  if (out.min > out.max) throw UserError(fmt::format("{}: min {} > max {}", w, out.min, out.max));
  return out;
}
json range_json(const LengthRange& r) { return {{"min", r.min}, {"max", r.max}}; }
bool overlaps(const LengthRange& a, const LengthRange& b) { return a.min <= b.max && b.min <= a.max; }
bool same_key(const DispatchEntry& a, const DispatchEntry& b) {
  return a.dtype == b.dtype && a.head_dim == b.head_dim && a.causal == b.causal && a.gqa_ratio == b.gqa_ratio;
}
}  // namespace

DispatchTable dispatch_from_json(const json& j, const std::string& where) {
  DispatchTable t;
  if (text(j, "schema", where) != kSchema)
    throw UserError(fmt::format("{}: schema \"{}\" is not {}", where, text(j, "schema", where), kSchema));
  t.arch = text(j, "arch", where);
  t.family = text(j, "family", where);
  const Family family = with_context(where + ": family", [&] { return parse_family(t.family); });
  t.environment = j.value("environment", json::object());
  const json& entries = at(j, "entries", where);
  if (!entries.is_array()) throw UserError(where + ": \"entries\" is not an array");
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    const std::string w = fmt::format("{}: entries[{}]", where, i);
    DispatchEntry d;
    d.dtype = with_context(w + ".dtype", [&] { return parse_dtype(text(e, "dtype", w)); });
    d.head_dim = int(whole(e, "head_dim", w, 1, 1024));
    if (!is_supported_head_dim(d.head_dim)) throw UserError(fmt::format("{}: unsupported head dim {}", w, d.head_dim));
    const json& c = at(e, "causal", w);
    if (!c.is_boolean()) throw UserError(w + ": \"causal\" is not true or false");
    d.causal = c.get<bool>();
    d.gqa_ratio = int(whole(e, "gqa_ratio", w, 1, 1 << 16));
    d.seqlen_q = range_of(e, "seqlen_q", w);
    d.seqlen_k = range_of(e, "seqlen_k", w);
    d.config = text(e, "config", w);
    const TileConfig cfg = with_context(w + ".config", [&] { return TileConfig::parse(d.config); });
    if (cfg.family != family)
      throw UserError(fmt::format("{}: config {} is not of the table's family {}", w, d.config, t.family));
    d.tflops = json_number(e, "tflops", 0.0);
    d.default_tflops = json_number(e, "default_tflops", 0.0);
    d.best_peer_tflops = json_number(e, "best_peer_tflops", 0.0);
    d.default_config = e.value("default_config", "");
    d.best_peer = e.value("best_peer", "");
    if (e.contains("measured")) d.measured = with_context(w + ".measured", [&] { return problem_from_json(e.at("measured")); });
    for (const auto& prev : t.entries)
      if (same_key(prev, d) && overlaps(prev.seqlen_q, d.seqlen_q) && overlaps(prev.seqlen_k, d.seqlen_k))
        throw UserError(fmt::format("{}: overlaps an earlier entry for the same dtype, head dim, mask and GQA ratio", w));
    t.entries.push_back(d);
  }
  return t;
}

json to_json(const DispatchTable& t) {
  json entries = json::array();
  for (const auto& d : t.entries)
    entries.push_back({{"dtype", dtype_name(d.dtype)}, {"head_dim", d.head_dim}, {"causal", d.causal},
                       {"gqa_ratio", d.gqa_ratio}, {"seqlen_q", range_json(d.seqlen_q)}, {"seqlen_k", range_json(d.seqlen_k)},
                       {"config", d.config}, {"tflops", d.tflops}, {"default_config", d.default_config},
                       {"default_tflops", d.default_tflops}, {"best_peer", d.best_peer},
                       {"best_peer_tflops", d.best_peer_tflops}, {"measured", to_json(d.measured)}});
  return {{"schema", kSchema}, {"arch", t.arch}, {"family", t.family}, {"environment", t.environment}, {"entries", entries}};
}

DispatchTable read_dispatch_file(const std::string& path) { return dispatch_from_json(read_json_file(path), path); }

const DispatchEntry* find_dispatch(const DispatchTable& t, const AttnProblem& p) {
  const int ratio = p.heads_k > 0 && p.heads % p.heads_k == 0 ? p.heads / p.heads_k : 0;
  for (const auto& d : t.entries)
    if (d.dtype == p.dtype && d.head_dim == p.head_dim && d.causal == p.causal && d.gqa_ratio == ratio &&
        d.seqlen_q.contains(p.seqlen_q) && d.seqlen_k.contains(p.seqlen_k))
      return &d;
  return nullptr;
}

DispatchChoice choose_config(const DispatchTable& t, const AttnProblem& p, const ArchLimits& limits, int sm_count) {
  const Family family = parse_family(t.family);
  if (const DispatchEntry* e = find_dispatch(t, p)) {
    TileConfig c = TileConfig::parse(e->config);
    if (auto why = c.constraint_violation(p.head_dim, limits); why.empty())
      return {c, e, fmt::format("dispatch: {} (measured {:.0f} TFLOP/s on {})", e->config, e->tflops, e->measured.describe())};
    else
      return {default_config_for(p, limits, family, sm_count), nullptr,
              fmt::format("dispatch entry {} does not fit {} ({}): the {} default", e->config, limits.arch, why, t.family)};
  }
  TileConfig c = default_config_for(p, limits, family, sm_count);
  return {c, nullptr, fmt::format("no dispatch entry for {}: the {} default {}", p.describe(), t.family, c.name())};
}

}  // namespace attnlab
