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
  __syncthreads();
  const int wg = int(threadIdx.x) / 128;
  if (wg == 0) {
    if constexpr (Cfg::kProducerRegs > 0) setmaxnreg_dec<Cfg::kProducerRegs>();
    if (threadIdx.x == 0) producer_mainloop<Cfg>(p, sm);
  } else {
    if constexpr (Cfg::kConsumerRegs > 0) setmaxnreg_inc<Cfg::kConsumerRegs>();
    consumer_mainloop<Cfg, kMicro>(p, sm, wg - 1);
  }
}

}  // namespace attnlab::sm90
