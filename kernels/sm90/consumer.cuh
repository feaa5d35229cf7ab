#pragma once
// A consumer warpgroup's mainloop over its tiles: 64 query rows, every key block of the tile.
//
// Serial (kOverlap = false), per block j:     S = QK_j^T | wait | mask, softmax, rescale O | O += P V_j | wait
// Overlapped (kOverlap = true, FlashAttention-3's intra-warpgroup pipelining), per block j after the first:
//   issue S = QK_j^T; issue O += P_{j+1} V_{j+1} | wait S | mask, exponentiate S (the P V GEMM still runs)
//   | wait P V | rescale O, P_j = S
// Ping-pong (kPingPong): the warpgroups take turns issuing their GEMMs (named barriers 4..6, round robin),
// so one warpgroup's softmax runs while the other's GEMMs occupy the tensor cores.
// Key blocks are visited last to first; K and V stages are released (per warp) as soon as the GEMM that
// reads them has completed.
#include "common/mask.cuh"
#include "common/online_softmax.cuh"
#include "sm90/epilogue.cuh"
#include "sm90/gemm.cuh"

namespace attnlab::sm90 {

inline constexpr int kSchedulerBarrier0 = 4;  // named barriers 4..6

template <class Cfg>
struct PingPong {
  int wg;
  __device__ __forceinline__ void start() const {
    if constexpr (Cfg::kPingPong)
      if (wg == 0) named_barrier_arrive(kSchedulerBarrier0, 256);  // the first warpgroup lets itself go first
  }
  __device__ __forceinline__ void sync() const {
    if constexpr (Cfg::kPingPong) named_barrier_sync(kSchedulerBarrier0 + wg, 256);
  }
  __device__ __forceinline__ void arrive() const {
    if constexpr (Cfg::kPingPong) named_barrier_arrive(kSchedulerBarrier0 + (wg + 1) % Cfg::kConsumers, 256);
  }
};

// A K/V stage is released by lane 0 of every consumer warp (with a cluster, on both CTAs' barriers: EmptyBarrier).
template <int kClusterM>
__device__ __forceinline__ void release(EmptyBarrier<kClusterM> bar, int lane) {
  if (lane == 0) bar.release();
}

template <class Cfg, bool kMicro>
__device__ __forceinline__ void consumer_mainloop(const Sm90FwdParams& p, const SmemPlan<Cfg>& sm, int wg) {
  const FlashFwdParams& f = p.base;
  const int tid_wg = int(threadIdx.x) - 128 * (wg + 1), warp = tid_wg >> 5, lane = tid_wg & 31;
  const bool causal = f.causal != 0;
  const int causal_offset = f.seqlen_k - f.seqlen_q;
  const PingPong<Cfg> pp{wg};
  pp.start();
  RingState<Cfg::kStages> ring;
  long long cycles = 0;
  int q_iter = 0;
  int q_unreleased = -1;  // two Q buffers: the previous tile's buffer, released under this tile's first GEMM
  auto release_previous_q = [&] {
    if constexpr (Cfg::kQBuffers > 1)
      if (q_unreleased >= 0) {
        release_q_buffer(sm, q_unreleased, tid_wg);
        q_unreleased = -1;
      }
  };
  using Sched = TileScheduler<Cfg>;
  const bool dynamic = Sched::dynamic(p);
  for (;; ++q_iter) {
    const QSlot<Cfg> q(q_iter);
    int tile;
    if (dynamic) {  // the producer wrote this buffer's tile index before arming q_full
      mbar_wait(sm.q_full(q.buffer), q.phase);
      tile = int(ld_shared_b32(sm.tile_slot(q.buffer)));
    } else {
      tile = Sched::static_tile(q_iter);
    }
    if (!Sched::valid(p, tile)) break;
    const TileCoord t = Sched::coord(p, tile);
    const int n_blocks = kv_blocks<Cfg>(f, t.m_block);
    const int row0 = t.m_block * Cfg::kBlockM + wg * 64;  // this warpgroup's first query row
    const u32 sQ_wg = sm.q(q.buffer) + wg * 64 * 128;
    float o[1][Cfg::kDTiles][4], s[1][Cfg::kNTiles][4], alpha[1][2];
    PFragments<Cfg> P;
#pragma unroll
    for (int dt = 0; dt < Cfg::kDTiles; ++dt)
#pragma unroll
      for (int e = 0; e < 4; ++e) o[0][dt][e] = 0.f;
    OnlineSoftmax<Cfg> softmax;
    softmax.init();
    auto mask_if_needed = [&](int j) {
      const int col0 = j * Cfg::kBlockN;
      if (col0 + Cfg::kBlockN > f.seqlen_k || (causal && col0 + Cfg::kBlockN - 1 > row0 + causal_offset))
        apply_mask<Cfg>(s, row0 + 16 * warp, col0, f.seqlen_k, causal ? causal_offset : f.seqlen_k, lane);
    };
    auto issue_qk_block = [&](int stage, u32 phase) {
      mbar_wait(sm.k_full(stage), phase);
      fence_operand(s[0]);
      wgmma_fence();
      issue_qk<Cfg>(s[0], sQ_wg, sm.k(stage));
      wgmma_commit();
    };
    auto issue_pv_block = [&](int stage, u32 phase) {
      mbar_wait(sm.v_full(stage), phase);
      fence_operand(o[0]);
      fence_operand(P.a);
      wgmma_fence();
      issue_pv<Cfg>(o[0], P, sm.v(stage));
      wgmma_commit();
    };

    mbar_wait(sm.q_full(q.buffer), q.phase);
    long long t_start = 0;
    if constexpr (kMicro) t_start = clock64();
    if constexpr (Cfg::kOverlap) {
      if (n_blocks > 0) {
        pp.sync();
        issue_qk_block(ring.stage, ring.phase);
        pp.arrive();
        release_previous_q();
        wgmma_wait<0>();
        fence_operand(s[0]);
        release(sm.k_empty(ring.stage), lane);
        mask_if_needed(n_blocks - 1);
        softmax.exponentiate(s, f.scale_log2, alpha);  // O is still 0: nothing to rescale
        convert_p<Cfg>(P, s[0]);
        for (int j = n_blocks - 2; j >= 0; --j) {
          const RingState<Cfg::kStages> prev = ring;
          ring.advance();
          pp.sync();
          issue_qk_block(ring.stage, ring.phase);
          issue_pv_block(prev.stage, prev.phase);
          pp.arrive();
          wgmma_wait<1>();
          fence_operand(s[0]);
          release(sm.k_empty(ring.stage), lane);
          mask_if_needed(j);
          softmax.exponentiate(s, f.scale_log2, alpha);
          wgmma_wait<0>();
          fence_operand(o[0]);
          release(sm.v_empty(prev.stage), lane);
          OnlineSoftmax<Cfg>::rescale(o, alpha);
          convert_p<Cfg>(P, s[0]);
        }
        pp.sync();
        issue_pv_block(ring.stage, ring.phase);
        pp.arrive();
        wgmma_wait<0>();
        fence_operand(o[0]);
        release(sm.v_empty(ring.stage), lane);
        ring.advance();
      }
    } else {
      for (int j = n_blocks - 1; j >= 0; --j, ring.advance()) {
        pp.sync();
        issue_qk_block(ring.stage, ring.phase);
        pp.arrive();
        release_previous_q();
        wgmma_wait<0>();
        fence_operand(s[0]);
        release(sm.k_empty(ring.stage), lane);
        mask_if_needed(j);
        softmax.update(s, o, f.scale_log2);
        convert_p<Cfg>(P, s[0]);
        issue_pv_block(ring.stage, ring.phase);
        wgmma_wait<0>();
        fence_operand(o[0]);
        release(sm.v_empty(ring.stage), lane);
      }
    }
    if constexpr (kMicro) cycles += clock64() - t_start;
    release_previous_q();  // a tile without key blocks issued no GEMM
    store_tile<Cfg>(p, sm, o, softmax, t, q.buffer, wg, tid_wg);
    q_unreleased = q.buffer;
  }
  if (tid_wg == 0) tma_store_wait_all();
  if constexpr (kMicro) {
    if (wg == 0 && tid_wg == 0)
      f.micro_cycles[(blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x] = cycles;
  }
}

}  // namespace attnlab::sm90
