#pragma once
// fp32 <-> 16-bit float conversions through PTX (no cuda_fp16.h / cuda_bf16.h needed under NVRTC).
#include "common/types.cuh"

namespace attnlab {

// Packs (lo, hi) into one 32-bit register, round to nearest even; lo lands in the low half.
template <bool kBF16>
__device__ __forceinline__ u32 pack2(float lo, float hi) {
  u32 r;
  if constexpr (kBF16) {
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
  } else {
    asm("cvt.rn.f16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
  }
  return r;
}

template <bool kBF16>
__device__ __forceinline__ float to_float(u16 x) {
  if constexpr (kBF16) {
    return __uint_as_float(u32(x) << 16);
  } else {
    float f;
    asm("cvt.f32.f16 %0, %1;\n" : "=f"(f) : "h"(x));
    return f;
  }
}

}  // namespace attnlab
