#pragma once
// Host side of the sm90 family's arguments: the four TMA tensor maps (Q, K, V loads; O store) encoded
// with cuTensorMapEncodeTiled for one problem and set of tensors, and the tile count. K/V boxes are BLOCK_N rows,
// or BLOCK_N / cluster rows with a cluster (each CTA loads its share of a block, multicast).
#include "backends/custom/flash_params.hpp"
#include "backends/custom/tile_config.hpp"

namespace attnlab {

// Throws UserError when a tensor is not 16-byte aligned (TMA's requirement).
Sm90FwdParams make_sm90_params(const AttnProblem& p, const AttnTensors& t, const TileConfig& cfg);
// Persistent causal schedule: (batch, head) pairs per group (>= 1), from the K/V bytes and the key length.
int causal_group_heads(const AttnProblem& p);

}  // namespace attnlab
