#include "measure/timer.hpp"

#include <chrono>

#include <fmt/format.h>

#include "runtime/cuda_check.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab {

namespace {
struct Event {
  cudaEvent_t e = nullptr;
  Event() { ATTN_CUDA(cudaEventCreate(&e)); }
  ~Event() { cudaEventDestroy(e); }
};
struct Stream {
  cudaStream_t s = nullptr;
  Stream() { ATTN_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking)); }
  ~Stream() { cudaStreamDestroy(s); }
};
}  // namespace

Measurement measure(const std::function<void(cudaStream_t)>& launch, const MeasureOptions& opt) {
  int dev = 0, l2 = 0;
  ATTN_CUDA(cudaGetDevice(&dev));
  ATTN_CUDA(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev));
  DeviceBuffer flush(opt.flush_l2 ? size_t(std::max(l2, 1 << 20)) * 2 : 0);
  Stream stream;
  Event start, stop;
  using clock = std::chrono::steady_clock;

  const auto warm_begin = clock::now();
  for (int i = 0; i < opt.warmup_runs || std::chrono::duration<double>(clock::now() - warm_begin).count() < opt.warmup_time_s; ++i) {
    launch(stream.s);
    ATTN_CUDA(cudaStreamSynchronize(stream.s));
  }

  Measurement m;
  std::vector<double> history;
  double gpu_s = 0;
  const auto t0 = clock::now();
  for (;;) {
    if (opt.flush_l2) ATTN_CUDA(cudaMemsetAsync(flush.get(), m.samples.size() & 0xff, flush.bytes(), stream.s));
    ATTN_CUDA(cudaEventRecord(start.e, stream.s));
    launch(stream.s);
    ATTN_CUDA(cudaEventRecord(stop.e, stream.s));
    ATTN_CUDA(cudaEventSynchronize(stop.e));
    float ms = 0;
    ATTN_CUDA(cudaEventElapsedTime(&ms, start.e, stop.e));
    m.samples.push_back(ms * 1e3);
    gpu_s += ms * 1e-3;
    const double wall = std::chrono::duration<double>(clock::now() - t0).count();
    m.stop = should_stop(opt.stop, m.samples, gpu_s, wall, history);
    if (m.stop != StopReason::none) break;
  }
  m.stats = summarize(m.samples);
  if (m.stop == StopReason::timeout)
    m.warning = fmt::format("stopped at the {:.0f} s limit with relative stdev {:.2f}%", opt.stop.max_time_s,
                            m.stats.rel_stdev * 100);
  return m;
}

}  // namespace attnlab
