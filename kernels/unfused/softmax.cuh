#pragma once
// Row softmax of the unfused attention path: P = softmax(S) with the causal mask, LSE = max + log(sum).
// One CTA per row (grid-stride over rows), two passes over the row:
//   1. each thread keeps an online (max, sum) over its float4 chunks of the visible keys; the pairs are
//      merged across the CTA in a fixed order (so the result is bitwise deterministic);
//   2. P[j] = exp(S[j] - max) / sum for visible j, 0 for masked j, rounded to the input dtype.
// A row with no visible key (causal, seqlen_q > seqlen_k) gets P = 0 and LSE = +inf, like the custom kernel.
// exp is ex2.approx on log2(e)-scaled differences (relative error ~2^-22, far below the bf16/fp16 rounding of
// P); the LSE uses the accurate logf.
#include "common/convert.cuh"
#include "common/math.cuh"
#include "unfused/softmax_params.cuh"

namespace attnlab::unfused {

constexpr int kThreads = 128;
constexpr float kLog2e = 1.4426950408889634f;

// Merges the online-softmax state (m2, l2) into (m, l); m == -inf means "nothing seen yet".
__device__ __forceinline__ void merge(float& m, float& l, float m2, float l2) {
  const float mn = fmaxf(m, m2);
  if (mn == -pos_inf()) return;  // both empty
  l = (m == -pos_inf() ? 0.f : l * ex2_approx((m - mn) * kLog2e)) +
      (m2 == -pos_inf() ? 0.f : l2 * ex2_approx((m2 - mn) * kLog2e));
  m = mn;
}

template <bool kBF16>
__device__ void softmax_rows(const UnfusedSoftmaxParams& p) {
  __shared__ float red_m[kThreads / 32], red_l[kThreads / 32];
  __shared__ float row_m, row_l;
  for (long long r = blockIdx.x; r < p.rows; r += gridDim.x) {
    const int i = int(r % p.seqlen_q);
    const int n_vis = p.causal ? max(0, min(p.seqlen_k, i + p.seqlen_k - p.seqlen_q + 1)) : p.seqlen_k;
    const float* srow = p.s + r * p.ld_s;

    // Pass 1: online max / sum of exp over the visible keys, 4 at a time (rows are 16-byte aligned).
    float m = -pos_inf(), l = 0.f;
    for (int j = threadIdx.x * 4; j < n_vis; j += kThreads * 4) {
      const float4 v = *reinterpret_cast<const float4*>(srow + j);
      const float x[4] = {v.x, j + 1 < n_vis ? v.y : -pos_inf(), j + 2 < n_vis ? v.z : -pos_inf(),
                          j + 3 < n_vis ? v.w : -pos_inf()};
      const float mc = fmaxf(fmaxf(x[0], x[1]), fmaxf(x[2], x[3]));  // x[0] is visible: mc is finite
      float lc = 0.f;
      for (int t = 0; t < 4; ++t) lc += ex2_approx((x[t] - mc) * kLog2e);  // exp(-inf) = 0
      merge(m, l, mc, lc);
    }
    for (int o = 16; o > 0; o >>= 1) {
      const float m2 = __shfl_xor_sync(0xffffffffu, m, o), l2 = __shfl_xor_sync(0xffffffffu, l, o);
      merge(m, l, m2, l2);
    }
    if ((threadIdx.x & 31) == 0) {
      red_m[threadIdx.x >> 5] = m;
      red_l[threadIdx.x >> 5] = l;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      float bm = red_m[0], bl = red_l[0];
      for (int w = 1; w < kThreads / 32; ++w) merge(bm, bl, red_m[w], red_l[w]);
      row_m = bm;
      row_l = bl;
      p.lse[r] = bl > 0.f ? bm + logf(bl) : pos_inf();
    }
    __syncthreads();
    const float rm = row_m, inv = row_l > 0.f ? 1.f / row_l : 0.f;

    // Pass 2: P in the input dtype, zeros for masked keys and for the padding up to a multiple of 4.
    u16* prow = static_cast<u16*>(p.p) + r * p.ld_p;
    for (int j = threadIdx.x * 4; j < p.seqlen_k; j += kThreads * 4) {
      float e[4] = {0.f, 0.f, 0.f, 0.f};
      if (j < n_vis) {
        const float4 v = *reinterpret_cast<const float4*>(srow + j);
        const float x[4] = {v.x, v.y, v.z, v.w};
        for (int t = 0; t < 4; ++t) e[t] = j + t < n_vis ? ex2_approx((x[t] - rm) * kLog2e) * inv : 0.f;
      }
      *reinterpret_cast<uint2*>(prow + j) = make_uint2(pack2<kBF16>(e[0], e[1]), pack2<kBF16>(e[2], e[3]));
    }
    __syncthreads();  // row_m / row_l are rewritten for the next row
  }
}

}  // namespace attnlab::unfused

extern "C" __global__ void __launch_bounds__(attnlab::unfused::kThreads)
    attnlab_unfused_softmax_bf16(const UnfusedSoftmaxParams p) {
  attnlab::unfused::softmax_rows<true>(p);
}
extern "C" __global__ void __launch_bounds__(attnlab::unfused::kThreads)
    attnlab_unfused_softmax_f16(const UnfusedSoftmaxParams p) {
  attnlab::unfused::softmax_rows<false>(p);
}
