#pragma once
// Entry points of the individual CUTLASS instantiations, one .cu file each so that ninja compiles them in
// parallel (each CUTLASS 3 instantiation is a minute or more of nvcc time). Internal to this folder.
#include <cstddef>
#include <cstdio>

#include "backends/cutlass/cutlass_qk.hpp"

namespace attnlab::cutlass_detail {

// Each returns cudaSuccess or an error with the reason in err.
cudaError_t run_sm90_bf16(const CutlassQkArgs& a, void* ws, size_t ws_bytes, cudaStream_t s, char* err, size_t len);
cudaError_t run_sm90_f16(const CutlassQkArgs& a, void* ws, size_t ws_bytes, cudaStream_t s, char* err, size_t len);
size_t workspace_sm90_bf16(const CutlassQkArgs& a);
size_t workspace_sm90_f16(const CutlassQkArgs& a);
// align4: S stored 4 floats at a time (n % 4 == 0), else one at a time.
cudaError_t run_sm80(const CutlassQkArgs& a, bool align4, cudaStream_t s, char* err, size_t len);

inline void set_err(char* err, size_t len, const char* what, const char* detail) {
  if (err && len) std::snprintf(err, len, "%s: %s", what, detail);
}

}  // namespace attnlab::cutlass_detail
