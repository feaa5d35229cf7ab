#pragma once
// The seam between the CUTLASS kernels (compiled ahead of time by nvcc as C++17) and attnlab's C++20 host
// code: plain functions over device pointers, no CUTLASS and no attnlab types, so both compilers can read it.
//
// Problem: S[i] = Q[i] · K[i]^T for i < batch, Q (batch, m, k), K (batch, n, k), S (batch, m, n), all
// contiguous row-major; Q/K bf16 or fp16, S fp32, fp32 accumulation. In CUTLASS terms A = Q is row-major
// (M x K), B = K is "column-major" (K x N with K contiguous, i.e. each key row is a column of B), C = S is
// row-major (M x N), and the batch is the L mode of the (M, N, K, L) problem shape.
//
// Kernels (chosen per call by cutlass_qk_select):
//   sm90: CUTLASS 3.x, TMA loads + WGMMA, warp-specialized ping-pong, 128x128x64 tile, cluster 1x1x1, TMA
//         store epilogue. Needs compute capability 9.0 (sm_90a SASS), k % 8 == 0, n % 4 == 0 (16-byte
//         rows of S for the TMA store) and 16-byte aligned pointers.
//   sm80: CUTLASS 2.x GemmBatched, mma.sync tensor ops, 128x128x64 tile, 3 stages. Runs on 8.x and 9.0.
//         Needs k % 8 == 0 and 16-byte aligned Q/K; S is stored 4 floats at a time when n % 4 == 0, else
//         one at a time (the "align1" variant, for odd key counts).
#include <cuda_runtime_api.h>

#include <cstddef>

namespace attnlab {

enum class CutlassQkKernel { none = 0, sm90_tma_pingpong = 1, sm80_align4 = 2, sm80_align1 = 3 };

struct CutlassQkArgs {
  int arch_major = 0;  // compute capability of the device the call runs on
  int arch_minor = 0;
  int dtype_bf16 = 1;  // 1: bf16 inputs, 0: fp16 inputs
  int batch = 1, m = 1, n = 1, k = 64;
  const void* q = nullptr;  // (batch, m, k)
  const void* k_mat = nullptr;  // (batch, n, k)
  float* s = nullptr;  // (batch, m, n)
};

// The kernel a call would use (pointers may be null: then they are assumed 16-byte aligned). none means
// unsupported, with the reason written to why (NUL-terminated, truncated to why_len) when why is non-null.
CutlassQkKernel cutlass_qk_select(const CutlassQkArgs& a, char* why, size_t why_len);
const char* cutlass_qk_kernel_name(CutlassQkKernel k);  // "cutlass3-sm90-tma-ws-pingpong-128x128x64-c1x1" ...
const char* cutlass_qk_version();                      // "CUTLASS 4.2.0" (of the headers compiled in)

// Device workspace bytes the call needs (0 for the kernels above, but callers must not rely on that).
size_t cutlass_qk_workspace_size(const CutlassQkArgs& a);

// Enqueues S = Q K^T on stream. On failure returns a non-success code and writes the reason to err
// (cudaErrorNotSupported for problems cutlass_qk_select refuses, cudaErrorUnknown for a CUTLASS status).
cudaError_t cutlass_qk_gemm(const CutlassQkArgs& a, void* workspace, size_t workspace_bytes, cudaStream_t stream,
                            char* err, size_t err_len);

}  // namespace attnlab
