#pragma once
// The unfused attention baseline: S = scale·Q K^T (cuBLASLt, fp32 scratch), a row softmax NVRTC kernel
// (kernels/unfused/softmax.cuh: causal mask, LSE, P in the input dtype), O = P·V (cuBLASLt, written
// straight into O's (B, Sq, H, d) layout). What a framework without a fused kernel does, and the yardstick
// for how much fusion buys. The backend itself is registered as "unfused" (builtin.hpp); this header is
// for tests and tools.
#include <cstdint>
#include <string>

#include "core/problem.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab {

inline constexpr const char* kUnfusedSoftmaxBf16 = "attnlab_unfused_softmax_bf16";
inline constexpr const char* kUnfusedSoftmaxF16 = "attnlab_unfused_softmax_f16";

CompileRequest unfused_softmax_request(const std::string& arch);

// Padded row lengths of the scratch: S rows are 16-byte aligned fp32 (multiple of 4), P rows 16-byte
// aligned 16-bit (multiple of 8), so that the softmax can use vector accesses and cuBLAS aligned kernels.
int64_t unfused_ld_s(const AttnProblem& p);
int64_t unfused_ld_p(const AttnProblem& p);
// S (fp32) + P (input dtype) scratch, B·H·Sq rows each.
uint64_t unfused_scratch_bytes(const AttnProblem& p);

}  // namespace attnlab
