#include "runtime/driver_api.hpp"

#include <mutex>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "runtime/driver_entry.hpp"

namespace attnlab::driver {
namespace {

struct Table {
  CUresult (*module_load_data)(CUmodule*, const void*) = nullptr;
  CUresult (*module_unload)(CUmodule) = nullptr;
  CUresult (*module_get_function)(CUfunction*, CUmodule, const char*) = nullptr;
  CUresult (*func_set_attribute)(CUfunction, CUfunction_attribute, int) = nullptr;
  CUresult (*func_get_attribute)(int*, CUfunction_attribute, CUfunction) = nullptr;
  CUresult (*launch_kernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                            CUstream, void**, void**) = nullptr;
  CUresult (*get_error_name)(CUresult, const char**) = nullptr;
  CUresult (*occupancy)(int*, CUfunction, int, size_t) = nullptr;
  CUresult (*launch_kernel_ex)(const CUlaunchConfig*, CUfunction, void**, void**) = nullptr;
  CUresult (*tensor_map_encode_tiled)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*,
                                      const cuuint64_t*, const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave,
                                      CUtensorMapSwizzle, CUtensorMapL2promotion, CUtensorMapFloatOOBfill) = nullptr;
};

template <class Fn>
void resolve(const char* symbol, Fn& fn) {
  fn = reinterpret_cast<Fn>(entry_point(symbol));
}

const Table& table() {
  static Table t;
  static std::once_flag once;
  std::call_once(once, [] {
    resolve("cuModuleLoadData", t.module_load_data);
    resolve("cuModuleUnload", t.module_unload);
    resolve("cuModuleGetFunction", t.module_get_function);
    resolve("cuFuncSetAttribute", t.func_set_attribute);
    resolve("cuFuncGetAttribute", t.func_get_attribute);
    resolve("cuLaunchKernel", t.launch_kernel);
    resolve("cuGetErrorName", t.get_error_name);
    resolve("cuOccupancyMaxActiveBlocksPerMultiprocessor", t.occupancy);
    resolve("cuLaunchKernelEx", t.launch_kernel_ex);
    resolve("cuTensorMapEncodeTiled", t.tensor_map_encode_tiled);
  });
  return t;
}

void check(CUresult r, const char* what) {
  if (r == CUDA_SUCCESS) return;
  const char* name = "unknown";
  if (table().get_error_name) table().get_error_name(r, &name);
  throw std::runtime_error(fmt::format("CUDA driver error {} ({}) in {}", name, int(r), what));
}

}  // namespace

CUmodule module_load(const void* image) {
  CUmodule m = nullptr;
  check(table().module_load_data(&m, image), "cuModuleLoadData");
  return m;
}

void module_unload(CUmodule m) noexcept {
  if (m) table().module_unload(m);
}

CUfunction module_get_function(CUmodule m, const char* name) {
  CUfunction f = nullptr;
  check(table().module_get_function(&f, m, name), "cuModuleGetFunction");
  return f;
}

void func_set_attribute(CUfunction f, CUfunction_attribute attr, int value) {
  check(table().func_set_attribute(f, attr, value), "cuFuncSetAttribute");
}

int func_get_attribute(CUfunction f, CUfunction_attribute attr) {
  int v = 0;
  check(table().func_get_attribute(&v, attr, f), "cuFuncGetAttribute");
  return v;
}

int occupancy_max_active_blocks(CUfunction f, int threads, int dyn_smem) {
  int n = 0;
  check(table().occupancy(&n, f, threads, size_t(dyn_smem)), "cuOccupancyMaxActiveBlocksPerMultiprocessor");
  return n;
}

void launch(CUfunction f, dim3 grid, dim3 block, unsigned smem_bytes, cudaStream_t stream, void** params) {
  check(table().launch_kernel(f, grid.x, grid.y, grid.z, block.x, block.y, block.z, smem_bytes,
                              reinterpret_cast<CUstream>(stream), params, nullptr),
        "cuLaunchKernel");
}

void launch_cluster(CUfunction f, dim3 grid, dim3 block, dim3 cluster, unsigned smem_bytes, cudaStream_t stream,
                    void** params) {
  CUlaunchAttribute attr{};
  attr.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attr.value.clusterDim.x = cluster.x;
  attr.value.clusterDim.y = cluster.y;
  attr.value.clusterDim.z = cluster.z;
  CUlaunchConfig cfg{};
  cfg.gridDimX = grid.x;
  cfg.gridDimY = grid.y;
  cfg.gridDimZ = grid.z;
  cfg.blockDimX = block.x;
  cfg.blockDimY = block.y;
  cfg.blockDimZ = block.z;
  cfg.sharedMemBytes = smem_bytes;
  cfg.hStream = reinterpret_cast<CUstream>(stream);
  cfg.attrs = &attr;
  cfg.numAttrs = 1;
  check(table().launch_kernel_ex(&cfg, f, params, nullptr), "cuLaunchKernelEx");
}

void tensor_map_encode_tiled(CUtensorMap* map, CUtensorMapDataType type, unsigned rank, void* global,
                             const cuuint64_t* dims, const cuuint64_t* strides_bytes, const cuuint32_t* box,
                             const cuuint32_t* element_strides, CUtensorMapSwizzle swizzle) {
  const CUresult r = table().tensor_map_encode_tiled(map, type, rank, global, dims, strides_bytes, box, element_strides,
                                                     CU_TENSOR_MAP_INTERLEAVE_NONE, swizzle,
                                                     CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                                                     CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS) {
    std::string d;
    for (unsigned i = 0; i < rank; ++i)
      d += fmt::format("{}{}(stride {} B, box {})", i ? " x " : "", dims[i], i ? strides_bytes[i - 1] : 2, box[i]);
    check(r, fmt::format("cuTensorMapEncodeTiled [{}] at {}", d, global).c_str());
  }
}

}  // namespace attnlab::driver
