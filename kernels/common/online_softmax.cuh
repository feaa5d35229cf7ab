#pragma once
// Online softmax in fp32 over a warp's rows, shared by the kernel families. Cfg provides kMTiles (m16
// tiles per warp), kNTiles (n8 tiles of S) and kDTiles (n8 tiles of O); fragments are in the mma/wgmma
// accumulator layout (s[mt][nt][0..1] row g, [2..3] row g+8). Each thread holds two rows per m16 tile (g and g+8) and a
// quarter of their columns; the running max is quad-reduced every tile, the running sum only at the end.
// Exponentials are exp2 with the scale folded in: p = 2^(s*scale_log2 - m*scale_log2), one FFMA + EX2.
#include "common/math.cuh"

namespace attnlab {

template <class Cfg>
struct OnlineSoftmax {
  float row_max[Cfg::kMTiles][2];
  float row_sum[Cfg::kMTiles][2];  // per-thread partial sums

  __device__ __forceinline__ void init() {
#pragma unroll
    for (int mt = 0; mt < Cfg::kMTiles; ++mt)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        row_max[mt][h] = -pos_inf();
        row_sum[mt][h] = 0.f;
      }
  }

  // Turns scores s into probabilities (in place) against the new running max and updates the running
  // sums; alpha receives the factor by which the output accumulator must be rescaled. Split from
  // rescale() so a kernel can exponentiate while a P*V product that still reads O is in flight.
  __device__ __forceinline__ void exponentiate(float (&s)[Cfg::kMTiles][Cfg::kNTiles][4], float scale_log2,
                                               float (&alpha)[Cfg::kMTiles][2]) {
#pragma unroll
    for (int mt = 0; mt < Cfg::kMTiles; ++mt) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        float mx = row_max[mt][h];
#pragma unroll
        for (int nt = 0; nt < Cfg::kNTiles; ++nt) mx = fmaxf(mx, fmaxf(s[mt][nt][2 * h], s[mt][nt][2 * h + 1]));
        mx = quad_max(mx);
        // A row with every key masked so far keeps max = -inf; use 0 so -inf - (-inf) never makes NaN.
        const float mx_scaled = mx == -pos_inf() ? 0.f : mx * scale_log2;
        alpha[mt][h] = ex2_approx(row_max[mt][h] * scale_log2 - mx_scaled);
        row_max[mt][h] = mx;
        float sum = 0.f;
#pragma unroll
        for (int nt = 0; nt < Cfg::kNTiles; ++nt) {
#pragma unroll
          for (int e = 0; e < 2; ++e) {
            const float p = ex2_approx(fmaf(s[mt][nt][2 * h + e], scale_log2, -mx_scaled));
            s[mt][nt][2 * h + e] = p;
            sum += p;
          }
        }
        row_sum[mt][h] = row_sum[mt][h] * alpha[mt][h] + sum;
      }
    }
  }

  __device__ __forceinline__ static void rescale(float (&o)[Cfg::kMTiles][Cfg::kDTiles][4],
                                                 const float (&alpha)[Cfg::kMTiles][2]) {
#pragma unroll
    for (int mt = 0; mt < Cfg::kMTiles; ++mt)
#pragma unroll
      for (int dt = 0; dt < Cfg::kDTiles; ++dt) {
        o[mt][dt][0] *= alpha[mt][0];
        o[mt][dt][1] *= alpha[mt][0];
        o[mt][dt][2] *= alpha[mt][1];
        o[mt][dt][3] *= alpha[mt][1];
      }
  }

  // Turns scores s into probabilities (in place) and rescales the output accumulator o.
  __device__ __forceinline__ void update(float (&s)[Cfg::kMTiles][Cfg::kNTiles][4],
                                         float (&o)[Cfg::kMTiles][Cfg::kDTiles][4], float scale_log2) {
    float alpha[Cfg::kMTiles][2];
    exponentiate(s, scale_log2, alpha);
    rescale(o, alpha);
  }

  // Final normaliser per (mt, h): 1/sum (0 for rows with no visible key) and the natural-log LSE
  // (+inf for such rows, the FlashAttention convention, so exp(s - lse) is 0 in a backward pass).
  __device__ __forceinline__ void finalize(float (&inv)[Cfg::kMTiles][2], float (&lse)[Cfg::kMTiles][2],
                                           float scale_log2) {
#pragma unroll
    for (int mt = 0; mt < Cfg::kMTiles; ++mt) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const float sum = quad_sum(row_sum[mt][h]);
        const bool empty = !(sum > 0.f);
        inv[mt][h] = empty ? 0.f : 1.f / sum;
        lse[mt][h] = empty ? pos_inf() : (row_max[mt][h] * scale_log2 + __log2f(sum)) * 0.6931471805599453f;
      }
    }
  }
};

}  // namespace attnlab
