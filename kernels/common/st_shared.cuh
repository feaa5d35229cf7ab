#pragma once
// Plain 32-bit shared-memory store and load through a shared-window address (for staging tiles in swizzled
// layouts whose addresses are computed as integers, and for small values handed between warpgroups).
#include "common/types.cuh"

namespace attnlab {

__device__ __forceinline__ void st_shared_b32(u32 addr, u32 v) {
  asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(addr), "r"(v) : "memory");
}

__device__ __forceinline__ u32 ld_shared_b32(u32 addr) {
  u32 v;
  asm volatile("ld.shared.b32 %0, [%1];\n" : "=r"(v) : "r"(addr) : "memory");
  return v;
}

}  // namespace attnlab
