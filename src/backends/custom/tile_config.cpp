#include "backends/custom/tile_config.hpp"

#include <map>
#include <sstream>

#include <fmt/format.h>

#include "backends/custom/family.hpp"
#include "core/error.hpp"
#include "core/problem.hpp"
#include "core/arch.hpp"

namespace attnlab {

int knob_value(const std::string& config_name, const std::string& digits) {
  if (digits.size() > 7 || std::stol(digits) > (1 << 20))
    throw UserError(fmt::format("config '{}': {} is out of range", config_name, digits));
  return std::stoi(digits);
}

namespace {
std::vector<int> base_values(Family f) {
  std::vector<int> v;
  for (const KnobDef& k : family_knobs(f)) v.push_back(k.base);
  return v;
}
size_t knob_index(Family f, std::string_view name) {
  const auto& knobs = family_knobs(f);
  for (size_t i = 0; i < knobs.size(); ++i)
    if (name == knobs[i].name) return i;
  throw std::logic_error(fmt::format("family {} has no knob '{}'", family_name(f), name));
}
}  // namespace

TileConfig::TileConfig() : TileConfig(Family::sm80) {}
TileConfig::TileConfig(Family f) : family(f), knobs(base_values(f)) {}
TileConfig::TileConfig(Family f, std::vector<int> values) : family(f), knobs(std::move(values)) {
  if (knobs.size() != family_knobs(f).size())
    throw std::logic_error(fmt::format("family {} has {} knobs, not {}", family_name(f), family_knobs(f).size(), knobs.size()));
}
int TileConfig::knob(std::string_view name) const { return knobs.at(knob_index(family, name)); }
TileConfig& TileConfig::set(std::string_view name, int value) {
  knobs.at(knob_index(family, name)) = value;
  return *this;
}
bool TileConfig::has_knob(std::string_view name) const {
  for (const KnobDef& k : family_knobs(family))
    if (name == k.name) return true;
  return false;
}

std::string TileConfig::name() const { return family_spec(family).config_name(*this); }

TileConfig TileConfig::parse(const std::string& text) {
  for (Family f : all_families())
    if (auto v = family_spec(f).parse_name(text)) return TileConfig(f, std::move(*v));
  if (text.find('=') == std::string::npos)
    throw UserError(fmt::format("cannot parse config '{}' (expected e.g. m128n64w4s2-swz-qsm, "
                                "sm90-m128n128s2-pp-ov-grid or block_m=128,block_n=64)", text));
  // key=value form: every item must be key=value; family= first decides which knobs exist.
  std::vector<std::pair<std::string, std::string>> items;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError(fmt::format("config '{}': item '{}' is not key=value", text, item));
    items.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  if (!text.empty() && text.back() == ',') throw UserError(fmt::format("config '{}': trailing comma", text));
  Family family = Family::sm80;
  for (auto& [key, val] : items)
    if (key == "family") family = parse_family(val);
  TileConfig c(family);
  const auto& knobs = family_knobs(c.family);
  for (auto& [key, val] : items) {
    if (key == "family") continue;
    const KnobDef* knob = nullptr;
    for (auto& k : knobs)
      if (key == k.name) knob = &k;
    if (!knob) {
      std::string names;
      for (auto& k : knobs) names += (names.empty() ? "" : ", ") + std::string(k.name);
      throw UserError(fmt::format("config '{}': unknown knob '{}' for family {} ({})", text, key, family_name(c.family), names));
    }
    long v = 0;
    try {
      size_t used = 0;
      v = std::stol(val, &used);
      if (used != val.size()) throw std::invalid_argument(val);
    } catch (const std::exception&) {
      throw UserError(fmt::format("config '{}': value '{}' of {} is not an integer", text, val, key));
    }
    if (v < 0 || v > 1 << 20) throw UserError(fmt::format("config '{}': value {} of {} is out of range", text, val, key));
    if (knob->is_bool && v != 0 && v != 1) throw UserError(fmt::format("config '{}': {} must be 0 or 1", text, key));
    c.set(knob->name, int(v));
  }
  return c;
}

int TileConfig::threads() const { return family_spec(family).threads(*this); }
int TileConfig::smem_bytes(int head_dim) const { return family_spec(family).smem_bytes(*this, head_dim); }
int TileConfig::tile_rows() const { return family_spec(family).tile_rows(*this); }
int TileConfig::tile_cols() const { return family_spec(family).tile_cols(*this); }
int TileConfig::accumulator_registers(int head_dim) const {
  return family_spec(family).accumulator_registers(*this, head_dim);
}
std::string TileConfig::constraint_violation(int head_dim, const ArchLimits& limits) const {
  return family_spec(family).constraint_violation(*this, head_dim, limits);
}
std::string TileConfig::instantiation(DType dtype, int head_dim) const {
  return family_spec(family).instantiation(*this, dtype, head_dim);
}

KnobValues::KnobValues() : KnobValues(defaults(Family::sm80)) {}
KnobValues KnobValues::defaults(Family f) { return {f, family_spec(f).default_values}; }
KnobValues KnobValues::tuning(Family f) { return {f, family_spec(f).tuning_values}; }
KnobValues KnobValues::of(Family f, const std::string& space) {
  if (space == "default") return defaults(f);
  if (space == "tuning") return tuning(f);
  throw UserError(fmt::format("unknown space '{}' (default, tuning)", space));
}

std::vector<TileConfig> full_space(const KnobValues& k) {
  const auto& knobs = family_knobs(k.family);
  if (k.values.size() != knobs.size())
    throw UserError(fmt::format("family {} has {} knobs, the space gives {} value lists", family_name(k.family), knobs.size(),
                                k.values.size()));
  std::vector<TileConfig> out;
  // Odometer over the knobs, first knob slowest (the order every listing and test relies on).
  std::vector<size_t> at(knobs.size(), 0);
  for (auto& v : k.values)
    if (v.empty()) return out;
  for (;;) {
    std::vector<int> v(knobs.size());
    for (size_t i = 0; i < knobs.size(); ++i) v[i] = k.values[i][at[i]];
    out.emplace_back(k.family, std::move(v));
    size_t i = knobs.size();
    while (i > 0) {
      --i;
      if (++at[i] < k.values[i].size()) break;
      at[i] = 0;
      if (i == 0) return out;
    }
  }
}

std::vector<TileConfig> valid_space(int head_dim, const ArchLimits& limits, const KnobValues& knobs) {
  std::vector<TileConfig> out;
  for (auto& c : full_space(knobs))
    if (c.constraint_violation(head_dim, limits).empty()) out.push_back(c);
  return out;
}

TileConfig default_config(int head_dim, const ArchLimits& limits) {
  return default_config(head_dim, limits, limits.best_family());
}

TileConfig default_config(int head_dim, const ArchLimits& limits, Family f, bool causal, int64_t seqlen_k) {
  for (const char* name : family_spec(f).default_prefs(head_dim, causal, seqlen_k)) {
    TileConfig c = TileConfig::parse(name);
    if (c.constraint_violation(head_dim, limits).empty()) return c;
  }
  auto space = valid_space(head_dim, limits, KnobValues::defaults(f));
  if (space.empty())
    throw UserError(fmt::format("no valid {} tile config for d={} on {}", family_name(f), head_dim, limits.arch));
  return space.front();
}

TileConfig default_config_for(const AttnProblem& p, const ArchLimits& limits, Family f, int sm_count) {
  TileConfig best = default_config(p.head_dim, limits, f, p.causal, p.seqlen_k);
  auto tiles = [&](const TileConfig& c) { return int64_t(p.seqlen_q + c.tile_rows() - 1) / c.tile_rows() * p.heads * p.batch; };
  if (sm_count <= 0 || tiles(best) >= sm_count) return best;
  for (const char* name : family_spec(f).default_prefs(p.head_dim, p.causal, p.seqlen_k)) {
    const TileConfig c = TileConfig::parse(name);
    if (c.tile_rows() < best.tile_rows() && c.constraint_violation(p.head_dim, limits).empty()) best = c;
  }
  return best;
}

std::vector<std::string> split_config_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  bool prev_kv = false;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) throw UserError(fmt::format("config list '{}' has an empty item", text));
    const bool kv = item.find('=') != std::string::npos;
    if (kv && prev_kv && item.rfind("family=", 0) != 0) out.back() += "," + item;
    else out.push_back(item);
    prev_kv = kv;
  }
  if (!text.empty() && text.back() == ',') throw UserError(fmt::format("config list '{}' has an empty item", text));
  return out;
}

}  // namespace attnlab
