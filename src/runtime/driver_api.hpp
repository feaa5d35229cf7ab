#pragma once
// The few driver-API entry points attnlab needs (module load, function lookup, launch), resolved at run
// time (runtime/driver_entry.hpp: through cudart's cudaGetDriverEntryPointByVersion in attnlab, through
// dlopen in the exported library). Nothing links libcuda, so the binary runs on machines without a driver
// (CI) and reports "no CUDA device" there. cuda.h is used for types only.
#include <cuda.h>
#include <cuda_runtime_api.h>

namespace attnlab::driver {

// Each throws std::runtime_error naming the call and the driver's error when it fails.
CUmodule module_load(const void* image);
void module_unload(CUmodule m) noexcept;
CUfunction module_get_function(CUmodule m, const char* name);
void func_set_attribute(CUfunction f, CUfunction_attribute attr, int value);
int func_get_attribute(CUfunction f, CUfunction_attribute attr);
int occupancy_max_active_blocks(CUfunction f, int threads, int dyn_smem);
void launch(CUfunction f, dim3 grid, dim3 block, unsigned smem_bytes, cudaStream_t stream, void** params);
// cuLaunchKernelEx with a thread-block-cluster shape (cluster.x * y * z > 1; sm_90+).
void launch_cluster(CUfunction f, dim3 grid, dim3 block, dim3 cluster, unsigned smem_bytes, cudaStream_t stream,
                    void** params);
// cuTensorMapEncodeTiled (a host-side encoding, no GPU work); throws naming the argument set on failure.
void tensor_map_encode_tiled(CUtensorMap* map, CUtensorMapDataType type, unsigned rank, void* global,
                             const cuuint64_t* dims, const cuuint64_t* strides_bytes, const cuuint32_t* box,
                             const cuuint32_t* element_strides, CUtensorMapSwizzle swizzle);

}  // namespace attnlab::driver
