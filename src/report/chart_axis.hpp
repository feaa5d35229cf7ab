#pragma once
// One axis of a chart: its scale (linear, log 2, log 10), range, ticks and tick labels, and the map from a
// data value to a pixel. Ticks are "nice" (1, 2, 5 × 10^n steps; powers of the log base).
#include <string>
#include <vector>

namespace attnlab::report {

enum class Scale { linear, log2, log10 };

struct Axis {
  std::string label;  // with the unit: "sequence length (tokens)", "TFLOP/s"
  Scale scale = Scale::linear;
  double lo = 0, hi = 0;       // set by finalize_axis from the data unless fixed
  bool fixed = false;          // lo/hi given by the caller
  bool from_zero = true;       // linear: include 0
  bool compact_ticks = false;  // 16384 -> 16k
};

// What an axis can show: |v| <= 1e15 (linear) or 1e-15 <= v <= 1e15 (log). Beyond that a number in an
// evidence file is a corrupt or hostile value (1.7e308, 5e-324), not a measurement: it is left out of the
// range and not drawn, so every axis is finite and has a bounded number of ticks.
inline constexpr double kAxisMax = 1e15, kAxisMinLog = 1e-15;
bool plottable(Scale s, double v);

// Extends the axis to hold the plottable `values`, then rounds lo/hi out to ticks. An axis with no data
// gets [0, 1] (linear) or [1, 2] (log). Returns how many finite values were not plottable (for a note).
int finalize_axis(Axis& a, const std::vector<double>& values);
// At most kMaxTicks: a fixed axis with a huge range gets coarser steps, never an endless list.
inline constexpr int kMaxTicks = 64;
std::vector<double> axis_ticks(const Axis& a);
std::string tick_label(const Axis& a, double v);
// Position of v in [px_lo, px_hi] (px_hi may be smaller, as for y).
double axis_map(const Axis& a, double v, double px_lo, double px_hi);

}  // namespace attnlab::report
