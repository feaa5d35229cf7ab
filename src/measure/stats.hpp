#pragma once
// Summary statistics of timing samples and the adaptive stopping rule (after nvbench: enough samples and
// GPU time, then stop once the relative standard deviation is small or no longer improving).
#include <vector>

#include "core/records.hpp"  // SampleStats, StopReason

namespace attnlab {

SampleStats summarize(std::vector<double> samples);

struct StopRule {
  int min_samples = 10;
  double min_time_s = 0.5;     // total measured GPU time
  double target_rel_stdev = 0.005;
  double max_time_s = 15.0;    // wall clock; stopping here is reported as a warning
  int max_samples = 100000;
};

// Decides after each sample; `history` holds rel_stdev values seen at earlier checks (plateau test).
StopReason should_stop(const StopRule& rule, const std::vector<double>& samples, double gpu_time_s,
                       double wall_time_s, std::vector<double>& history);

}  // namespace attnlab
