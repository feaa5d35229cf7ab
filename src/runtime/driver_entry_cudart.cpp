// attnlab's driver entry points: through cudart's cudaGetDriverEntryPointByVersion (runtime/driver_entry.hpp).
#include <cuda_runtime_api.h>

#include <stdexcept>

#include <fmt/format.h>

#include "runtime/cuda_check.hpp"
#include "runtime/driver_entry.hpp"

namespace attnlab::driver {

void* entry_point(const char* symbol) {
  void* p = nullptr;
  cudaDriverEntryPointQueryResult status{};
  ATTN_CUDA(cudaGetDriverEntryPointByVersion(symbol, &p, 12000, cudaEnableDefault, &status));
  if (status != cudaDriverEntryPointSuccess || !p)
    throw std::runtime_error(fmt::format("CUDA driver entry point {} not found", symbol));
  return p;
}

}  // namespace attnlab::driver
