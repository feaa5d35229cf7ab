#include "measure/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attnlab {

namespace {
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * (sorted.size() - 1);
  const size_t i = size_t(pos);
  const double f = pos - i;
  return i + 1 < sorted.size() ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}
}  // namespace

SampleStats summarize(std::vector<double> s) {
  SampleStats st;
  st.count = int(s.size());
  if (s.empty()) return st;
  std::sort(s.begin(), s.end());
  st.min = s.front();
  st.max = s.back();
  st.median = quantile(s, 0.5);
  st.q1 = quantile(s, 0.25);
  st.q3 = quantile(s, 0.75);
  st.mean = std::accumulate(s.begin(), s.end(), 0.0) / s.size();
  double var = 0;
  for (double x : s) var += (x - st.mean) * (x - st.mean);
  var = s.size() > 1 ? var / (s.size() - 1) : 0;
  st.rel_stdev = st.mean > 0 ? std::sqrt(var) / st.mean : 0;
  return st;
}

StopReason should_stop(const StopRule& rule, const std::vector<double>& samples, double gpu_time_s,
                       double wall_time_s, std::vector<double>& history) {
  if (wall_time_s >= rule.max_time_s) return StopReason::timeout;
  if (int(samples.size()) >= rule.max_samples) return StopReason::max_samples;
  if (int(samples.size()) < rule.min_samples || gpu_time_s < rule.min_time_s) return StopReason::none;
  const double rsd = summarize(samples).rel_stdev;
  if (rsd <= rule.target_rel_stdev) return StopReason::converged;
  // Plateau: over the last 10 checks (one per 10 samples) the noise estimate moved by < 1% relative.
  if (samples.size() % 10 == 0) {
    history.push_back(rsd);
    if (history.size() >= 10) {
      const auto [lo, hi] = std::minmax_element(history.end() - 10, history.end());
      if ((*hi - *lo) <= 0.01 * *hi) return StopReason::plateaued;
    }
  }
  return StopReason::none;
}


}  // namespace attnlab
