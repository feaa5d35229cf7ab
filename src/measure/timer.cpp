#include "measure/timer.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "measure/nvml.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/device.hpp"
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
struct Graph {
  cudaGraph_t g = nullptr;
  cudaGraphExec_t exec = nullptr;
  ~Graph() {
    if (exec) cudaGraphExecDestroy(exec);
    if (g) cudaGraphDestroy(g);
  }
};
using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }
}  // namespace

Measurement measure(const std::function<void(cudaStream_t)>& launch, const MeasureOptions& opt) {
  int dev = 0, l2 = 0;
  ATTN_CUDA(cudaGetDevice(&dev));
  ATTN_CUDA(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev));
  DeviceBuffer flush(opt.flush_l2 ? size_t(std::max(l2, 1 << 20)) * 2 : 0);
  Stream stream;
  Event start, stop;
  Measurement m;

  std::optional<Nvml> nvml;
  if (opt.throttle_check) {
    if (auto d = query_device(dev)) nvml.emplace(d->uuid);
  }
  const bool have_clock = nvml && nvml->available() && nvml->max_sm_clock_mhz();
  m.clock_source = have_clock ? "nvml" : "none";
  if (have_clock) m.max_sm_clock_mhz = *nvml->max_sm_clock_mhz();
  else if (opt.throttle_check)
    m.warning = "SM clock not readable (" + (nvml ? nvml->why_unavailable() : std::string("no device")) + "): no throttle check";

  Graph graph;
  if (opt.graph_reps > 0) {
    launch(stream.s);  // load modules / build plans outside the capture
    ATTN_CUDA(cudaStreamSynchronize(stream.s));
    ATTN_CUDA(cudaStreamBeginCapture(stream.s, cudaStreamCaptureModeThreadLocal));
    for (int i = 0; i < opt.graph_reps; ++i) launch(stream.s);
    ATTN_CUDA(cudaStreamEndCapture(stream.s, &graph.g));
    ATTN_CUDA(cudaGraphInstantiate(&graph.exec, graph.g, 0));
    m.graph_reps = opt.graph_reps;
  }
  auto run_once = [&] {
    if (graph.exec) ATTN_CUDA(cudaGraphLaunch(graph.exec, stream.s));
    else launch(stream.s);
  };

  const auto warm_begin = clock_type::now();
  for (int i = 0; i < opt.warmup_runs || seconds_since(warm_begin) < opt.warmup_time_s; ++i) {
    run_once();
    ATTN_CUDA(cudaStreamSynchronize(stream.s));
  }

  std::vector<double> history;
  double gpu_s = 0, clock_sum = 0;
  const auto t0 = clock_type::now();
  for (;;) {
    if (opt.flush_l2) ATTN_CUDA(cudaMemsetAsync(flush.get(), int(m.samples.size() & 0xff), flush.bytes(), stream.s));
    ATTN_CUDA(cudaEventRecord(start.e, stream.s));
    run_once();
    ATTN_CUDA(cudaEventRecord(stop.e, stream.s));
    ATTN_CUDA(cudaEventSynchronize(stop.e));
    float ms = 0;
    ATTN_CUDA(cudaEventElapsedTime(&ms, start.e, stop.e));
    const double us = ms * 1e3 / std::max(1, opt.graph_reps);
    bool keep = true;
    if (have_clock) {
      const auto mhz = nvml->sm_clock_mhz();
      if (mhz && *mhz < opt.min_clock_fraction * m.max_sm_clock_mhz) {
        keep = false;
        ++m.discarded_throttled;
        std::this_thread::sleep_for(std::chrono::duration<double>(opt.recovery_delay_s));
      } else if (mhz) {
        clock_sum += *mhz;
      }
    }
    if (keep) {
      m.samples.push_back(us);
      gpu_s += ms * 1e-3;
    }
    m.stop = should_stop(opt.stop, m.samples, gpu_s, seconds_since(t0), history);
    if (m.stop != StopReason::none) break;
  }
  m.stats = summarize(m.samples);
  if (have_clock && !m.samples.empty()) m.mean_sm_clock_mhz = clock_sum / m.samples.size();
  if (m.stop == StopReason::timeout) {
    if (!m.warning.empty()) m.warning += "; ";
    m.warning += fmt::format("stopped at the {:.0f} s limit with relative stdev {:.2f}%", opt.stop.max_time_s,
                             m.stats.rel_stdev * 100);
  }
  if (m.discarded_throttled > 0) {
    if (!m.warning.empty()) m.warning += "; ";
    m.warning += fmt::format("{} samples discarded below {:.0f}% of the {:.0f} MHz max SM clock", m.discarded_throttled,
                             opt.min_clock_fraction * 100, m.max_sm_clock_mhz);
  }
  if (m.samples.empty()) throw std::runtime_error("measurement produced no valid sample (" + m.warning + ")");
  return m;
}

}  // namespace attnlab
