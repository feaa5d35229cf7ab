#pragma once
// The producer warpgroup's mainloop: one thread issues every TMA load of the CTA. Per tile: Q (once the
// consumers released that Q/O buffer's previous tile) and K_j, V_j for the key blocks j in the order the
// consumers use them (last block first: the partial and diagonal blocks, which need masking, come first).
// With dynamic scheduling it also takes the tile indices and hands them to the consumers (sm90/scheduler.cuh).
// With a 2-CTA cluster each producer loads its CTA's half of the rows of every K/V block (kKVRowsPerCta rows of
// each slab, at rank * kKVRowsPerCta) multicast to both CTAs, and arms its own full barrier for the whole block:
// the peer's half completes bytes on it too, possibly before the arming (the transaction count may go negative;
// the phase cannot complete before the producer's arrival). A stage is refilled once the consumers of both
// CTAs released it (the empty barrier counts both); Q is loaded per CTA.
#include "common/cluster.cuh"
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

// A K/V block: the whole block, or with a cluster this CTA's rows of it, multicast to every CTA of the cluster.
template <class Cfg>
__device__ __forceinline__ void load_kv_slabs(u32 dst, const TmaDescriptor* map, u32 bar, int row, int head, int batch,
                                              u32 rank) {
  if constexpr (Cfg::kClusterM == 1) {
    load_tile_slabs<Cfg>(dst, Cfg::kSlabBytesKV, map, bar, row, head, batch);
  } else {
    const int r0 = int(rank) * Cfg::kKVRowsPerCta;  // a multiple of 8 rows: whole 1 KB swizzle atoms
#pragma unroll
    for (int s = 0; s < Cfg::kSlabs; ++s)
      tma_load_4d_multicast(dst + s * Cfg::kSlabBytesKV + r0 * 128, map, bar, s * 64, row + r0, head, batch,
                            u16((1u << Cfg::kClusterM) - 1));
  }
}

template <class Cfg>
__device__ __forceinline__ void producer_mainloop(const Sm90FwdParams& p, const SmemPlan<Cfg>& sm) {
  using Sched = TileScheduler<Cfg>;
  const bool dynamic = Sched::dynamic(p);
  const u32 rank = Cfg::kClusterM > 1 ? cluster_ctarank() : 0u;
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
    auto load_kv = [&](int j) {
      mbar_wait(sm.k_empty(ring.stage), ring.phase ^ 1u);
      mbar_arrive_expect_tx(sm.k_full(ring.stage), Cfg::kKVBytes);
      load_kv_slabs<Cfg>(sm.k(ring.stage), &p.tma_k, sm.k_full(ring.stage), j * Cfg::kBlockN, head_k, t.batch, rank);
      mbar_wait(sm.v_empty(ring.stage), ring.phase ^ 1u);
      mbar_arrive_expect_tx(sm.v_full(ring.stage), Cfg::kKVBytes);
      load_kv_slabs<Cfg>(sm.v(ring.stage), &p.tma_v, sm.v_full(ring.stage), j * Cfg::kBlockN, head_k, t.batch, rank);
      ring.advance();
    };
    const int n_blocks = kv_blocks<Cfg>(p.base, t.m_block);
    if constexpr (Cfg::kClusterM == 1) {
      for (int j = n_blocks - 1; j >= 0; --j) load_kv(j);
    } else {
#pragma unroll 1  // unrolled, the multicast loop spills in the producer's registers at d=256 (ptxas 13)
      for (int j = n_blocks - 1; j >= 0; --j) load_kv(j);
    }
    tile = next;
  }
  // Cluster tail (CUTLASS's producer_tail): wait until the consumers of both CTAs released the last use of every
  // stage. After that no peer arrival on this CTA's barriers is in flight, and every multicast into this CTA has
  // landed (its consumers waited for all bytes), so the CTA may exit.
  if constexpr (Cfg::kClusterM > 1) {
#pragma unroll 1
    for (int i = 0; i < Cfg::kStages; ++i, ring.advance()) {
      mbar_wait(sm.k_empty(ring.stage), ring.phase ^ 1u);
      mbar_wait(sm.v_empty(ring.stage), ring.phase ^ 1u);
    }
  }
}

}  // namespace attnlab::sm90
