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

void finalize_axis(Axis& a, const std::vector<double>& values) {
  if (a.fixed) return;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    if (!std::isfinite(v) || (a.scale != Scale::linear && v <= 0)) continue;
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
}

std::vector<double> axis_ticks(const Axis& a) {
  std::vector<double> t;
  if (a.scale == Scale::linear) {
    const double step = nice_step(a.hi - a.lo);
    for (double v = std::ceil(a.lo / step - 1e-9) * step; v <= a.hi + step * 1e-6; v += step)
      t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  } else {
    const double b = log_base(a.scale);
    for (double e = std::ceil(to_log(a.scale, a.lo) - 1e-9); e <= to_log(a.scale, a.hi) + 1e-9; e += 1)
      t.push_back(std::pow(b, e));
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
