#pragma once
// Epilogue: normalise O, convert to the input dtype, stage it through shared memory (the Q tile's space)
// and write 16-byte coalesced rows to global memory; write LSE. Rows past seqlen_q are not written.
#include "common/convert.cuh"
#include "sm80/smem_layout.cuh"

namespace attnlab::sm80 {

template <class Cfg>
__device__ __forceinline__ void store_output(float (&o)[Cfg::kMTiles][Cfg::kDTiles][4],
                                             const float (&inv)[Cfg::kMTiles][2],
                                             const float (&lse)[Cfg::kMTiles][2], u16* s_out, u16* o_gmem,
                                             int o_row_stride, float* lse_gmem, int rows_valid, int warp_row0,
                                             int tid) {
  using Layout = SmemLayout<Cfg>;
  const int lane = tid & 31, g = lane >> 2, t = lane & 3;
#pragma unroll
  for (int mt = 0; mt < Cfg::kMTiles; ++mt) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int row = warp_row0 + mt * 16 + g + h * 8;
#pragma unroll
      for (int dt = 0; dt < Cfg::kDTiles; ++dt) {
        const u32 packed = pack2<Cfg::kBF16>(o[mt][dt][2 * h] * inv[mt][h], o[mt][dt][2 * h + 1] * inv[mt][h]);
        *reinterpret_cast<u32*>(s_out + Layout::offset(row, dt * 8 + 2 * t)) = packed;
      }
      if (lse_gmem && t == 0 && row < rows_valid) lse_gmem[row] = lse[mt][h];
    }
  }
  __syncthreads();
  constexpr int kChunksPerRow = Cfg::kHeadDim / 8;
  constexpr int kIters = Cfg::kBlockM * kChunksPerRow / Cfg::kThreads;
#pragma unroll
  for (int it = 0; it < kIters; ++it) {
    const int idx = it * Cfg::kThreads + tid;
    const int row = idx / kChunksPerRow;
    const int col = (idx % kChunksPerRow) * 8;
    if (row < rows_valid)
      *reinterpret_cast<uint4*>(o_gmem + (long long)row * o_row_stride + col) =
          *reinterpret_cast<const uint4*>(s_out + Layout::offset(row, col));
  }
}

}  // namespace attnlab::sm80
