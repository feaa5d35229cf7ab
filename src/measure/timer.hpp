#pragma once
// The one timing core: cold measurement (L2 flushed before every sample by writing a buffer twice the L2
// size), CUDA events around the launch only, warm-up first, adaptive stopping, and a throttle check
// (the SM clock read through NVML after every sample; samples taken below 75% of the maximum clock are
// discarded and the GPU given a recovery pause). Optional CUDA-graph mode for kernels of a few µs.
// Every command that times anything goes through measure().
#include <cuda_runtime_api.h>

#include <functional>
#include <string>
#include <vector>

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
};

struct Measurement {
  SampleStats stats;            // microseconds
  std::vector<double> samples;  // raw, microseconds, in order
  StopReason stop = StopReason::none;
  std::string warning;          // non-empty when stopped by timeout or the clock could not be read
  double mean_sm_clock_mhz = 0;  // over kept samples (0 when unknown)
  double max_sm_clock_mhz = 0;   // the reference for the throttle check
  int discarded_throttled = 0;
  std::string clock_source;      // "nvml" or "none"
  int graph_reps = 0;
};

// `launch` enqueues the work on the given stream (and must check its own launch errors).
Measurement measure(const std::function<void(cudaStream_t)>& launch, const MeasureOptions& opt = {});

}  // namespace attnlab
