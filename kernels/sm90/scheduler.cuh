#pragma once
// Tile schedulers (one interface: start at this CTA's first tile, valid(), coord(), advance()).
//   grid (kPersistent = false): one tile per CTA from blockIdx; causal CTAs with more work start first.
//   persistent: grid = resident CTAs; CTA i takes tiles i, i + gridDim.x, ... of a fixed order. Causal:
//   heads in groups whose K/V fit in L2 together, longest tiles first inside a group; non-causal:
//   head-major, so CTAs running together share a head's K/V in L2.
//   clusters of 2 CTAs (grid only): grid.x is padded to even, the CTAs of a cluster (blockIdx.x 2c, 2c+1) take
//   the m-blocks {2k, 2k+1} of one (head, batch) in either order; when the m-block count is odd, one CTA of a
//   pair has the m-block past the end: it still loads its half of every K/V block and releases every stage (its
//   Q load is zero-filled, its O store clipped, its LSE not written).
// Producer and consumers of a CTA run the same sequence, so they never need to exchange tile indices.
#include "common/params.cuh"

namespace attnlab::sm90 {

struct TileCoord {
  int m_block, head, batch;
};

template <class Cfg>
struct TileScheduler {
  int tile;

  __device__ __forceinline__ TileScheduler() : tile(Cfg::kPersistent ? int(blockIdx.x) : 0) {}

  __device__ __forceinline__ bool valid(const Sm90FwdParams& p) const {
    return Cfg::kPersistent ? tile < p.total_tiles : tile == 0;
  }
  __device__ __forceinline__ void advance() { tile += Cfg::kPersistent ? int(gridDim.x) : 1; }

  __device__ __forceinline__ TileCoord coord(const Sm90FwdParams& p) const {
    const bool causal = p.base.causal != 0;
    if constexpr (!Cfg::kPersistent) {
      const int m = causal ? int(gridDim.x) - 1 - int(blockIdx.x) : int(blockIdx.x);
      return {m, int(blockIdx.y), int(blockIdx.z)};
    } else {
      const int heads = p.base.heads;
      const int per_round = p.total_tiles / p.m_blocks;  // heads * batch
      if (causal) {
        // Longest tiles first within groups of heads whose K/V fit in L2 together (p.group_heads, set by
        // the host): the CTAs running at once share K/V, and each round hands out tiles of similar length.
        const int g = p.group_heads;
        const int group = tile / (g * p.m_blocks), in_group = tile % (g * p.m_blocks);
        const int g_size = min(g, per_round - group * g);
        const int hb = group * g + in_group % g_size;
        return {p.m_blocks - 1 - in_group / g_size, hb % heads, hb / heads};
      }
      const int hb = tile / p.m_blocks;
      return {tile % p.m_blocks, hb % heads, hb / heads};
    }
  }
};

// Keys [0, n_end) are visible to at least one row of the tile; the mainloop walks them in BLOCK_N blocks.
// With a cluster both CTAs walk the same blocks (they share the loads): those of the pair's last m-block that
// exists, the most (causal; a lower tile's extra blocks are masked entirely, non-causal: all the same).
template <class Cfg>
__device__ __forceinline__ int kv_blocks(const FlashFwdParams& p, int m_block) {
  if constexpr (Cfg::kClusterM > 1) {
    const int m_blocks = (p.seqlen_q + Cfg::kBlockM - 1) / Cfg::kBlockM;
    m_block = min(m_block | (Cfg::kClusterM - 1), m_blocks - 1);
  }
  const int rows_valid = min(Cfg::kBlockM, p.seqlen_q - m_block * Cfg::kBlockM);
  const int n_end = p.causal ? max(0, min(p.seqlen_k, m_block * Cfg::kBlockM + rows_valid + p.seqlen_k - p.seqlen_q))
                             : p.seqlen_k;
  return (n_end + Cfg::kBlockN - 1) / Cfg::kBlockN;
}

}  // namespace attnlab::sm90
