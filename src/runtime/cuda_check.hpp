#pragma once
// Every CUDA runtime / driver call is checked; failures throw with the call text and location.
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace attnlab {
// A failed CUDA runtime call, with its error code (what the eval worker inspects, never the message).
class CudaError : public std::runtime_error {
 public:
  CudaError(cudaError_t code, const std::string& what) : std::runtime_error(what), code_(code) {}
  cudaError_t code() const { return code_; }

 private:
  cudaError_t code_;
};
// Errors that leave the CUDA context unusable (every later call fails): the process must be replaced.
bool is_sticky_cuda_error(cudaError_t e);
}  // namespace attnlab

namespace attnlab::detail {
[[noreturn]] void throw_cuda_error(cudaError_t e, const char* what, const char* file, int line);
[[noreturn]] void throw_cu_error(int e, const char* what, const char* file, int line);
}  // namespace attnlab::detail

#define ATTN_CUDA(call)                                                                      \
  do {                                                                                       \
    cudaError_t attn_e_ = (call);                                                            \
    if (attn_e_ != cudaSuccess) ::attnlab::detail::throw_cuda_error(attn_e_, #call, __FILE__, __LINE__); \
  } while (0)

// After a launch: the launch error, then (when sync) the execution error.
#define ATTN_CHECK_LAUNCH() ATTN_CUDA(cudaGetLastError())
