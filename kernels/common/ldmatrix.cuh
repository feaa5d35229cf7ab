#pragma once
// ldmatrix (sm_75+): a warp loads four 8x8 b16 matrices from shared memory into mma fragments.
// Lanes 8i..8i+7 give the row addresses of matrix i; register i of every lane holds matrix i.
#include "common/types.cuh"

namespace attnlab {

__device__ __forceinline__ void ldmatrix_x4(u32 (&r)[4], u32 addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}
// Transposed: lane gets elements of a column pair instead of a row pair (B operand from row-major V).
__device__ __forceinline__ void ldmatrix_x4_trans(u32 (&r)[4], u32 addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

}  // namespace attnlab
