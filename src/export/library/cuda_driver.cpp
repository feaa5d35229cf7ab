#include "export/library/cuda_driver.hpp"

#include <dlfcn.h>

#include <mutex>
#include <stdexcept>

#include <fmt/format.h>

#include "runtime/driver_entry.hpp"

namespace attnlab::exported {

namespace {
using GetProcAddress = CUresult (*)(const char*, void**, int, cuuint64_t, CUdriverProcAddressQueryResult*);

struct Opened {
  CudaDriver driver;
  GetProcAddress get_proc = nullptr;
  std::string why;  // empty: opened
};

template <class Fn>
bool resolve(GetProcAddress get, const char* symbol, Fn& fn, std::string& why) {
  void* p = nullptr;
  CUdriverProcAddressQueryResult status{};
  if (get(symbol, &p, 12000, CU_GET_PROC_ADDRESS_DEFAULT, &status) != CUDA_SUCCESS || !p ||
      status != CU_GET_PROC_ADDRESS_SUCCESS) {
    why = fmt::format("the CUDA driver has no {} (a driver for CUDA 12.0 or newer is needed)", symbol);
    return false;
  }
  fn = reinterpret_cast<Fn>(p);
  return true;
}

Opened open_driver() {
  Opened o;
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* e = dlerror();
    o.why = fmt::format("no CUDA driver: dlopen(libcuda.so.1) failed ({})", e ? e : "unknown");
    return o;
  }
  o.get_proc = reinterpret_cast<GetProcAddress>(dlsym(lib, "cuGetProcAddress_v2"));
  if (!o.get_proc) {
    o.why = "the CUDA driver has no cuGetProcAddress_v2 (a driver for CUDA 12.0 or newer is needed)";
    return o;
  }
  CudaDriver& d = o.driver;
  const bool ok = resolve(o.get_proc, "cuInit", d.init, o.why) && resolve(o.get_proc, "cuGetErrorName", d.get_error_name, o.why) &&
                  resolve(o.get_proc, "cuCtxGetCurrent", d.ctx_get_current, o.why) &&
                  resolve(o.get_proc, "cuCtxPushCurrent", d.ctx_push, o.why) &&
                  resolve(o.get_proc, "cuCtxPopCurrent", d.ctx_pop, o.why) &&
                  resolve(o.get_proc, "cuCtxGetDevice", d.ctx_get_device, o.why) &&
                  resolve(o.get_proc, "cuStreamGetCtx", d.stream_get_ctx, o.why) &&
                  resolve(o.get_proc, "cuDeviceGetAttribute", d.device_get_attribute, o.why) &&
                  resolve(o.get_proc, "cuLibraryLoadData", d.library_load_data, o.why) &&
                  resolve(o.get_proc, "cuLibraryGetKernel", d.library_get_kernel, o.why) &&
                  resolve(o.get_proc, "cuKernelGetFunction", d.kernel_get_function, o.why) &&
                  resolve(o.get_proc, "cuFuncSetAttribute", d.func_set_attribute, o.why) &&
                  resolve(o.get_proc, "cuOccupancyMaxActiveBlocksPerMultiprocessor", d.occupancy, o.why) &&
                  resolve(o.get_proc, "cuLaunchKernel", d.launch_kernel, o.why) &&
                  resolve(o.get_proc, "cuLaunchKernelEx", d.launch_kernel_ex, o.why);
  if (!ok) return o;
  if (const CUresult r = d.init(0); r != CUDA_SUCCESS) o.why = "no usable CUDA device: " + driver_error(r, "cuInit");
  return o;
}

const Opened& opened() {
  static const Opened o = open_driver();  // thread-safe initialisation, once per process
  return o;
}
}  // namespace

const CudaDriver* cuda_driver(std::string& why) {
  const Opened& o = opened();
  why = o.why;
  return o.why.empty() ? &o.driver : nullptr;
}

std::string driver_error(CUresult r, const char* call) {
  const char* name = "unknown";
  if (opened().why.empty() && opened().driver.get_error_name) opened().driver.get_error_name(r, &name);
  return fmt::format("{} ({}) in {}", name ? name : "unknown", int(r), call);
}

}  // namespace attnlab::exported

namespace attnlab::driver {

void* entry_point(const char* symbol) {
  const exported::Opened& o = exported::opened();
  if (!o.get_proc) throw std::runtime_error(o.why);
  void* p = nullptr;
  CUdriverProcAddressQueryResult status{};
  if (o.get_proc(symbol, &p, 12000, CU_GET_PROC_ADDRESS_DEFAULT, &status) != CUDA_SUCCESS || !p)
    throw std::runtime_error(fmt::format("CUDA driver entry point {} not found", symbol));
  return p;
}

}  // namespace attnlab::driver
