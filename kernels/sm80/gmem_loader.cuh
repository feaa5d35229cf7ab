#pragma once
// Global -> shared tile copies with cp.async, 16 bytes per thread per step, rows past the sequence end
// zero-filled (so masked keys meet V rows of zeros, never garbage that could be NaN).
#include "common/cp_async.cuh"
#include "sm80/smem_layout.cuh"

namespace attnlab::sm80 {

// Copies ROWS x HEAD_DIM elements starting at `gmem` (row pitch `row_stride`) into `smem`; rows
// >= rows_valid are zero-filled. `fallback` is any valid global address (never read).
template <class Cfg, int ROWS>
__device__ __forceinline__ void load_tile_async(u16* smem, const u16* gmem, int row_stride, int rows_valid,
                                                const u16* fallback, int tid) {
  constexpr int kChunksPerRow = Cfg::kHeadDim / 8;
  static_assert(Cfg::kThreads % kChunksPerRow == 0, "threads cover whole rows");
  constexpr int kRowsPerStep = Cfg::kThreads / kChunksPerRow;
  constexpr int kIters = ROWS / kRowsPerStep;
  static_assert(ROWS % kRowsPerStep == 0, "tile rows split evenly");
  const int row0 = tid / kChunksPerRow;
  const int col = (tid % kChunksPerRow) * 8;
  // One running pointer instead of kIters precomputed addresses keeps register use flat.
  const u16* src = gmem + (long long)row0 * row_stride + col;
  const long long step = (long long)kRowsPerStep * row_stride;
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    const int row = row0 + it * kRowsPerStep;
    const bool valid = row < rows_valid;
    cp_async_16(smem_u32(smem + SmemLayout<Cfg>::offset(row, col)), valid ? src : fallback, valid ? 16 : 0);
    src += step;
  }
}

}  // namespace attnlab::sm80
