#pragma once
// FlashAttention-2-style forward kernel for sm_80+ (mma.sync, ldmatrix, cp.async), one CTA per
// (BLOCK_M query rows, head, batch). Thin shell: pipeline + composition of the parts in this folder.
//
// Pipeline (STAGES K/V buffers; K_j and V_j are separate cp.async groups, Q is the first group):
//   prologue: issue tiles 0..S-2
//   iteration j: wait K_j, barrier | issue tile j+S-1 into the buffer freed by j-1 | S = QK_j^T, mask,
//                softmax | wait V_j, barrier | O += P V_j
// so while tile j is computed, tiles j+1..j+S-1 are in flight.
#include "common/mask.cuh"
#include "common/online_softmax.cuh"
#include "common/params.cuh"
#include "sm80/epilogue.cuh"
#include "sm80/gmem_loader.cuh"
#include "sm80/mainloop.cuh"
#include "sm80/tile_config.cuh"

namespace attnlab::sm80 {

// Causal is a runtime flag: it only moves the loop bound and the mask limit, so one instantiation
// serves both (half the NVRTC time, same SASS in the unmasked iterations).
// kMicro (the tile microbenchmark, `attnlab micro`): the same code, plus clock64 around the mainloop
// written per CTA to p.micro_cycles.
template <class Cfg, bool kMicro>
__device__ __forceinline__ void flash_fwd_impl(const FlashFwdParams& p, u16* smem) {
  const bool causal = p.causal != 0;
  constexpr int S = Cfg::kStages, BM = Cfg::kBlockM, BN = Cfg::kBlockN;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  // Causal CTAs with more work (higher rows) are launched first, so the tail of the grid is short.
  const int m_block = causal ? gridDim.x - 1 - blockIdx.x : blockIdx.x;
  const int head = blockIdx.y, batch = blockIdx.z, head_k = head / p.heads_per_kv;

  const u16* q = static_cast<const u16*>(p.q) + batch * p.q_batch_stride + head * p.q_head_stride +
                 (long long)m_block * BM * p.q_row_stride;
  const u16* k = static_cast<const u16*>(p.k) + batch * p.k_batch_stride + head_k * p.k_head_stride;
  const u16* v = static_cast<const u16*>(p.v) + batch * p.v_batch_stride + head_k * p.v_head_stride;
  u16* o = static_cast<u16*>(p.o) + batch * p.o_batch_stride + head * p.o_head_stride +
           (long long)m_block * BM * p.o_row_stride;
  // LSE is optional (the exported C API): null, nothing is written
  float* lse = p.lse ? p.lse + ((long long)batch * p.heads + head) * p.seqlen_q + (long long)m_block * BM : nullptr;

  const int rows_valid = min(BM, p.seqlen_q - m_block * BM);
  const int causal_offset = p.seqlen_k - p.seqlen_q;
  // Keys [0, n_end) are visible to at least one row of this block.
  const int n_end = causal ? max(0, min(p.seqlen_k, m_block * BM + rows_valid + causal_offset)) : p.seqlen_k;
  const int n_blocks = (n_end + BN - 1) / BN;

  u16* sQ = smem;
  u16* sK = sQ + Cfg::kSmemQ;
  u16* sV = sK + S * Cfg::kSmemKV;

  auto issue_kv = [&](int j) {
    if (j < n_blocks) {
      const int stage = j % S;
      load_tile_async<Cfg, BN>(sK + stage * Cfg::kSmemKV, k + (long long)j * BN * p.k_row_stride, p.k_row_stride,
                               p.seqlen_k - j * BN, k, tid);
      cp_async_commit();
      load_tile_async<Cfg, BN>(sV + stage * Cfg::kSmemKV, v + (long long)j * BN * p.v_row_stride, p.v_row_stride,
                               p.seqlen_k - j * BN, v, tid);
      cp_async_commit();
    } else {  // empty groups keep the wait counts constant
      cp_async_commit();
      cp_async_commit();
    }
  };

  load_tile_async<Cfg, BM>(sQ, q, p.q_row_stride, rows_valid, static_cast<const u16*>(p.q), tid);
  cp_async_commit();
#pragma unroll
  for (int j = 0; j < S - 1; ++j) issue_kv(j);

  float acc_o[Cfg::kMTiles][Cfg::kDTiles][4];
#pragma unroll
  for (int mt = 0; mt < Cfg::kMTiles; ++mt)
#pragma unroll
    for (int dt = 0; dt < Cfg::kDTiles; ++dt)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc_o[mt][dt][e] = 0.f;
  OnlineSoftmax<Cfg> softmax;
  softmax.init();
  QFragments<Cfg> q_frag;
  const int warp_row0 = warp * Cfg::kWarpM;
  const LdsmOffsets<Cfg> ldsm(lane);
  const u32 sQ_warp = smem_u32(sQ) + 2 * warp_row0 * Cfg::kRowElems;  // warp_row0 % 16 == 0: swizzle-neutral

  long long t_start = 0;
  if constexpr (kMicro) t_start = clock64();
  for (int j = 0; j < n_blocks; ++j) {
    cp_async_wait<2 * S - 3>();  // Q and K_j have landed
    __syncthreads();             // ... for every thread; and everyone is done with tile j-1's buffers
    if (j == 0) load_q_registers<Cfg>(q_frag, sQ_warp, ldsm);
    issue_kv(j + S - 1);

    float acc_s[Cfg::kMTiles][Cfg::kNTiles][4];
    gemm_qk<Cfg>(acc_s, q_frag, sQ_warp, smem_u32(sK + (j % S) * Cfg::kSmemKV), ldsm);
    const int col0 = j * BN;
    const bool needs_mask = col0 + BN > p.seqlen_k || (causal && col0 + BN - 1 > m_block * BM + causal_offset);
    if (needs_mask) apply_mask<Cfg>(acc_s, m_block * BM + warp_row0, col0, p.seqlen_k, causal ? causal_offset : p.seqlen_k, lane);
    softmax.update(acc_s, acc_o, p.scale_log2);

    cp_async_wait<2 * S - 2>();  // V_j has landed
    __syncthreads();
    gemm_pv<Cfg>(acc_o, acc_s, smem_u32(sV + (j % S) * Cfg::kSmemKV), ldsm);
  }
  cp_async_wait<0>();
  __syncthreads();  // all warps done with sQ/sK/sV before the epilogue reuses sQ
  if constexpr (kMicro) {
    if (tid == 0) p.micro_cycles[(blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x] = clock64() - t_start;
  }

  float inv[Cfg::kMTiles][2], row_lse[Cfg::kMTiles][2];
  softmax.finalize(inv, row_lse, p.scale_log2);
  store_output<Cfg>(acc_o, inv, row_lse, sQ, o, p.o_row_stride, lse, rows_valid, warp_row0, tid);
}

template <class Cfg, bool kMicro = false>
__device__ __forceinline__ void flash_fwd(const FlashFwdParams& p) {
  extern __shared__ __align__(128) u16 smem[];
  flash_fwd_impl<Cfg, kMicro>(p, smem);
}

}  // namespace attnlab::sm80
