#pragma once
// Kernel arguments for the attention forward kernels. Plain data: included by device code (NVRTC) and
// by host code, so both sides agree on the layout by construction.
// Strides are in elements. Q/O: (batch, seq, heads, dim); K/V: (batch, seq, heads_k, dim); LSE: (batch,
// heads, seq_q) fp32, natural log.
struct FlashFwdParams {
  const void* q;
  const void* k;
  const void* v;
  void* o;
  float* lse;               // null: not written (the exported C API's optional LSE; the lab always passes one)
  long long q_batch_stride, k_batch_stride, v_batch_stride, o_batch_stride;
  int q_row_stride, k_row_stride, v_row_stride, o_row_stride;
  int q_head_stride, k_head_stride, v_head_stride, o_head_stride;
  int seqlen_q, seqlen_k;
  int heads, heads_per_kv;  // heads / heads_k
  float scale;              // softmax scale (natural units)
  float scale_log2;         // scale * log2(e): exp(x*scale) == exp2(x*scale_log2)
  int causal;               // bottom-right aligned mask: key j visible to query i iff j <= i + seqlen_k - seqlen_q
  long long* micro_cycles;  // microbenchmark builds only: per-CTA clock64 cycles of the mainloop
};

// The 128-byte opaque CUtensorMap (cuda.h is not available under NVRTC; the host copies the encoded map
// into it byte for byte). Passed inside a __grid_constant__ parameter so TMA can read it in place.
struct alignas(64) TmaDescriptor {
  unsigned long long opaque[16];
};

// sm90 family: the common arguments plus TMA maps of Q, K, V (loads) and O (store), each a 4-D tensor
// (dim, seq, heads, batch) with 64-element-wide boxes and 128-byte swizzle, and the tile count.
struct alignas(64) Sm90FwdParams {
  TmaDescriptor tma_q, tma_k, tma_v, tma_o;
  FlashFwdParams base;
  int m_blocks;     // ceil(seqlen_q / BLOCK_M)
  int total_tiles;  // m_blocks * heads * batch
  int group_heads;  // persistent causal schedule: (batch, head) pairs whose K/V share L2 (>= 1)
  // Persistent causal: tiles handed out by a global counter (sm90/scheduler.cuh). [0] tickets taken, [1] CTAs done;
  // zero before every launch (the last CTA of a launch resets both). Null: the static order instead.
  int* tile_counter;
};
