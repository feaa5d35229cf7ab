#include "measure/blocking_kernel.hpp"

#include <atomic>

#include "runtime/cuda_check.hpp"
#include "runtime/device.hpp"
#include "runtime/module.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab {

namespace {
constexpr const char* kSource = R"(
extern "C" __global__ void attnlab_harness_block_stream(volatile int* flag, volatile int* timed_out, unsigned long long timeout_ns) {
  unsigned long long t0, t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
  while (*flag == 0) {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    if (t - t0 > timeout_ns) {
      *timed_out = 1;
      break;
    }
  }
}
)";
}  // namespace

struct StreamBlocker::Impl {
  std::shared_ptr<LoadedKernel> kernel;
  int* host = nullptr;  // [0] release flag, [1] timed-out flag; mapped into the device
  int* dev = nullptr;
};

StreamBlocker::StreamBlocker() : impl_(std::make_unique<Impl>()) {
  int device = 0;
  ATTN_CUDA(cudaGetDevice(&device));
  const auto info = query_device(device);
  if (!info) throw std::runtime_error("StreamBlocker: no CUDA device");
  const CompiledKernel k = compile({"attnlab_harness_block_stream", kSource, info->arch(), {}});
  impl_->kernel = load_kernel(k, "attnlab_harness_block_stream");
  ATTN_CUDA(cudaHostAlloc(reinterpret_cast<void**>(&impl_->host), 2 * sizeof(int), cudaHostAllocMapped));
  ATTN_CUDA(cudaHostGetDevicePointer(reinterpret_cast<void**>(&impl_->dev), impl_->host, 0));
  impl_->host[0] = 1;
  impl_->host[1] = 0;
}

StreamBlocker::~StreamBlocker() {
  if (impl_->host) {
    impl_->host[0] = 1;
    cudaFreeHost(impl_->host);
  }
}

void StreamBlocker::block(cudaStream_t stream, double timeout_s) {
  reinterpret_cast<volatile int*>(impl_->host)[0] = 0;
  reinterpret_cast<volatile int*>(impl_->host)[1] = 0;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  int* flag = impl_->dev;
  int* out = impl_->dev + 1;
  unsigned long long ns = static_cast<unsigned long long>(timeout_s * 1e9);
  void* params[] = {&flag, &out, &ns};
  impl_->kernel->launch(dim3(1), dim3(1), 0, stream, params);
}

void StreamBlocker::release() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  reinterpret_cast<volatile int*>(impl_->host)[0] = 1;
}

bool StreamBlocker::timed_out() const { return reinterpret_cast<volatile int*>(impl_->host)[1] != 0; }

}  // namespace attnlab
