#include "search/space.hpp"

#include <algorithm>
#include <climits>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"

namespace attnlab {

namespace {

// Twice the position of v in `values`; a value not in the list sits one half-step beyond the listed
// value numerically nearest to it, so it is never at distance 0 from anything valid.
int rank2(const std::vector<int>& values, int v) {
  int best = 0;
  long best_diff = LONG_MAX;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] == v) return 2 * static_cast<int>(i);
    long d = std::labs(static_cast<long>(values[i]) - v);
    if (d < best_diff) best_diff = d, best = static_cast<int>(i);
  }
  return 2 * best + 1;
}

// Position of v in values, or of the nearest listed value when v is not listed.
int index_of(const std::vector<int>& values, int v) { return rank2(values, v) / 2; }

}  // namespace

std::string rng_to_string(const Rng& rng) {
  std::ostringstream os;
  os << rng;
  return os.str();
}

Rng rng_from_string(const std::string& state) {
  std::istringstream is(state);
  Rng rng;
  is >> rng;
  if (is.fail()) throw UserError("malformed RNG state in checkpoint");
  return rng;
}

uint64_t uniform_index(Rng& rng, uint64_t n) {
  if (n == 0) throw std::logic_error("uniform_index: empty range");
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = max - (max % n + 1) % n;  // largest multiple of n, minus 1
  uint64_t x;
  do x = rng();
  while (x > limit);
  return x % n;
}

double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

SearchSpace::SearchSpace(int head_dim, ArchLimits limits, KnobValues knobs)
    : head_dim_(head_dim), limits_(std::move(limits)), knobs_(std::move(knobs)), defs_(&family_knobs(knobs_.family)) {
  values_ = knobs_.values;
  if (values_.size() != defs_->size())
    throw UserError(fmt::format("family {} has {} knobs, the space gives {}", family_name(knobs_.family), defs_->size(),
                                values_.size()));
  for (size_t k = 0; k < values_.size(); ++k)
    if (values_[k].empty()) throw UserError(fmt::format("knob {} has no values", (*defs_)[k].name));
  valid_ = valid_space(head_dim_, limits_, knobs_);
  // Duplicated knob values would produce duplicated configs; the search assumes each config once.
  std::vector<TileConfig> unique;
  for (auto& c : valid_)
    if (std::find(unique.begin(), unique.end(), c) == unique.end()) unique.push_back(c);
  valid_ = std::move(unique);
  if (valid_.empty())
    throw UserError(fmt::format("no valid {} tile config for head dim {} on {}", family_name(knobs_.family), head_dim_,
                                limits_.arch));
}

std::string SearchSpace::why_invalid(const TileConfig& c) const {
  if (c.family != knobs_.family)
    return fmt::format("{} is a {} config, the space is {}", c.name(), family_name(c.family), family_name(knobs_.family));
  for (int k = 0; k < num_knobs(); ++k) {
    const auto& vals = values_[k];
    if (std::find(vals.begin(), vals.end(), get(c, k)) == vals.end())
      return fmt::format("{}={} is not one of the searched values", (*defs_)[k].name, get(c, k));
  }
  return c.constraint_violation(head_dim_, limits_);
}

TileConfig SearchSpace::random_valid(Rng& rng) const { return valid_[uniform_index(rng, valid_.size())]; }

TileConfig SearchSpace::mutate(const TileConfig& c, Rng& rng) const {
  std::vector<int> movable;  // knobs with somewhere to go
  for (int k = 0; k < num_knobs(); ++k)
    if (values_[k].size() > 1) movable.push_back(k);
  if (movable.empty() || valid_.size() == 1) return repair(c);
  // A neighbour step can be repaired straight back onto `c`; a few retries find a real move.
  TileConfig out = c;
  for (int attempt = 0; attempt < 16; ++attempt) {
    TileConfig m = c;
    const int n = std::min<int>(static_cast<int>(movable.size()), 1 + static_cast<int>(uniform_index(rng, 2)));
    std::vector<int> pool = movable;
    for (int i = 0; i < n; ++i) {
      const auto pick = uniform_index(rng, pool.size());
      const int k = pool[pick];
      pool.erase(pool.begin() + static_cast<long>(pick));
      const auto& vals = values_[k];
      const int at = index_of(vals, get(c, k));
      int to;
      if (at == 0) to = 1;
      else if (at == static_cast<int>(vals.size()) - 1) to = at - 1;
      else to = uniform_index(rng, 2) ? at + 1 : at - 1;
      set(m, k, vals[to]);
    }
    out = repair(m);
    if (!(out == c)) return out;
  }
  return out;
}

TileConfig SearchSpace::crossover(const TileConfig& a, const TileConfig& b, Rng& rng) const {
  TileConfig child = a;
  for (int k = 0; k < num_knobs(); ++k)
    if (uniform_index(rng, 2)) set(child, k, get(b, k));
  return repair(child);
}

TileConfig SearchSpace::repair(const TileConfig& c) const {
  if (valid(c)) return c;
  const TileConfig* best = &valid_.front();
  int best_d = INT_MAX;
  for (const auto& v : valid_) {
    const int d = distance(c, v);
    if (d < best_d) best_d = d, best = &v;
  }
  return *best;
}

int SearchSpace::distance(const TileConfig& a, const TileConfig& b) const {
  int d = 0;
  if (a.family != b.family) return 1 << 20;
  for (int k = 0; k < num_knobs(); ++k) d += std::abs(rank2(values_[k], get(a, k)) - rank2(values_[k], get(b, k)));
  return d;
}

nlohmann::json SearchSpace::knobs_json() const {
  nlohmann::json j = {{"family", family_name(knobs_.family)}};
  for (int k = 0; k < num_knobs(); ++k) {
    if ((*defs_)[k].is_bool) {
      std::vector<bool> v;
      for (int x : values_[k]) v.push_back(x != 0);
      j[(*defs_)[k].name] = v;
    } else {
      j[(*defs_)[k].name] = values_[k];
    }
  }
  return j;
}

}  // namespace attnlab
