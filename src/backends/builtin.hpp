#pragma once
// Registration functions of the backends compiled into this build (see registry.cpp).
#include "backends/backend.hpp"

namespace attnlab {

void register_custom_backend(BackendRegistry& r);
void register_unfused_backend(BackendRegistry& r);    // src/backends/unfused/
void register_cublas_gemm_backend(BackendRegistry& r);  // src/backends/gemm/
#ifdef ATTNLAB_WITH_CUDNN
void register_cudnn_backend(BackendRegistry& r);  // src/backends/cudnn/
#endif
#ifdef ATTNLAB_WITH_CUTLASS
void register_cutlass_gemm_backend(BackendRegistry& r);  // src/backends/cutlass/
#endif

}  // namespace attnlab
