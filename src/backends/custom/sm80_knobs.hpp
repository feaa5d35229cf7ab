#pragma once
// The sm80 family's knobs as a typed view of a config (private to family_sm80.cpp and family_sm80_launch.cpp).
#include "backends/custom/tile_config.hpp"

namespace attnlab::sm80_family {

// The knobs in declaration order (FamilySpec::knobs below), read from a config of this family.
struct Knobs {
  int block_m, block_n, num_warps, stages;
  bool swizzle, q_in_regs;
  explicit Knobs(const TileConfig& c)
      : block_m(c.knobs.at(0)), block_n(c.knobs.at(1)), num_warps(c.knobs.at(2)), stages(c.knobs.at(3)),
        swizzle(c.knobs.at(4) != 0), q_in_regs(c.knobs.at(5) != 0) {}
};

}  // namespace attnlab::sm80_family
