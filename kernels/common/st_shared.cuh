#pragma once
// Plain 32-bit shared-memory store through a shared-window address (for staging tiles in swizzled
// layouts whose addresses are computed as integers).
#include "common/types.cuh"

namespace attnlab {

__device__ __forceinline__ void st_shared_b32(u32 addr, u32 v) {
  asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(addr), "r"(v) : "memory");
}

}  // namespace attnlab
