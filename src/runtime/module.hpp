#pragma once
// A cubin loaded into the current context and one of its kernels, ready to launch. Loaded modules are
// memoised by the cubin's content key (never by name), so two configs can never share a module.
#include <cuda_runtime_api.h>

#include <memory>
#include <string>

#include "runtime/driver_api.hpp"
#include "runtime/cubin.hpp"

namespace attnlab {

class LoadedKernel {
 public:
  LoadedKernel(const CompiledKernel& k, const std::string& entry);
  ~LoadedKernel();
  LoadedKernel(const LoadedKernel&) = delete;
  LoadedKernel& operator=(const LoadedKernel&) = delete;

  // Launches and checks the launch error (not the execution error: that surfaces at the next sync). A cluster
  // shape other than 1x1x1 launches thread-block clusters (cuLaunchKernelEx, sm_90+).
  void launch(dim3 grid, dim3 block, int dyn_smem, cudaStream_t stream, void** params, dim3 cluster = dim3(1, 1, 1));
  int registers() const;
  // Occupancy: blocks of this kernel resident per SM for the given block size and dynamic smem.
  int max_active_blocks_per_sm(int threads, int dyn_smem);
  const std::string& key() const { return key_; }

 private:
  CUmodule module_ = nullptr;
  CUfunction fn_ = nullptr;
  int smem_limit_set_ = 48 * 1024;
  std::string key_;
};

std::shared_ptr<LoadedKernel> load_kernel(const CompiledKernel& k, const std::string& entry);

}  // namespace attnlab
