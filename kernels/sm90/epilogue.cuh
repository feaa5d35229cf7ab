#pragma once
// Epilogue of one consumer warpgroup: normalise O, convert to the input dtype, stage it in the
// warpgroup's own rows of the Q buffer (same 128-byte-swizzled slabs, so 8 rows x 16 bytes per warp
// store: conflict-free), and write it with one TMA store per slab (rows past seqlen_q are clipped by TMA).
// LSE goes straight to global memory. Then the Q buffer is released to the producer (q_empty of that buffer):
// at once with one Q buffer, under the next tile's first GEMM with two (release_q_buffer).
#include "common/convert.cuh"
#include "common/online_softmax.cuh"
#include "common/st_shared.cuh"
#include "common/tma.cuh"
#include "common/warpgroup.cuh"
#include "sm90/scheduler.cuh"
#include "sm90/smem.cuh"

namespace attnlab::sm90 {

inline constexpr int kEpilogueBarrier0 = 1;  // named barriers 1..3: one per consumer warpgroup

// Once the O store has read the buffer, the producer may load another tile's Q into it. With two Q buffers
// the consumer calls this under its next tile's first GEMM, so the wait for the store's read costs nothing.
template <class Cfg>
__device__ __forceinline__ void release_q_buffer(const SmemPlan<Cfg>& sm, int q_buffer, int tid_wg) {
  if (tid_wg == 0) {
    tma_store_wait_read();
    mbar_arrive(sm.q_empty(q_buffer));
  }
}

template <class Cfg>
__device__ __forceinline__ void store_tile(const Sm90FwdParams& p, const SmemPlan<Cfg>& sm,
                                           const float (&o)[1][Cfg::kDTiles][4], OnlineSoftmax<Cfg>& softmax,
                                           const TileCoord& t, int q_buffer, int wg, int tid_wg) {
  const FlashFwdParams& f = p.base;
  float inv[1][2], lse[1][2];
  softmax.finalize(inv, lse, f.scale_log2);
  const int warp = tid_wg >> 5, lane = tid_wg & 31, g = lane >> 2, t4 = lane & 3;
  const u32 s_rows = sm.q(q_buffer) + wg * 64 * 128;  // this warpgroup's 64 rows in slab 0
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const int r = 16 * warp + g + 8 * h;  // row within the warpgroup; (64*wg + r) % 8 == g
#pragma unroll
    for (int dt = 0; dt < Cfg::kDTiles; ++dt) {
      const u32 addr = s_rows + (dt / 8) * Cfg::kSlabBytesQ + r * 128 + (((dt % 8) ^ g) << 4) + t4 * 4;
      st_shared_b32(addr, pack2<Cfg::kBF16>(o[0][dt][2 * h] * inv[0][h], o[0][dt][2 * h + 1] * inv[0][h]));
    }
    const int row = t.m_block * Cfg::kBlockM + wg * 64 + r;
    if (f.lse && t4 == 0 && row < f.seqlen_q) f.lse[((long long)t.batch * f.heads + t.head) * f.seqlen_q + row] = lse[0][h];
  }
  fence_proxy_async_smem();
  named_barrier_sync(kEpilogueBarrier0 + wg, 128);
  if (tid_wg == 0) {
#pragma unroll
    for (int s = 0; s < Cfg::kSlabs; ++s)
      tma_store_4d(&p.tma_o, s_rows + s * Cfg::kSlabBytesQ, s * 64, t.m_block * Cfg::kBlockM + wg * 64, t.head, t.batch);
    tma_store_commit();
  }
  if constexpr (Cfg::kQBuffers == 1) release_q_buffer(sm, q_buffer, tid_wg);
}

}  // namespace attnlab::sm90
