#include "measure/timer.hpp"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "measure/blocking_kernel.hpp"
#include "measure/kernel_trace.hpp"
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
void add_warning(Measurement& m, const std::string& w) {
  if (!m.warning.empty()) m.warning += "; ";
  m.warning += w;
}
bool trace_requested(const MeasureOptions& opt) {
  const char* env = std::getenv("ATTNLAB_KERNEL_TRACE");
  return opt.kernel_trace || (env && std::string(env) == "1");
}
}  // namespace

Measurement measure(const std::function<void(cudaStream_t)>& launch, const MeasureOptions& opt, const SampleHooks& hooks) {
  return measure([&launch](cudaStream_t s, int) { launch(s); }, opt, hooks);
}

Measurement measure(const std::function<void(cudaStream_t, int)>& launch, const MeasureOptions& opt, const SampleHooks& hooks) {
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
    launch(stream.s, 0);  // load modules / build plans outside the capture
    ATTN_CUDA(cudaStreamSynchronize(stream.s));
    ATTN_CUDA(cudaStreamBeginCapture(stream.s, cudaStreamCaptureModeThreadLocal));
    for (int i = 0; i < opt.graph_reps; ++i) launch(stream.s, i);
    ATTN_CUDA(cudaStreamEndCapture(stream.s, &graph.g));
    ATTN_CUDA(cudaGraphInstantiate(&graph.exec, graph.g, 0));
    m.graph_reps = opt.graph_reps;
  }
  auto run_once = [&] {
    if (graph.exec) ATTN_CUDA(cudaGraphLaunch(graph.exec, stream.s));
    else launch(stream.s, 0);
  };

  std::unique_ptr<StreamBlocker> blocker;
  if (opt.block_stream) {
    try {
      blocker = std::make_unique<StreamBlocker>();
    } catch (const std::exception& e) {
      add_warning(m, std::string("no stream blocker (") + e.what() + "): host launch overhead may be timed");
    }
  }
  KernelTrace* trace = nullptr;
  m.kernel_trace = "off";
  if (trace_requested(opt)) {
    if (KernelTrace::get().available()) trace = &KernelTrace::get();
    else m.kernel_trace = "unavailable: " + KernelTrace::get().why();
  }

  const auto warm_begin = clock_type::now();
  for (int i = 0; i < opt.warmup_runs || seconds_since(warm_begin) < opt.warmup_time_s; ++i) {
    if (hooks.before_warmup) hooks.before_warmup(stream.s);
    run_once();
    ATTN_CUDA(cudaStreamSynchronize(stream.s));
  }

  struct TraceGuard {  // a hook that throws (a failed verification) must not leave the trace running
    KernelTrace* t;
    ~TraceGuard() {
      if (t) t->stop();
    }
  } trace_guard{trace};
  if (trace) {
    trace->start();
    if (trace->available()) {
      m.kernel_trace = "cupti";
    } else {
      m.kernel_trace = "unavailable: " + trace->why();
      trace = nullptr;
    }
  }
  std::vector<double> history;
  double gpu_s = 0, clock_sum = 0;
  m.stream_blocked = blocker != nullptr;
  const auto t0 = clock_type::now();
  for (int index = 0;; ++index) {
    if (hooks.before) hooks.before(index, stream.s);
    if (blocker) blocker->block(stream.s);
    if (opt.flush_l2) ATTN_CUDA(cudaMemsetAsync(flush.get(), int(m.samples.size() & 0xff), flush.bytes(), stream.s));
    ATTN_CUDA(cudaEventRecord(start.e, stream.s));
    try {
      run_once();
      ATTN_CUDA(cudaEventRecord(stop.e, stream.s));
    } catch (...) {
      if (blocker) blocker->release();
      throw;
    }
    if (blocker) blocker->release();
    ATTN_CUDA(cudaEventSynchronize(stop.e));
    float ms = 0;
    ATTN_CUDA(cudaEventElapsedTime(&ms, start.e, stop.e));
    const double us = ms * 1e3 / std::max(1, opt.graph_reps);
    const double kernel_us = trace ? trace->take_sum_us() / std::max(1, opt.graph_reps) : 0;
    if (blocker && blocker->timed_out()) {
      add_warning(m, "the stream blocker timed out (does the launch synchronize?): not used from sample " +
                         std::to_string(index));
      blocker.reset();
      m.stream_blocked = false;
    }
    if (hooks.after) hooks.after(index, stream.s);
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
      if (trace) {
        m.kernel_us.push_back(kernel_us);
        if (kernel_us > 0 && event_exceeds_kernels(us, kernel_us)) ++m.host_overhead_samples;
      }
    }
    m.stop = should_stop(opt.stop, m.samples, gpu_s, seconds_since(t0), history);
    if (m.stop != StopReason::none) break;
  }
  if (trace) {
    m.kernel_sum_us = summarize(m.kernel_us).median;
    if (m.host_overhead_samples > 0)
      add_warning(m, fmt::format("{} of {} samples exceed their kernels' summed durations by >15% + 3 us (median "
                                 "kernel sum {:.2f} us)", m.host_overhead_samples, m.samples.size(), m.kernel_sum_us));
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
