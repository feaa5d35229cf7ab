#pragma once
// The two warpgroup GEMMs of one consumer warpgroup (64 query rows), issued asynchronously:
//   S(64 x BLOCK_N)   = Q(64 x d) K^T      A = Q from shared memory, B = K from shared memory (both K-major)
//   O(64 x d)        += P(64 x BLOCK_N) V  A = P from registers, B = V from shared memory (MN-major)
// Operands live in 128-byte-swizzled slabs of 64 columns; a k16 step inside a slab advances the start
// address by 32 bytes (K-major) or 16 rows = 2048 bytes (V).
#include "common/convert.cuh"
#include "common/warpgroup.cuh"
#include "common/wgmma_ops.cuh"

namespace attnlab::sm90 {

template <class Cfg>
struct PFragments {
  u32 a[Cfg::kBlockN / 16][4];  // A fragments of the k16 steps of P*V
};

// sQ_wg: this warpgroup's first Q row in slab 0; sK: the K stage.
template <class Cfg>
__device__ __forceinline__ void issue_qk(float (&s)[Cfg::kNTiles][4], u32 sQ_wg, u32 sK) {
#pragma unroll
  for (int kk = 0; kk < Cfg::kHeadDim / 16; ++kk) {
    const u32 off = (kk % 4) * 32;  // k16 step inside the 64-column slab
    const u64 a = smem_desc_sw128(sQ_wg + (kk / 4) * Cfg::kSlabBytesQ + off, 16, 1024);
    const u64 b = smem_desc_sw128(sK + (kk / 4) * Cfg::kSlabBytesKV + off, 16, 1024);
    wgmma_ss<Cfg::kBlockN, Cfg::kBF16>(s, a, b, kk > 0 ? 1 : 0);
  }
}

template <class Cfg>
__device__ __forceinline__ void issue_pv(float (&o)[Cfg::kDTiles][4], const PFragments<Cfg>& p, u32 sV) {
#pragma unroll
  for (int kk = 0; kk < Cfg::kBlockN / 16; ++kk) {
    const u64 b = smem_desc_sw128(sV + kk * 16 * 128, Cfg::kSlabBytesKV, 1024);
    wgmma_rs_tb<Cfg::kHeadDim, Cfg::kBF16>(o, p.a[kk], b, 1);
  }
}

// The S accumulator layout of two n8 blocks is exactly the A fragment layout of one k16 step.
template <class Cfg>
__device__ __forceinline__ void convert_p(PFragments<Cfg>& p, const float (&s)[Cfg::kNTiles][4]) {
#pragma unroll
  for (int kk = 0; kk < Cfg::kBlockN / 16; ++kk) {
    p.a[kk][0] = pack2<Cfg::kBF16>(s[2 * kk][0], s[2 * kk][1]);
    p.a[kk][1] = pack2<Cfg::kBF16>(s[2 * kk][2], s[2 * kk][3]);
    p.a[kk][2] = pack2<Cfg::kBF16>(s[2 * kk + 1][0], s[2 * kk + 1][1]);
    p.a[kk][3] = pack2<Cfg::kBF16>(s[2 * kk + 1][2], s[2 * kk + 1][3]);
  }
}

}  // namespace attnlab::sm90
