#pragma once
// The tuner's view of the tile-config space for one (head_dim, arch): which configs are valid, and the
// genetic operators over knobs. Every operator ends in repair(), so a strategy can only ever produce a
// config that satisfies TileConfig::constraint_violation — the constraints are checked declaratively
// here, before anything is compiled.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "backends/custom/tile_config.hpp"

namespace attnlab {

// The one RNG of a tune. mt19937_64 because its full state has a standard text form (operator<< / >>),
// which is what makes checkpoint/resume exact. Draw through uniform_index/uniform01 below, never through
// std::*_distribution: those are implementation-defined (results would differ between standard
// libraries) and some keep hidden state that a checkpoint would miss.
using Rng = std::mt19937_64;
std::string rng_to_string(const Rng& rng);
Rng rng_from_string(const std::string& state);  // UserError on a malformed state
// Uniform in [0, n) by rejection (unbiased, portable); n > 0.
uint64_t uniform_index(Rng& rng, uint64_t n);
// Uniform in [0, 1) with 53 random bits.
double uniform01(Rng& rng);

class SearchSpace {
 public:
  // UserError when no config of `knobs` is valid for (head_dim, limits).
  SearchSpace(int head_dim, ArchLimits limits, KnobValues knobs = {});

  int head_dim() const { return head_dim_; }
  const ArchLimits& limits() const { return limits_; }
  const KnobValues& knobs() const { return knobs_; }

  // Valid = every knob takes one of the space's values and the arch constraints hold.
  bool valid(const TileConfig& c) const { return why_invalid(c).empty(); }
  std::string why_invalid(const TileConfig& c) const;  // "" when valid
  const std::vector<TileConfig>& all_valid() const { return valid_; }  // stable order (valid_space)
  size_t size() const { return valid_.size(); }

  TileConfig random_valid(Rng& rng) const;
  // Moves 1-2 knobs to a neighbouring value, then repairs; differs from `c` whenever the space has
  // another config reachable that way.
  TileConfig mutate(const TileConfig& c, Rng& rng) const;
  // Each knob from a or b with probability 1/2, then repairs.
  TileConfig crossover(const TileConfig& a, const TileConfig& b, Rng& rng) const;
  // `c` itself when valid, else the valid config nearest by knob distance (ties: first in all_valid()).
  TileConfig repair(const TileConfig& c) const;
  // Sum over knobs of the distance between value positions in the knob's value list (x2, so a value
  // outside the list can sit half-way next to its nearest listed value).
  int distance(const TileConfig& a, const TileConfig& b) const;

  // {"family":"sm80","block_m":[64,128],...,"swizzle":[true,false],"q_in_regs":[false,true]}
  nlohmann::json knobs_json() const;
  Family family() const { return knobs_.family; }

 private:
  int num_knobs() const { return static_cast<int>(values_.size()); }
  int get(const TileConfig& c, int k) const { return c.knobs.at(k); }
  void set(TileConfig& c, int k, int v) const { c.knobs.at(k) = v; }
  int head_dim_;
  ArchLimits limits_;
  KnobValues knobs_;
  const std::vector<KnobDef>* defs_;
  std::vector<std::vector<int>> values_;  // per knob of the family, bools as 0/1
  std::vector<TileConfig> valid_;
};

}  // namespace attnlab
