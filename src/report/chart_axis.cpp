#include "report/chart_axis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "report/svg_text.hpp"

namespace attnlab::report {

namespace {
double nice_step(double range) {
  if (range <= 0) return 1;
  const double raw = range / 5.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}
double log_base(Scale s) { return s == Scale::log2 ? 2.0 : 10.0; }
double to_log(Scale s, double v) { return std::log(v) / std::log(log_base(s)); }
}  // namespace

bool plottable(Scale s, double v) {
  if (!std::isfinite(v)) return false;
  return s == Scale::linear ? std::fabs(v) <= kAxisMax : v >= kAxisMinLog && v <= kAxisMax;
}

int finalize_axis(Axis& a, const std::vector<double>& values) {
  int dropped = 0;
  for (double v : values)
    if (std::isfinite(v) && !plottable(a.scale, v) && !(a.scale != Scale::linear && v <= 0)) ++dropped;
  if (a.fixed) {  // the caller's range, made finite and ordered
    const double lo = a.scale == Scale::linear ? -kAxisMax : kAxisMinLog;
    a.lo = std::isfinite(a.lo) ? std::clamp(a.lo, lo, kAxisMax) : lo;
    a.hi = std::isfinite(a.hi) ? std::clamp(a.hi, lo, kAxisMax) : kAxisMax;
    if (!(a.hi > a.lo)) a.hi = a.scale == Scale::linear ? a.lo + 1 : std::min(kAxisMax, a.lo * 10);
    if (!(a.hi > a.lo)) a.lo = a.hi / 10;
    return dropped;
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    if (!plottable(a.scale, v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (a.scale == Scale::linear) {
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (a.from_zero) lo = std::min(lo, 0.0), hi = std::max(hi, 0.0);
    if (hi <= lo) hi = lo + 1;
    const double step = nice_step(hi - lo);
    a.lo = std::floor(lo / step) * step;
    a.hi = std::ceil(hi / step - 1e-9) * step;
    if (a.hi <= a.lo) a.hi = a.lo + step;
  } else {
    if (!std::isfinite(lo)) lo = 1, hi = 2;
    const double b = log_base(a.scale);
    a.lo = std::pow(b, std::floor(to_log(a.scale, lo) + 1e-9));
    a.hi = std::pow(b, std::ceil(to_log(a.scale, hi) - 1e-9));
    if (a.hi <= a.lo) a.hi = a.lo * b;
  }
  return dropped;
}

std::vector<double> axis_ticks(const Axis& a) {
  std::vector<double> t;
  if (!std::isfinite(a.lo) || !std::isfinite(a.hi) || !(a.hi > a.lo)) return t;
  if (a.scale == Scale::linear) {
    double step = nice_step(a.hi - a.lo);
    while ((a.hi - a.lo) / step > kMaxTicks) step *= 10;
    const double first = std::ceil(a.lo / step - 1e-9);
    for (int k = 0; k <= kMaxTicks; ++k) {  // multiples of step: no drift, no endless loop
      const double v = (first + k) * step;
      if (v > a.hi + step * 1e-6) break;
      t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
    }
  } else {
    if (a.lo <= 0) return t;
    const double b = log_base(a.scale);
    const double e0 = std::ceil(to_log(a.scale, a.lo) - 1e-9), e1 = to_log(a.scale, a.hi) + 1e-9;
    const double every = std::max(1.0, std::ceil((e1 - e0) / kMaxTicks));
    for (int k = 0; k <= kMaxTicks && e0 + k * every <= e1; ++k) t.push_back(std::pow(b, e0 + k * every));
  }
  return t;
}

std::string tick_label(const Axis& a, double v) { return format_number(v, a.compact_ticks); }

double axis_map(const Axis& a, double v, double px_lo, double px_hi) {
  double f;
  if (a.scale == Scale::linear) f = (v - a.lo) / (a.hi - a.lo);
  else f = (to_log(a.scale, v) - to_log(a.scale, a.lo)) / (to_log(a.scale, a.hi) - to_log(a.scale, a.lo));
  return px_lo + f * (px_hi - px_lo);
}

}  // namespace attnlab::report
