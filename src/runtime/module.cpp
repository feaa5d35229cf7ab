#include "runtime/module.hpp"

#include <map>
#include <mutex>

#include "runtime/cuda_check.hpp"

namespace attnlab {

LoadedKernel::LoadedKernel(const CompiledKernel& k, const std::string& entry) : key_(k.key) {
  ATTN_CUDA(cudaFree(nullptr));  // make sure the primary context exists and is current
  module_ = driver::module_load(k.cubin.data());
  fn_ = driver::module_get_function(module_, entry.c_str());
}

LoadedKernel::~LoadedKernel() { driver::module_unload(module_); }

int LoadedKernel::registers() const { return driver::func_get_attribute(fn_, CU_FUNC_ATTRIBUTE_NUM_REGS); }

int LoadedKernel::max_active_blocks_per_sm(int threads, int dyn_smem) {
  if (dyn_smem > smem_limit_set_) {
    driver::func_set_attribute(fn_, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, dyn_smem);
    smem_limit_set_ = dyn_smem;
  }
  return driver::occupancy_max_active_blocks(fn_, threads, dyn_smem);
}

void LoadedKernel::launch(dim3 grid, dim3 block, int dyn_smem, cudaStream_t stream, void** params, dim3 cluster) {
  if (dyn_smem > smem_limit_set_) {
    driver::func_set_attribute(fn_, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, dyn_smem);
    smem_limit_set_ = dyn_smem;
  }
  if (cluster.x * cluster.y * cluster.z > 1) driver::launch_cluster(fn_, grid, block, cluster, unsigned(dyn_smem), stream, params);
  else driver::launch(fn_, grid, block, unsigned(dyn_smem), stream, params);
  ATTN_CHECK_LAUNCH();
}

std::shared_ptr<LoadedKernel> load_kernel(const CompiledKernel& k, const std::string& entry) {
  static std::mutex m;
  static std::map<std::pair<int, std::string>, std::shared_ptr<LoadedKernel>> loaded;
  int dev = 0;
  ATTN_CUDA(cudaGetDevice(&dev));
  std::lock_guard lk(m);
  auto& slot = loaded[{dev, k.key + "/" + entry}];
  if (!slot) slot = std::make_shared<LoadedKernel>(k, entry);
  return slot;
}

}  // namespace attnlab
