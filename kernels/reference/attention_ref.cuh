#pragma once
// Simple GPU reference: fp32 everywhere, no tensor cores, exact expf. One CTA of 128 threads per
// (query row, head, batch); keys are processed in chunks of kChunk with an online softmax across chunks.
// Slow but obviously right; checked against the CPU fp64 reference by the test suite.
#include "common/convert.cuh"
#include "common/params.cuh"

namespace attnlab::reference {

constexpr int kThreads = 128;
constexpr int kChunk = 512;
constexpr int kMaxDim = 256;

__device__ __forceinline__ float block_reduce(float x, float* scratch, bool is_max) {
  for (int o = 16; o > 0; o >>= 1) {
    float y = __shfl_xor_sync(0xffffffffu, x, o);
    x = is_max ? fmaxf(x, y) : x + y;
  }
  if ((threadIdx.x & 31) == 0) scratch[threadIdx.x >> 5] = x;
  __syncthreads();
  float r = scratch[0];
  for (int w = 1; w < kThreads / 32; ++w) r = is_max ? fmaxf(r, scratch[w]) : r + scratch[w];
  __syncthreads();
  return r;
}

template <bool kBF16>
__device__ void attention_ref_row(const FlashFwdParams& p, int head_dim) {
  __shared__ float q_row[kMaxDim];
  __shared__ float scores[kChunk];
  __shared__ float scratch[kThreads / 32];
  const int i = blockIdx.x, head = blockIdx.y, batch = blockIdx.z, head_k = head / p.heads_per_kv;
  const u16* q = static_cast<const u16*>(p.q) + batch * p.q_batch_stride + head * p.q_head_stride +
                 (long long)i * p.q_row_stride;
  const u16* k = static_cast<const u16*>(p.k) + batch * p.k_batch_stride + head_k * p.k_head_stride;
  const u16* v = static_cast<const u16*>(p.v) + batch * p.v_batch_stride + head_k * p.v_head_stride;
  for (int c = threadIdx.x; c < head_dim; c += kThreads) q_row[c] = to_float<kBF16>(q[c]);
  __syncthreads();

  const int n_visible = p.causal ? max(0, min(p.seqlen_k, i + p.seqlen_k - p.seqlen_q + 1)) : p.seqlen_k;
  float acc[kMaxDim / kThreads] = {0.f, 0.f};
  float run_max = -__int_as_float(0x7f800000), run_sum = 0.f;
  for (int j0 = 0; j0 < n_visible; j0 += kChunk) {
    const int n = min(kChunk, n_visible - j0);
    float local_max = -__int_as_float(0x7f800000);
    for (int jj = threadIdx.x; jj < n; jj += kThreads) {
      const u16* kr = k + (long long)(j0 + jj) * p.k_row_stride;
      float s = 0.f;
      for (int c = 0; c < head_dim; ++c) s = fmaf(q_row[c], to_float<kBF16>(kr[c]), s);
      s *= p.scale;
      scores[jj] = s;
      local_max = fmaxf(local_max, s);
    }
    const float new_max = fmaxf(run_max, block_reduce(local_max, scratch, true));
    const float alpha = expf(run_max - new_max);
    float local_sum = 0.f;
    for (int jj = threadIdx.x; jj < n; jj += kThreads) {
      const float e = expf(scores[jj] - new_max);
      scores[jj] = e;
      local_sum += e;
    }
    run_sum = run_sum * alpha + block_reduce(local_sum, scratch, false);  // reduce also syncs scores
    run_max = new_max;
    for (int r = 0; r < kMaxDim / kThreads; ++r) {
      const int c = threadIdx.x + r * kThreads;
      if (c >= head_dim) break;
      float a = acc[r] * alpha;
      for (int jj = 0; jj < n; ++jj) a = fmaf(scores[jj], to_float<kBF16>(v[(long long)(j0 + jj) * p.v_row_stride + c]), a);
      acc[r] = a;
    }
    __syncthreads();  // scores are overwritten by the next chunk
  }
  // The reference writes fp32 O (same (batch, seq, heads, dim) strides) and fp32 LSE.
  float* o = static_cast<float*>(p.o) + batch * p.o_batch_stride + head * p.o_head_stride +
             (long long)i * p.o_row_stride;
  const float inv = run_sum > 0.f ? 1.f / run_sum : 0.f;
  for (int r = 0; r < kMaxDim / kThreads; ++r) {
    const int c = threadIdx.x + r * kThreads;
    if (c < head_dim) o[c] = acc[r] * inv;
  }
  if (threadIdx.x == 0)
    p.lse[((long long)batch * p.heads + head) * p.seqlen_q + i] =
        run_sum > 0.f ? run_max + logf(run_sum) : __int_as_float(0x7f800000);
}

}  // namespace attnlab::reference

extern "C" __global__ void __launch_bounds__(attnlab::reference::kThreads)
    attnlab_attention_ref(const FlashFwdParams p, int is_bf16, int head_dim) {
  if (is_bf16)
    attnlab::reference::attention_ref_row<true>(p, head_dim);
  else
    attnlab::reference::attention_ref_row<false>(p, head_dim);
}
