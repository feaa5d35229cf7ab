#pragma once
// X-Y chart as one inline <svg>: lines with markers, scatter, reference lines (ceilings, rooflines, the
// diagonal), wrapped title, axes with ticks and units, a legend that flows into rows. Used for TFLOP/s vs
// sequence length, tuning convergence, rank scatter and the roofline.
#include <string>
#include <vector>

#include "report/chart_axis.hpp"

namespace attnlab::report {

struct Series {
  std::string name;
  std::vector<double> x, y;
  std::vector<std::string> tips;  // per point, shown on hover (<title>); optional
  bool line = true, markers = true, dashed = false;
  int colour = -1;  // palette index; -1: the series' position
  int marker = -1;  // marker shape; -1: the series' position
  int marker_every = 1;  // a marker on every n-th point (long curves)
};

// A reference line (ceiling, roof, diagonal, target) through the given points.
Series reference_line(std::string name, std::vector<double> x, std::vector<double> y);

struct XYChart {
  std::string kind;   // data-chart attribute: "tflops", "convergence", "rank", "roofline"
  std::string title;
  Axis x, y;
  std::vector<Series> series;
  std::vector<Series> refs;  // drawn dashed in the foreground colour, listed in the legend
  double width = 560, height = 360;
};

std::string render_xy(const XYChart& c);

// The frame every chart shares: <svg> with viewBox, data-chart, role, aria-label, then the title wrapped to
// the width (title_height() px tall). Close with "</svg>".
double title_height(const std::string& title, double w);
std::string svg_open(const std::string& kind, const std::string& title, double w, double h);

// Legend entries flowed into rows of at most `width` px starting at (x, y); returns the svg and sets *h.
struct LegendEntry {
  std::string name;
  std::string colour;  // empty: foreground (reference lines)
  int marker = -1;     // -1: none
  bool dashed = false;
  bool line = true;  // false: the marker alone (scatter)
};
std::string render_legend(const std::vector<LegendEntry>& e, double x, double y, double width, double* h);
double legend_height(const std::vector<LegendEntry>& e, double width);

}  // namespace attnlab::report
