#pragma once
// Masking of one S tile, shared by the kernel families (a warp's kMTiles x kNTiles accumulator fragments): keys past the sequence end,
// and for causal attention keys after the query's bottom-right-aligned diagonal, become -inf.
#include "common/math.cuh"

namespace attnlab {

// row0: global query index of this warp's first row; col0: global key index of the tile's first key;
// causal_offset = seqlen_k - seqlen_q (key j is visible to query i iff j <= i + causal_offset); pass
// causal_offset >= seqlen_k for non-causal attention (then only the sequence end masks).
template <class Cfg>
__device__ __forceinline__ void apply_mask(float (&s)[Cfg::kMTiles][Cfg::kNTiles][4], int row0, int col0,
                                           int seqlen_k, int causal_offset, int lane) {
  const int g = lane >> 2, t = lane & 3;
#pragma unroll
  for (int mt = 0; mt < Cfg::kMTiles; ++mt) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int row = row0 + mt * 16 + g + h * 8;
      const int limit = min(seqlen_k, row + causal_offset + 1);  // first masked key
#pragma unroll
      for (int nt = 0; nt < Cfg::kNTiles; ++nt) {
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int col = col0 + nt * 8 + 2 * t + e;
          if (col >= limit) s[mt][nt][h * 2 + e] = -pos_inf();
        }
      }
    }
  }
}

}  // namespace attnlab
