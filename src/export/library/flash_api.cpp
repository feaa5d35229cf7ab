// The exported library's C API (attnlab_flash.h): arguments checked (export/runtime/api_args.hpp), the config
// chosen (package_state.hpp), its cubin loaded lazily per device and context through the driver
// (cuda_driver.hpp), the kernel's parameters and grid built by the lab's own family launch code
// (backends/custom/family_launch.hpp), and the launch enqueued on the caller's stream. No allocation, no
// host synchronisation; every failure is a status and a thread-local one-line message.
#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "backends/custom/family_launch.hpp"
#include "core/error.hpp"
#include "export/library/cuda_driver.hpp"
#include "export/library/package_state.hpp"
#include "export/runtime/attnlab_flash.h"
#include "export/runtime/selection.hpp"

namespace attnlab::exported {
namespace {

thread_local std::string last_error;

int report(const ApiStatus& s) {
  last_error = s.message;
  return s.code;
}
ApiStatus driver_failure(CUresult r, const char* call) { return {ATTNLAB_FLASH_ERR_DRIVER, driver_error(r, call)}; }

// A config's kernel in one context, ready to launch.
struct LoadedFunction {
  CUfunction fn = nullptr;
  int resident_slots = 0;  // SMs x CTAs per SM (persistent configs only)
};

struct Loaded {
  std::mutex mu;
  std::map<size_t, CUlibrary> libraries;                                  // per cubin: context-independent
  std::map<std::pair<size_t, CUcontext>, LoadedFunction> functions;       // per cubin and context
  std::map<CUdevice, std::tuple<std::string, int>> devices;               // arch, SM count
};
Loaded& loaded() {
  static Loaded l;
  return l;
}

// Makes the stream's context current for the call (restored after).
struct StreamContext {
  const CudaDriver& d;
  CUcontext ctx = nullptr;
  bool pushed = false;
  ApiStatus open(CUstream stream) {
    CUcontext current = nullptr;
    if (CUresult r = d.ctx_get_current(&current); r != CUDA_SUCCESS) return driver_failure(r, "cuCtxGetCurrent");
    if (stream) {
      if (CUresult r = d.stream_get_ctx(stream, &ctx); r != CUDA_SUCCESS) return driver_failure(r, "cuStreamGetCtx");
    } else {
      ctx = current;
    }
    if (!ctx)
      return {ATTNLAB_FLASH_ERR_DRIVER, "no current CUDA context (make a device current first: cudaSetDevice, "
                                        "torch.cuda.set_device, or pass a stream)"};
    if (ctx != current) {
      if (CUresult r = d.ctx_push(ctx); r != CUDA_SUCCESS) return driver_failure(r, "cuCtxPushCurrent");
      pushed = true;
    }
    return {};
  }
  ~StreamContext() {
    CUcontext ignored;
    if (pushed) d.ctx_pop(&ignored);
  }
};

ApiStatus device_of_context(const CudaDriver& d, std::string& arch, int& sm_count) {
  CUdevice dev = 0;
  if (CUresult r = d.ctx_get_device(&dev); r != CUDA_SUCCESS) return driver_failure(r, "cuCtxGetDevice");
  Loaded& l = loaded();
  std::lock_guard lk(l.mu);
  auto it = l.devices.find(dev);
  if (it == l.devices.end()) {
    int major = 0, minor = 0, sms = 0;
    for (auto [attr, out] : {std::pair{CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, &major},
                             {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, &minor},
                             {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, &sms}})
      if (CUresult r = d.device_get_attribute(out, attr, dev); r != CUDA_SUCCESS) return driver_failure(r, "cuDeviceGetAttribute");
    it = l.devices.emplace(dev, std::tuple{arch_of_compute_capability(major, minor), sms}).first;
  }
  std::tie(arch, sm_count) = it->second;
  return {};
}

// The chosen config's kernel in the current context: its cubin loaded once (cuLibraryLoadData), the function
// of this context with its shared-memory limit raised, and the resident CTA slots a persistent grid needs.
ApiStatus function_for(const CudaDriver& d, const Choice& c, CUcontext ctx, const AttnProblem& p, int sm_count,
                       LoadedFunction& out) {
  Loaded& l = loaded();
  std::lock_guard lk(l.mu);
  if (auto it = l.functions.find({c.cubin_index, ctx}); it != l.functions.end()) {
    out = it->second;
    return {};
  }
  CUlibrary& lib = l.libraries[c.cubin_index];
  if (!lib)
    if (CUresult r = d.library_load_data(&lib, c.cubin->data, nullptr, nullptr, 0, nullptr, nullptr, 0); r != CUDA_SUCCESS) {
      lib = nullptr;
      return driver_failure(r, fmt::format("cuLibraryLoadData of {} for {}", c.cubin->config, c.cubin->arch).c_str());
    }
  CUkernel kernel = nullptr;
  if (CUresult r = d.library_get_kernel(&kernel, lib, "attnlab_flash_fwd"); r != CUDA_SUCCESS)
    return driver_failure(r, "cuLibraryGetKernel");
  LoadedFunction f;
  if (CUresult r = d.kernel_get_function(&f.fn, kernel); r != CUDA_SUCCESS) return driver_failure(r, "cuKernelGetFunction");
  const int smem = c.config.smem_bytes(p.head_dim);
  if (CUresult r = d.func_set_attribute(f.fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem); r != CUDA_SUCCESS)
    return driver_failure(r, "cuFuncSetAttribute");
  if (family_launch(c.config.family).resident_grid(c.config)) {
    int per_sm = 0;
    if (CUresult r = d.occupancy(&per_sm, f.fn, c.config.threads(), size_t(smem)); r != CUDA_SUCCESS)
      return driver_failure(r, "cuOccupancyMaxActiveBlocksPerMultiprocessor");
    f.resident_slots = sm_count * std::max(1, per_sm);
  }
  l.functions[{c.cubin_index, ctx}] = f;
  out = f;
  return {};
}

ApiStatus launch(const CudaDriver& d, const LoadedFunction& f, const TileConfig& cfg, const AttnProblem& p,
                 const AttnTensors& t, void* workspace, CUstream stream) {
  const FamilyLaunch& family = family_launch(cfg.family);
  const size_t ws = family.workspace_bytes(cfg);
  if (ws > ATTNLAB_FLASH_WORKSPACE_BYTES)
    return {ATTNLAB_FLASH_ERR_INTERNAL, fmt::format("config {} needs {} B of workspace, more than the ABI's {}", cfg.name(),
                                                    ws, ATTNLAB_FLASH_WORKSPACE_BYTES)};
  if (ws > 0 && !workspace)
    return {ATTNLAB_FLASH_ERR_INVALID_ARGUMENT,
            fmt::format("config {} needs args.workspace (ATTNLAB_FLASH_WORKSPACE_BYTES of zeroed device memory); it is NULL",
                        cfg.name())};
  const LaunchDims dims = family.launch_dims(cfg, p, f.resident_slots);
  KernelArgs args = family.kernel_args(cfg, p, t, {nullptr, ws > 0 ? workspace : nullptr});
  void* params[] = {args.bytes};
  const unsigned smem = unsigned(cfg.smem_bytes(p.head_dim)), threads = unsigned(cfg.threads());
  if (!dims.clustered()) {
    if (CUresult r = d.launch_kernel(f.fn, dims.grid.x, dims.grid.y, dims.grid.z, threads, 1, 1, smem, stream, params, nullptr);
        r != CUDA_SUCCESS)
      return driver_failure(r, "cuLaunchKernel");
    return {};
  }
  CUlaunchAttribute attr{};
  attr.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attr.value.clusterDim.x = dims.cluster.x;
  attr.value.clusterDim.y = dims.cluster.y;
  attr.value.clusterDim.z = dims.cluster.z;
  CUlaunchConfig lc{};
  lc.gridDimX = dims.grid.x;
  lc.gridDimY = dims.grid.y;
  lc.gridDimZ = dims.grid.z;
  lc.blockDimX = threads;
  lc.blockDimY = lc.blockDimZ = 1;
  lc.sharedMemBytes = smem;
  lc.hStream = stream;
  lc.attrs = &attr;
  lc.numAttrs = 1;
  if (CUresult r = d.launch_kernel_ex(&lc, f.fn, params, nullptr); r != CUDA_SUCCESS) return driver_failure(r, "cuLaunchKernelEx");
  return {};
}

ApiStatus forward(const attnlab_flash_args* a) {
  AttnProblem p;
  AttnTensors t;
  if (ApiStatus s = args_from_api(a, p, t); !s.ok()) return s;  // before any driver call
  if (!package().error.empty()) return {ATTNLAB_FLASH_ERR_INTERNAL, "broken export: " + package().error};
  std::string why;
  const CudaDriver* d = cuda_driver(why);
  if (!d) return {ATTNLAB_FLASH_ERR_DRIVER, why};
  const CUstream stream = static_cast<CUstream>(a->stream);
  StreamContext ctx{*d};
  if (ApiStatus s = ctx.open(stream); !s.ok()) return s;
  std::string arch;
  int sm_count = 0;
  if (ApiStatus s = device_of_context(*d, arch, sm_count); !s.ok()) return s;
  const Choice c = choose(p, arch, sm_count);
  if (!c.status.ok()) return c.status;
  LoadedFunction f;
  if (ApiStatus s = function_for(*d, c, ctx.ctx, p, sm_count, f); !s.ok()) return s;
  return launch(*d, f, c.config, p, t, a->workspace, stream);
}

template <class Fn>
int guarded(Fn&& fn) {
  try {
    return report(fn());
  } catch (const UserError& e) {  // from the lab's launch code: a tensor the kernel cannot take (TMA alignment)
    return report({ATTNLAB_FLASH_ERR_UNSUPPORTED, e.what()});
  } catch (const std::exception& e) {
    return report({ATTNLAB_FLASH_ERR_INTERNAL, e.what()});
  } catch (...) {
    return report({ATTNLAB_FLASH_ERR_INTERNAL, "unknown exception"});
  }
}

}  // namespace
}  // namespace attnlab::exported

using namespace attnlab;
using namespace attnlab::exported;

extern "C" {

__attribute__((visibility("default"))) int attnlab_flash_fwd(const attnlab_flash_args* args) {
  return guarded([&] { return forward(args); });
}

__attribute__((visibility("default"))) int attnlab_flash_choose_config(const attnlab_flash_problem* problem,
                                                                       const char* arch, int sm_count, char* buf,
                                                                       size_t len) {
  return guarded([&]() -> ApiStatus {
    AttnProblem p;
    if (ApiStatus s = problem_from_api(problem, p); !s.ok()) return s;
    if (!arch) return {ATTNLAB_FLASH_ERR_INVALID_ARGUMENT, "arch is NULL"};
    if (!buf || len == 0) return {ATTNLAB_FLASH_ERR_INVALID_ARGUMENT, "buf is NULL or len is 0"};
    if (sm_count < 0) return {ATTNLAB_FLASH_ERR_INVALID_ARGUMENT, fmt::format("sm_count must be >= 0 (got {})", sm_count)};
    const Choice c = choose(p, arch, sm_count);
    if (!c.status.ok()) return c.status;
    const std::string text = c.config.name() + "\t" + c.note;
    if (text.size() + 1 > len)
      return {ATTNLAB_FLASH_ERR_BUFFER, fmt::format("buf holds {} bytes, the answer needs {}", len, text.size() + 1)};
    std::memcpy(buf, text.c_str(), text.size() + 1);
    return {};
  });
}

__attribute__((visibility("default"))) const char* attnlab_last_error(void) { return last_error.c_str(); }
__attribute__((visibility("default"))) int attnlab_flash_abi_version(void) { return ATTNLAB_FLASH_ABI_VERSION; }
__attribute__((visibility("default"))) const char* attnlab_flash_archs(void) { return attnlab_flash_embedded_package()->archs; }
__attribute__((visibility("default"))) const char* attnlab_flash_build_info(void) {
  return attnlab_flash_embedded_package()->build_info;
}

}  // extern "C"
