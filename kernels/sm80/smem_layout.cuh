#pragma once
// Shared-memory tile layout: rows of HEAD_DIM 16-bit elements. ldmatrix reads 8 rows at the same column,
// which with a 128/256/512-byte pitch would hit the same banks 8 times. Two cures, chosen by a knob:
//  - swizzle: the 16-byte chunk index is XORed with (row & 7): no padding, conflict-free;
//  - pad: each row is 16 bytes longer, so consecutive rows start 4 banks apart.
#include "common/types.cuh"

namespace attnlab::sm80 {

template <class Cfg>
struct SmemLayout {
  // Element offset of (row, col); col must be a multiple of 8 for 16-byte accesses, or any col inside
  // the chunk for scalar accesses.
  __device__ __forceinline__ static int offset(int row, int col) {
    if constexpr (Cfg::kSwizzle) {
      const int chunk = (col >> 3) ^ (row & 7);
      return row * Cfg::kHeadDim + (chunk << 3) + (col & 7);
    } else {
      return row * Cfg::kRowElems + col;
    }
  }

  // ldmatrix addressing without per-access index math. A lane reads row (row_base + lane_row), 16-byte
  // chunk (2*k16 + lane_chunk) for k16 = 0, 1, ... With row_base a multiple of 8 the swizzle depends only
  // on lane_row and on k16 % 4, so four lane offsets (computed once) plus compile-time immediates give
  // every address: offset = lane_off[k16 % 4] + 64 * (k16 / 4) + row_base * pitch.
  __device__ __forceinline__ static void lane_offsets(int (&lane_off)[4], int lane_row, int lane_chunk) {
#pragma unroll
    for (int i = 0; i < 4; ++i) lane_off[i] = offset(lane_row, (2 * i + lane_chunk) * 8);
  }
  __device__ __forceinline__ static int frag_offset(const int (&lane_off)[4], int row_base, int k16) {
    return lane_off[k16 & 3] + (k16 >> 2) * 64 + row_base * Cfg::kRowElems;
  }
};

}  // namespace attnlab::sm80
