#pragma once
// The two tile GEMMs of one mainloop iteration, per warp:
//   S(kWarpM x kBlockN) = Q(kWarpM x d) K^T   A from Q (registers or smem), B from K via ldmatrix
//   O(kWarpM x d)     += P(kWarpM x kBlockN) V   A from the probabilities in registers, B from V via
//                                                ldmatrix.trans
// Every warp reads the whole K/V tile; warps split the query rows (FlashAttention-2).
#include "common/convert.cuh"
#include "common/cp_async.cuh"
#include "common/ldmatrix.cuh"
#include "common/mma_sm80.cuh"
#include "sm80/smem_layout.cuh"

namespace attnlab::sm80 {

template <class Cfg>
struct QFragments {
  // Only materialised when Q lives in registers; otherwise a zero-size placeholder.
  u32 a[Cfg::kQInRegs ? Cfg::kMTiles : 1][Cfg::kQInRegs ? Cfg::kHeadDim / 16 : 1][4];
};

// Lane offsets of the three ldmatrix patterns (see SmemLayout::lane_offsets), computed once per thread.
template <class Cfg>
struct LdsmOffsets {
  int q[4], k[4], v[4];
  __device__ __forceinline__ explicit LdsmOffsets(int lane) {
    using L = SmemLayout<Cfg>;
    // A (Q) and B^T (V, transposed): matrices (rows 0-7, k 0-7), (rows 8-15, k 0-7), (rows 0-7, k 8-15), ...
    L::lane_offsets(q, lane & 15, lane >> 4);
    L::lane_offsets(v, lane & 15, lane >> 4);
    // B (K): matrices (keys 0-7, k 0-7), (keys 0-7, k 8-15), (keys 8-15, k 0-7), (keys 8-15, k 8-15)
    L::lane_offsets(k, (lane & 7) + (lane >> 4) * 8, (lane >> 3) & 1);
  }
};

template <class Cfg>
__device__ __forceinline__ void load_q_fragment(u32 (&a)[4], u32 sQ_warp, const LdsmOffsets<Cfg>& off, int mt,
                                                int kk) {
  ldmatrix_x4(a, sQ_warp + 2 * SmemLayout<Cfg>::frag_offset(off.q, mt * 16, kk));
}

template <class Cfg>
__device__ __forceinline__ void load_q_registers(QFragments<Cfg>& q, u32 sQ_warp, const LdsmOffsets<Cfg>& off) {
  if constexpr (Cfg::kQInRegs) {
#pragma unroll
    for (int mt = 0; mt < Cfg::kMTiles; ++mt)
#pragma unroll
      for (int kk = 0; kk < Cfg::kHeadDim / 16; ++kk) load_q_fragment<Cfg>(q.a[mt][kk], sQ_warp, off, mt, kk);
  }
}

template <class Cfg>
__device__ __forceinline__ void gemm_qk(float (&s)[Cfg::kMTiles][Cfg::kNTiles][4], const QFragments<Cfg>& q,
                                        u32 sQ_warp, u32 sK, const LdsmOffsets<Cfg>& off) {
#pragma unroll
  for (int mt = 0; mt < Cfg::kMTiles; ++mt)
#pragma unroll
    for (int nt = 0; nt < Cfg::kNTiles; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[mt][nt][e] = 0.f;

#pragma unroll
  for (int kk = 0; kk < Cfg::kHeadDim / 16; ++kk) {
    u32 a[Cfg::kMTiles][4];
#pragma unroll
    for (int mt = 0; mt < Cfg::kMTiles; ++mt) {
      if constexpr (Cfg::kQInRegs) {
#pragma unroll
        for (int i = 0; i < 4; ++i) a[mt][i] = q.a[mt][kk][i];
      } else {
        load_q_fragment<Cfg>(a[mt], sQ_warp, off, mt, kk);
      }
    }
#pragma unroll
    for (int np = 0; np < Cfg::kBlockN / 16; ++np) {
      u32 b[4];
      ldmatrix_x4(b, sK + 2 * SmemLayout<Cfg>::frag_offset(off.k, np * 16, kk));
#pragma unroll
      for (int mt = 0; mt < Cfg::kMTiles; ++mt) {
        mma_16816<Cfg::kBF16>(s[mt][2 * np], a[mt], b[0], b[1]);
        mma_16816<Cfg::kBF16>(s[mt][2 * np + 1], a[mt], b[2], b[3]);
      }
    }
  }
}

template <class Cfg>
__device__ __forceinline__ void gemm_pv(float (&o)[Cfg::kMTiles][Cfg::kDTiles][4],
                                        const float (&p)[Cfg::kMTiles][Cfg::kNTiles][4], u32 sV,
                                        const LdsmOffsets<Cfg>& off) {
#pragma unroll
  for (int kk = 0; kk < Cfg::kBlockN / 16; ++kk) {
    // The S accumulator layout of two n8 tiles is exactly the A fragment layout of one k16 step.
    u32 a[Cfg::kMTiles][4];
#pragma unroll
    for (int mt = 0; mt < Cfg::kMTiles; ++mt) {
      a[mt][0] = pack2<Cfg::kBF16>(p[mt][2 * kk][0], p[mt][2 * kk][1]);
      a[mt][1] = pack2<Cfg::kBF16>(p[mt][2 * kk][2], p[mt][2 * kk][3]);
      a[mt][2] = pack2<Cfg::kBF16>(p[mt][2 * kk + 1][0], p[mt][2 * kk + 1][1]);
      a[mt][3] = pack2<Cfg::kBF16>(p[mt][2 * kk + 1][2], p[mt][2 * kk + 1][3]);
    }
#pragma unroll
    for (int dp = 0; dp < Cfg::kHeadDim / 16; ++dp) {
      u32 b[4];
      ldmatrix_x4_trans(b, sV + 2 * SmemLayout<Cfg>::frag_offset(off.v, kk * 16, dp));
#pragma unroll
      for (int mt = 0; mt < Cfg::kMTiles; ++mt) {
        mma_16816<Cfg::kBF16>(o[mt][2 * dp], a[mt], b[0], b[1]);
        mma_16816<Cfg::kBF16>(o[mt][2 * dp + 1], a[mt], b[2], b[3]);
      }
    }
  }
}

}  // namespace attnlab::sm80
