#include "runtime/cuda_check.hpp"

#include <fmt/format.h>

namespace attnlab {

bool is_sticky_cuda_error(cudaError_t e) {
  switch (e) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorHardwareStackError:
    case cudaErrorAssert:
    case cudaErrorLaunchTimeout:
    case cudaErrorECCUncorrectable:
    case cudaErrorContextIsDestroyed:
    case cudaErrorUnknown:
      return true;
    default:
      return false;
  }
}

}  // namespace attnlab

namespace attnlab::detail {

void throw_cuda_error(cudaError_t e, const char* what, const char* file, int line) {
  throw CudaError(e, fmt::format("CUDA error {} ({}) in {} at {}:{}", cudaGetErrorName(e),
                                       cudaGetErrorString(e), what, file, line));
}

void throw_cu_error(int e, const char* what, const char* file, int line) {
  throw std::runtime_error(fmt::format("CUDA driver error {} in {} at {}:{}", e, what, file, line));
}

}  // namespace attnlab::detail
