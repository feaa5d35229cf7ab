#pragma once
// The CUDA driver as the exported library reaches it: dlopen("libcuda.so.1") at the first launch, entry points
// through cuGetProcAddress for CUDA 12.0's ABI. Nothing links libcuda or cudart, so the library loads on a
// machine without a driver and reports ATTNLAB_FLASH_ERR_DRIVER there. Also defines driver::entry_point
// (runtime/driver_entry.hpp) for the lab code linked in (the sm90 TMA maps of sm90_params.cpp).
#include <cuda.h>

#include <string>

namespace attnlab::exported {

struct CudaDriver {
  CUresult (*init)(unsigned) = nullptr;
  CUresult (*get_error_name)(CUresult, const char**) = nullptr;
  CUresult (*ctx_get_current)(CUcontext*) = nullptr;
  CUresult (*ctx_push)(CUcontext) = nullptr;
  CUresult (*ctx_pop)(CUcontext*) = nullptr;
  CUresult (*ctx_get_device)(CUdevice*) = nullptr;
  CUresult (*stream_get_ctx)(CUstream, CUcontext*) = nullptr;
  CUresult (*device_get_attribute)(int*, CUdevice_attribute, CUdevice) = nullptr;
  CUresult (*library_load_data)(CUlibrary*, const void*, CUjit_option*, void**, unsigned, CUlibraryOption*, void**,
                                unsigned) = nullptr;
  CUresult (*library_get_kernel)(CUkernel*, CUlibrary, const char*) = nullptr;
  CUresult (*kernel_get_function)(CUfunction*, CUkernel) = nullptr;
  CUresult (*func_set_attribute)(CUfunction, CUfunction_attribute, int) = nullptr;
  CUresult (*occupancy)(int*, CUfunction, int, size_t) = nullptr;
  CUresult (*launch_kernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,
                            void**, void**) = nullptr;
  CUresult (*launch_kernel_ex)(const CUlaunchConfig*, CUfunction, void**, void**) = nullptr;
};

// The driver, opened once; null with `why` set when it cannot be (no libcuda.so.1, a driver older than 12.0,
// cuInit failing). Thread-safe.
const CudaDriver* cuda_driver(std::string& why);
// "CUDA_ERROR_INVALID_VALUE (1) in cuLaunchKernelEx"
std::string driver_error(CUresult r, const char* call);

}  // namespace attnlab::exported
