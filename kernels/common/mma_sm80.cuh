#pragma once
// mma.sync m16n8k16 (sm_80+), fp32 accumulate, A row-major 16x16, B "col" 16x8, both fp16 or bf16.
// Fragments (g = lane/4, t = lane%4): A a0:(g,2t..) a1:(g+8,2t..) a2:(g,2t+8..) a3:(g+8,2t+8..);
// B b0:(k=2t..,n=g) b1:(k=2t+8..,n=g); C c0,c1:(g,2t..2t+1) c2,c3:(g+8,2t..2t+1).
#include "common/types.cuh"

namespace attnlab {

template <bool kBF16>
__device__ __forceinline__ void mma_16816(float (&c)[4], const u32 (&a)[4], u32 b0, u32 b1) {
  if constexpr (kBF16) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
}

}  // namespace attnlab
