#pragma once
// The producer warpgroup's mainloop: one thread issues every TMA load of the CTA. Per tile: Q (once the
// consumers released that Q/O buffer's previous tile) and K_j, V_j for the key blocks j in the order the
// consumers use them (last block first: the partial and diagonal blocks, which need masking, come first).
// With dynamic scheduling it also takes the tile indices and hands them to the consumers (sm90/scheduler.cuh).
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
  using Sched = TileScheduler<Cfg>;
  const bool dynamic = Sched::dynamic(p);
  RingState<Cfg::kStages> ring;
  int tile = Sched::static_tile(0);
  for (int q_iter = 0;; ++q_iter) {
    // A persistent CTA has two Q buffers: the next tile's Q (and then its first K/V blocks) load while the
    // consumers still finish this tile and store its O: a tile boundary does not drain the pipeline.
    const QSlot<Cfg> q(q_iter);
    const bool valid = Sched::valid(p, tile);
    if (dynamic) {
      mbar_wait(sm.q_empty(q.buffer), q.phase ^ 1u);
      st_shared_b32(sm.tile_slot(q.buffer), u32(valid ? tile : -1));
      if (!valid) {
        mbar_arrive(sm.q_full(q.buffer));  // no bytes: the consumers read -1 and stop
        Sched::finish(p);
        break;
      }
    } else {
      if (!valid) break;
      mbar_wait(sm.q_empty(q.buffer), q.phase ^ 1u);
    }
    const TileCoord t = Sched::coord(p, tile);
    const int head_k = t.head / p.base.heads_per_kv;
    mbar_arrive_expect_tx(sm.q_full(q.buffer), Cfg::kQBytes);
    load_tile_slabs<Cfg>(sm.q(q.buffer), Cfg::kSlabBytesQ, &p.tma_q, sm.q_full(q.buffer), t.m_block * Cfg::kBlockM,
                         t.head, t.batch);
    // The next index is taken now, so the atomic's latency hides under this tile's K/V loads.
    const int next = dynamic ? Sched::take_ticket(p) : Sched::static_tile(q_iter + 1);
    for (int j = kv_blocks<Cfg>(p.base, t.m_block) - 1; j >= 0; --j) {
      mbar_wait(sm.k_empty(ring.stage), ring.phase ^ 1u);
      mbar_arrive_expect_tx(sm.k_full(ring.stage), Cfg::kKVBytes);
      load_tile_slabs<Cfg>(sm.k(ring.stage), Cfg::kSlabBytesKV, &p.tma_k, sm.k_full(ring.stage), j * Cfg::kBlockN,
                           head_k, t.batch);
      mbar_wait(sm.v_empty(ring.stage), ring.phase ^ 1u);
      mbar_arrive_expect_tx(sm.v_full(ring.stage), Cfg::kKVBytes);
      load_tile_slabs<Cfg>(sm.v(ring.stage), Cfg::kSlabBytesKV, &p.tma_v, sm.v_full(ring.stage), j * Cfg::kBlockN,
                           head_k, t.batch);
      ring.advance();
    }
    tile = next;
  }
}

}  // namespace attnlab::sm90
