#pragma once
// Warpgroup-level helpers (sm_90a): named barriers, register reallocation between warpgroup roles, and
// the wgmma ordering primitives (fence / commit / wait) with operand fences that keep the compiler from
// moving accumulator accesses across them.
#include "common/types.cuh"

namespace attnlab {

// Named barriers (id 1..15; 0 is __syncthreads). sync blocks until `threads` have arrived or synced;
// arrive signals without waiting.
__device__ __forceinline__ void named_barrier_sync(int id, int threads) {
  asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}
__device__ __forceinline__ void named_barrier_arrive(int id, int threads) {
  asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

template <int N>
__device__ __forceinline__ void setmaxnreg_dec() {
  asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(N));
}
template <int N>
__device__ __forceinline__ void setmaxnreg_inc() {
  asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(N));
}

__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

// Pins every register of an accumulator fragment at this point of the program.
template <int R, int C>
__device__ __forceinline__ void fence_operand(float (&x)[R][C]) {
#pragma unroll
  for (int i = 0; i < R; ++i)
#pragma unroll
    for (int j = 0; j < C; ++j) asm volatile("" : "+f"(x[i][j])::"memory");
}
template <int R, int C>
__device__ __forceinline__ void fence_operand(u32 (&x)[R][C]) {
#pragma unroll
  for (int i = 0; i < R; ++i)
#pragma unroll
    for (int j = 0; j < C; ++j) asm volatile("" : "+r"(x[i][j])::"memory");
}

// Shared-memory matrix descriptor of a wgmma operand in the 128-byte-swizzled canonical layout (rows of
// 64 16-bit elements, 8-row atoms of 1024 bytes, atoms 1024-byte aligned). Fields in 16-byte units:
//   K-major (Q, K): SBO = 1024 B between 8-row groups; LBO unused (1).
//   MN-major (V as B^T): LBO = bytes between 64-element column slabs, SBO = 1024 B between 8-row groups.
__device__ __forceinline__ u64 smem_desc_sw128(u32 addr, u32 lbo_bytes, u32 sbo_bytes) {
  u64 d = 0;
  d |= u64((addr & 0x3FFFF) >> 4);
  d |= u64((lbo_bytes >> 4) & 0x3FFF) << 16;
  d |= u64((sbo_bytes >> 4) & 0x3FFF) << 32;
  d |= u64(1) << 62;  // 128-byte swizzle
  return d;
}

}  // namespace attnlab
