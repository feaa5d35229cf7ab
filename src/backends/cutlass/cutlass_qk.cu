// Kernel selection and dispatch of the CUTLASS QK^T GEMM (see cutlass_qk.hpp). No CUTLASS headers here:
// the instantiations live in their own .cu files, compiled in parallel.
#include <cstdint>
#include <cstdio>

#include "backends/cutlass/cutlass_qk_kernels.hpp"
#include "cutlass/version.h"

namespace attnlab {

using cutlass_detail::set_err;

namespace {
bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

CutlassQkKernel refuse(char* why, size_t len, const char* reason) {
  if (why && len) std::snprintf(why, len, "%s", reason);
  return CutlassQkKernel::none;
}
}  // namespace

CutlassQkKernel cutlass_qk_select(const CutlassQkArgs& a, char* why, size_t len) {
  if (a.batch < 1 || a.m < 1 || a.n < 1 || a.k < 1) return refuse(why, len, "sizes must be >= 1");
  // 16-byte rows of Q and K: TMA (sm90) and cp.async with 8-element accesses (sm80) both need them.
  if (a.k % 8 != 0) return refuse(why, len, "k (head dim) must be a multiple of 8 for the CUTLASS kernels");
  if ((a.q && !aligned16(a.q)) || (a.k_mat && !aligned16(a.k_mat)))
    return refuse(why, len, "Q and K must be 16-byte aligned for the CUTLASS kernels");
  const bool s4 = a.n % 4 == 0 && (!a.s || aligned16(a.s));  // S rows (and the tensor) 16-byte aligned
  if (a.arch_major == 9 && a.arch_minor == 0 && s4) return CutlassQkKernel::sm90_tma_pingpong;
  if (a.arch_major == 8 || (a.arch_major == 9 && a.arch_minor == 0)) {
    // The 2.x kernel puts the batch in grid.z and the n tiles in grid.y.
    if (a.batch > 65535) return refuse(why, len, "batch > 65535 (grid.z) for the sm80 CUTLASS kernel");
    if ((a.n + 127) / 128 > 65535) return refuse(why, len, "n too large (grid.y) for the sm80 CUTLASS kernel");
    return s4 ? CutlassQkKernel::sm80_align4 : CutlassQkKernel::sm80_align1;
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "CUTLASS kernels are built for sm_80 (8.x) and sm_90a (9.0) only, not sm_%d%d",
                a.arch_major, a.arch_minor);
  return refuse(why, len, buf);
}

const char* cutlass_qk_kernel_name(CutlassQkKernel k) {
  switch (k) {
    case CutlassQkKernel::sm90_tma_pingpong: return "cutlass3-sm90-tma-ws-pingpong-128x128x64-c1x1";
    case CutlassQkKernel::sm80_align4: return "cutlass2-sm80-tensorop-128x128x64-s3-align4";
    case CutlassQkKernel::sm80_align1: return "cutlass2-sm80-tensorop-128x128x64-s3-align1";
    default: return "none";
  }
}

const char* cutlass_qk_version() {
  static char v[32];
  std::snprintf(v, sizeof v, "CUTLASS %d.%d.%d", CUTLASS_MAJOR, CUTLASS_MINOR, CUTLASS_PATCH);
  return v;
}

size_t cutlass_qk_workspace_size(const CutlassQkArgs& a) {
  if (cutlass_qk_select(a, nullptr, 0) != CutlassQkKernel::sm90_tma_pingpong) return 0;
  return a.dtype_bf16 ? cutlass_detail::workspace_sm90_bf16(a) : cutlass_detail::workspace_sm90_f16(a);
}

cudaError_t cutlass_qk_gemm(const CutlassQkArgs& a, void* workspace, size_t workspace_bytes, cudaStream_t stream,
                            char* err, size_t err_len) {
  if (!a.q || !a.k_mat || !a.s) {
    set_err(err, err_len, "cutlass QK^T", "null tensor pointer");
    return cudaErrorInvalidValue;
  }
  char why[256] = "";
  switch (cutlass_qk_select(a, why, sizeof why)) {
    case CutlassQkKernel::sm90_tma_pingpong:
      return a.dtype_bf16 ? cutlass_detail::run_sm90_bf16(a, workspace, workspace_bytes, stream, err, err_len)
                          : cutlass_detail::run_sm90_f16(a, workspace, workspace_bytes, stream, err, err_len);
    case CutlassQkKernel::sm80_align4: return cutlass_detail::run_sm80(a, true, stream, err, err_len);
    case CutlassQkKernel::sm80_align1: return cutlass_detail::run_sm80(a, false, stream, err, err_len);
    default: set_err(err, err_len, "cutlass QK^T unsupported", why); return cudaErrorNotSupported;
  }
}

}  // namespace attnlab
