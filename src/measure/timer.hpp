#pragma once
// The one timing core: cold measurement (L2 flushed before every sample by writing a buffer twice the L2
// size), CUDA events around the launch only, warm-up first, adaptive stopping, and a throttle check
// (the SM clock read through NVML after every sample; samples taken below 75% of the maximum clock are
// discarded and the GPU given a recovery pause). A blocking kernel holds the stream while each sample is
// enqueued, so host launch overhead is never timed (measure/blocking_kernel). Optional CUDA-graph mode
// for kernels of a few µs. Optional CUPTI cross-check: each sample's event time next to the summed
// durations of the kernels it ran; samples where the events exceed the kernels by >15% + 3 µs are counted.
// Every command that times anything goes through measure().
#include <cuda_runtime_api.h>

#include <functional>
#include <string>
#include <vector>

#include "core/records.hpp"  // Measurement
#include "measure/stats.hpp"

namespace attnlab {

struct MeasureOptions {
  int warmup_runs = 3;
  double warmup_time_s = 0.1;  // warm-up lasts at least this long (clocks ramp up)
  bool flush_l2 = true;
  StopRule stop;
  bool throttle_check = true;
  double min_clock_fraction = 0.75;  // of the maximum SM clock
  double recovery_delay_s = 0.1;
  int graph_reps = 0;  // > 0: time a CUDA graph of this many launches; sample = replay time / reps
  bool block_stream = true;   // hold the stream with a spin kernel while a sample is enqueued
  bool kernel_trace = false;  // CUPTI kernel durations per sample (also on with ATTNLAB_KERNEL_TRACE=1)
};

// Callbacks around each sample (index counts every sample taken, kept or discarded), both outside the
// timed region: `before` runs before the sample's L2 flush is enqueued, `after` once its stop event has
// completed and before the next flush. Work they enqueue on the stream is never timed. What they throw
// ends the measurement (the verification of timed outputs uses this: a mismatch is never a number).
// `before_warmup` runs before each warm-up launch (the verification poisons there too, so a warm-up launch
// looks like a sample to the kernel).
struct SampleHooks {
  std::function<void(int sample, cudaStream_t)> before;
  std::function<void(int sample, cudaStream_t)> after;
  std::function<void(cudaStream_t)> before_warmup;
};

// `launch` enqueues the work on the given stream (and must check its own launch errors). The indexed form
// is told which launch of a sample it is (0; in graph mode 0..graph_reps-1 in capture order), so a caller
// can give every captured launch buffers of its own.
Measurement measure(const std::function<void(cudaStream_t, int launch)>& launch, const MeasureOptions& opt = {},
                    const SampleHooks& hooks = {});
Measurement measure(const std::function<void(cudaStream_t)>& launch, const MeasureOptions& opt = {},
                    const SampleHooks& hooks = {});

}  // namespace attnlab
