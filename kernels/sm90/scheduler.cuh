#pragma once
// Tile schedulers. A tile index in [0, total_tiles) names (m_block, head, batch) through a fixed order (coord);
// the schedulers decide which CTA runs which index.
//   grid (kPersistent = false): one tile per CTA, index from blockIdx; causal CTAs with more work start first.
//   persistent, non-causal: grid = resident CTAs; CTA i takes tiles i, i + gridDim.x, ... (static); the order is
//   head-major, so CTAs running together share a head's K/V in L2.
//   persistent, causal: heads in groups whose K/V fit in L2 together, longest tiles first inside a group. Tiles
//   differ in length, so they are handed out dynamically: CTA i starts with tile i, then its producer takes the next
//   index from a global counter (p.tile_counter) when it loads a tile's Q, and passes each index to the consumer
//   warpgroups through a shared-memory slot of that Q buffer (read after q_full). A static round robin over this order
//   either balances badly or, with large groups, re-reads K/V from DRAM (H100, d=128 causal S=512: 235 MB read for
//   a 201 MB minimum, at the memory roof). Index -1 in the slot ends the consumers' loop.
//   clusters of 2 CTAs (grid only): grid.x is padded to even, the CTAs of a cluster (blockIdx.x 2c, 2c+1) take
//   the m-blocks {2k, 2k+1} of one (head, batch) in either order; when the m-block count is odd, one CTA of a
//   pair has the m-block past the end: it still loads its half of every K/V block and releases every stage (its
//   Q load is zero-filled, its O store clipped, its LSE not written).
// Producer and consumers of a CTA run the same sequence of tiles.
#include "common/params.cuh"

namespace attnlab::sm90 {

struct TileCoord {
  int m_block, head, batch;
};

template <class Cfg>
struct TileScheduler {
  // Dynamic hand-out (persistent causal with a counter); otherwise the static sequence.
  __device__ __forceinline__ static bool dynamic(const Sm90FwdParams& p) {
    return Cfg::kPersistent && p.base.causal != 0 && p.tile_counter != nullptr;
  }
  __device__ __forceinline__ static bool valid(const Sm90FwdParams& p, int tile) {
    return Cfg::kPersistent ? tile >= 0 && tile < p.total_tiles : tile == 0;
  }
  // The CTA's n-th tile in the static sequence (grid: 0 for n = 0, then none).
  __device__ __forceinline__ static int static_tile(int n) {
    return Cfg::kPersistent ? int(blockIdx.x) + n * int(gridDim.x) : (n == 0 ? 0 : -1);
  }
  // Dynamic: the next index (tiles [0, gridDim.x) are every CTA's first; tickets continue from there).
  __device__ __forceinline__ static int take_ticket(const Sm90FwdParams& p) {
    return int(gridDim.x) + atomicAdd(p.tile_counter, 1);
  }
  // Dynamic, after the CTA's last ticket: the launch's last CTA resets the counter for the next launch (all other
  // CTAs took their last ticket before counting themselves done).
  __device__ __forceinline__ static void finish(const Sm90FwdParams& p) {
    __threadfence();
    if (atomicAdd(p.tile_counter + 1, 1) == int(gridDim.x) - 1) {
      atomicExch(p.tile_counter, 0);
      atomicExch(p.tile_counter + 1, 0);
    }
  }

  __device__ __forceinline__ static TileCoord coord(const Sm90FwdParams& p, int tile) {
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
