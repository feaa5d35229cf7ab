#pragma once
// The sm90 family's knobs as a typed view of a config (private to family_sm90.cpp and family_sm90_launch.cpp).
#include "backends/custom/tile_config.hpp"

namespace attnlab::sm90_family {

// The knobs in declaration order (FamilySpec::knobs below), read from a config of this family.
struct Knobs {
  int block_m, block_n, stages;
  bool pingpong, overlap, persistent;
  int cluster;
  explicit Knobs(const TileConfig& c)
      : block_m(c.knobs.at(0)), block_n(c.knobs.at(1)), stages(c.knobs.at(2)), pingpong(c.knobs.at(3) != 0),
        overlap(c.knobs.at(4) != 0), persistent(c.knobs.at(5) != 0), cluster(c.knobs.at(6)) {}
};

}  // namespace attnlab::sm90_family
