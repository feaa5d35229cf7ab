#pragma once
// FlashAttention-3-style forward kernel for sm_90a (wgmma, TMA, mbarriers, warp specialisation). Thin
// shell: shared-memory plan, barrier setup, and the split into roles.
//
//   warpgroup 0 (producer, setmaxnreg.dec): one thread issues TMA loads of Q and the K/V ring
//   warpgroups 1..C (consumers, setmaxnreg.inc): 64 query rows each; wgmma QK^T from shared memory,
//       online softmax in registers, wgmma P V with P from registers; O staged in smem, TMA store
//
//   producer:  Q ─► q_full[b]       K_j ─► k_full[s]      V_j ─► v_full[s]
//   consumers: q_full[b] ─► ... ─► q_empty[b] (after the O store read its buffer)
//              k_full[s] ─► S = QK^T ─► k_empty[s]      v_full[s] ─► O += PV ─► v_empty[s]
// Tiles come from sm90/scheduler.cuh (grid or persistent); both roles walk the same tile sequence.
//
// 2-CTA cluster (kClusterM = 2; adjacent m-blocks of one head): the two CTAs walk the same key blocks; each
// producer loads half of every K/V block's rows, multicast into both CTAs' stage (same offset), completing on
// both CTAs' full barrier (armed by each CTA's own producer for the whole block); each consumer warp releases a
// stage on both CTAs' empty barrier (2x arrivals), so neither producer refills a stage the other CTA still reads.
//   CTA r producer:  wait k_empty[s] (both CTAs' consumers) ─► arm k_full[s] (all bytes)
//                    ─► half r of K_j, multicast ─► k_full[s] of CTA 0 and 1
//   consumers:       k_full[s] (both halves) ─► S = QK^T ─► k_empty[s] of CTA 0 and 1       (V alike)
// Barrier init is published cluster-wide (fence.mbarrier_init.release.cluster + cluster barrier) before any
// multicast or remote arrival. No CTA leaves while its peer may still write its shared memory or arrive on its
// barriers: its producer first waits for both CTAs' releases of every stage (producer tail), then every thread of
// both CTAs meets at a cluster barrier.
#include "common/cluster.cuh"
#include "common/params.cuh"
#include "common/tma.cuh"
#include "common/warpgroup.cuh"
#include "sm90/consumer.cuh"
#include "sm90/producer.cuh"
#include "sm90/smem.cuh"
#include "sm90/tile_config.cuh"

namespace attnlab::sm90 {

// kMicro (the tile microbenchmark, `attnlab micro`): the same code, plus clock64 around the first
// consumer warpgroup's mainloop, summed over its tiles, written per CTA to p.base.micro_cycles.
template <class Cfg, bool kMicro = false>
__device__ __forceinline__ void flash_fwd(const Sm90FwdParams& p) {
  extern __shared__ __align__(1024) unsigned char smem[];
  const SmemPlan<Cfg> sm(smem);
  if (threadIdx.x == 0) {
    sm.init_barriers();
    tma_prefetch_descriptor(&p.tma_q);
    tma_prefetch_descriptor(&p.tma_k);
    tma_prefetch_descriptor(&p.tma_v);
    tma_prefetch_descriptor(&p.tma_o);
  }
  // Both CTAs' barriers are initialised before any remote use (the init fence is the release).
  if constexpr (Cfg::kClusterM > 1) cluster_sync_relaxed();
  else __syncthreads();
  const int wg = int(threadIdx.x) / 128;
  if (wg == 0) {
    if constexpr (Cfg::kProducerRegs > 0) setmaxnreg_dec<Cfg::kProducerRegs>();
    if (threadIdx.x == 0) producer_mainloop<Cfg>(p, sm);
    if constexpr (Cfg::kClusterM > 1) __syncwarp();  // warp 0 reconverged at the cluster barrier
  } else {
    if constexpr (Cfg::kConsumerRegs > 0) setmaxnreg_inc<Cfg::kConsumerRegs>();
    consumer_mainloop<Cfg, kMicro>(p, sm, wg - 1);
  }
  if constexpr (Cfg::kClusterM > 1) cluster_sync_relaxed();  // every thread of both CTAs, after the producer tail
}

}  // namespace attnlab::sm90
