#pragma once
// The producer warpgroup's mainloop: one thread issues every TMA load of the CTA. Per tile: Q (once the
// consumers released that Q/O buffer's previous tile) and K_j, V_j for the key blocks j in the order the
// consumers use them (last block first: the partial and diagonal blocks, which need masking, come first).
#include "common/tma.cuh"
#include "sm90/scheduler.cuh"
#include "sm90/smem.cuh"

namespace attnlab::sm90 {

template <class Cfg>
__device__ __forceinline__ void load_tile_slabs(u32 dst, int slab_bytes, const TmaDescriptor* map, u32 bar, int row,
                                                int head, int batch) {
#pragma unroll
  for (int s = 0; s < Cfg::kSlabs; ++s) tma_load_4d(dst + s * slab_bytes, map, bar, s * 64, row, head, batch);
}

template <class Cfg>
__device__ __forceinline__ void producer_mainloop(const Sm90FwdParams& p, const SmemPlan<Cfg>& sm) {
  RingState<Cfg::kStages> ring;
  int q_iter = 0;
  for (TileScheduler<Cfg> sched; sched.valid(p); sched.advance(), ++q_iter) {
    const TileCoord t = sched.coord(p);
    const int head_k = t.head / p.base.heads_per_kv;
    auto load_kv = [&](int j) {
      mbar_wait(sm.k_empty(ring.stage), ring.phase ^ 1u);
      mbar_arrive_expect_tx(sm.k_full(ring.stage), Cfg::kKVBytes);
      load_tile_slabs<Cfg>(sm.k(ring.stage), Cfg::kSlabBytesKV, &p.tma_k, sm.k_full(ring.stage), j * Cfg::kBlockN,
                           head_k, t.batch);
      mbar_wait(sm.v_empty(ring.stage), ring.phase ^ 1u);
      mbar_arrive_expect_tx(sm.v_full(ring.stage), Cfg::kKVBytes);
      load_tile_slabs<Cfg>(sm.v(ring.stage), Cfg::kSlabBytesKV, &p.tma_v, sm.v_full(ring.stage), j * Cfg::kBlockN,
                           head_k, t.batch);
      ring.advance();
    };
    // A persistent CTA has two Q buffers: the next tile's Q (and then its first K/V blocks) load while the
    // consumers still finish this tile and store its O: a tile boundary does not drain the pipeline.
    const QSlot<Cfg> q(q_iter);
    mbar_wait(sm.q_empty(q.buffer), q.phase ^ 1u);
    mbar_arrive_expect_tx(sm.q_full(q.buffer), Cfg::kQBytes);
    load_tile_slabs<Cfg>(sm.q(q.buffer), Cfg::kSlabBytesQ, &p.tma_q, sm.q_full(q.buffer), t.m_block * Cfg::kBlockM,
                         t.head, t.batch);
    for (int j = kv_blocks<Cfg>(p.base, t.m_block) - 1; j >= 0; --j) load_kv(j);
  }
}

}  // namespace attnlab::sm90
