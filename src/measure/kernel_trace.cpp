#include "measure/kernel_trace.hpp"

#if ATTNLAB_HAVE_CUPTI
#include <cupti_activity.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>
#endif

namespace attnlab {

#if ATTNLAB_HAVE_CUPTI
namespace {
struct CuptiApi {
  CUptiResult (*register_callbacks)(CUpti_BuffersCallbackRequestFunc, CUpti_BuffersCallbackCompleteFunc) = nullptr;
  CUptiResult (*enable)(CUpti_ActivityKind) = nullptr;
  CUptiResult (*disable)(CUpti_ActivityKind) = nullptr;
  CUptiResult (*flush_all)(uint32_t) = nullptr;
  CUptiResult (*next_record)(uint8_t*, size_t, CUpti_Activity**) = nullptr;
};
CuptiApi api;
std::mutex mu;
double pending_ns = 0;
int pending_kernels = 0;
std::string ignore;

void CUPTIAPI buffer_requested(uint8_t** buffer, size_t* size, size_t* max_records) {
  *size = 1 << 20;
  *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, *size));
  *max_records = 0;
}

void CUPTIAPI buffer_completed(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t valid) {
  CUpti_Activity* rec = nullptr;
  std::lock_guard lk(mu);
  while (api.next_record(buffer, valid, &rec) == CUPTI_SUCCESS) {
    if (rec->kind != CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL && rec->kind != CUPTI_ACTIVITY_KIND_KERNEL) continue;
    const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(rec);
    if (!ignore.empty() && k->name && std::strncmp(k->name, ignore.c_str(), ignore.size()) == 0) continue;
    pending_ns += double(k->end - k->start);
    ++pending_kernels;
  }
  std::free(buffer);
}
}  // namespace

KernelTrace::KernelTrace() {
  void* lib = nullptr;
  for (const char* name : {"libcupti.so", "libcupti.so.13", "/usr/local/cuda/extras/CUPTI/lib64/libcupti.so",
                           "/usr/local/cuda/lib64/libcupti.so", "/usr/local/cuda/lib/libcupti.so",
                           "/usr/local/cuda/targets/x86_64-linux/lib/libcupti.so"})
    if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
  if (!lib) {
    why_ = "libcupti not found";
    return;
  }
  auto sym = [&](const char* n, auto& fn) { fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, n)); };
  sym("cuptiActivityRegisterCallbacks", api.register_callbacks);
  sym("cuptiActivityEnable", api.enable);
  sym("cuptiActivityDisable", api.disable);
  sym("cuptiActivityFlushAll", api.flush_all);
  sym("cuptiActivityGetNextRecord", api.next_record);
  if (!api.register_callbacks || !api.enable || !api.disable || !api.flush_all || !api.next_record) {
    why_ = "libcupti lacks the activity API";
    return;
  }
  if (api.register_callbacks(buffer_requested, buffer_completed) != CUPTI_SUCCESS) {
    why_ = "cuptiActivityRegisterCallbacks failed";
    return;
  }
  available_ = true;
}

void KernelTrace::start() {
  if (!available_ || started_) return;
  if (api.enable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) != CUPTI_SUCCESS) {
    available_ = false;
    why_ = "cuptiActivityEnable(CONCURRENT_KERNEL) failed (another profiler attached?)";
    return;
  }
  started_ = true;
  take_sum_us();
}

void KernelTrace::stop() {
  if (!started_) return;
  api.flush_all(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
  api.disable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
  started_ = false;
}

double KernelTrace::take_sum_us(const std::string& ignore_prefix) {
  if (!started_) return 0;
  {
    std::lock_guard lk(mu);
    ignore = ignore_prefix;
  }
  api.flush_all(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
  std::lock_guard lk(mu);
  const double us = pending_ns * 1e-3;
  kernels_ = pending_kernels;
  pending_ns = 0;
  pending_kernels = 0;
  return us;
}
#else
KernelTrace::KernelTrace() { why_ = "built without the CUPTI header"; }
void KernelTrace::start() {}
void KernelTrace::stop() {}
double KernelTrace::take_sum_us(const std::string&) { return 0; }
#endif

KernelTrace& KernelTrace::get() {
  static KernelTrace t;
  return t;
}

}  // namespace attnlab
