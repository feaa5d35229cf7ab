#pragma once
// The one timing core: cold measurement (L2 flushed before every sample by writing a buffer twice the L2
// size), CUDA events around the launch only, warm-up first, adaptive stopping. Every command that times
// anything goes through measure().
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
};

struct Measurement {
  SampleStats stats;            // microseconds
  std::vector<double> samples;  // raw, microseconds, in order
  StopReason stop = StopReason::none;
  std::string warning;          // non-empty when stopped by timeout
};

// `launch` enqueues the work on the given stream (and must check its own launch errors).
Measurement measure(const std::function<void(cudaStream_t)>& launch, const MeasureOptions& opt = {});

}  // namespace attnlab
