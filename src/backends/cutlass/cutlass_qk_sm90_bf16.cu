// CUTLASS 3 Hopper QK^T GEMM, bf16 inputs (see cutlass_qk_sm90.inl).
#include "cutlass/numeric_types.h"
#define ATTNLAB_SM90_ELEMENT cutlass::bfloat16_t
#define ATTNLAB_SM90_NS sm90_bf16
#include "backends/cutlass/cutlass_qk_sm90.inl"

namespace attnlab::cutlass_detail {
cudaError_t run_sm90_bf16(const CutlassQkArgs& a, void* ws, size_t ws_bytes, cudaStream_t s, char* err, size_t len) {
  return sm90_bf16::run(a, ws, ws_bytes, s, err, len);
}
size_t workspace_sm90_bf16(const CutlassQkArgs& a) { return sm90_bf16::workspace(a); }
}  // namespace attnlab::cutlass_detail
