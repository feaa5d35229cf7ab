#pragma once
// Heat map of ratios as one inline <svg>: a diverging colour scale centred at `centre` on a log 2 scale
// (orange below, blue above, near-white at the centre), the value printed in each cell, cells at or above
// the centre outlined, and a colour bar with the centre marked.
#include <string>
#include <vector>

namespace attnlab::report {

struct HeatMap {
  std::string kind = "heatmap";
  std::string title;
  std::string row_title, col_title;  // axis captions
  std::vector<std::string> rows, cols;
  std::vector<std::vector<double>> values;  // [row][col]; NaN: no data (hatched grey)
  double centre = 1.0;
  double log2_span = 2.0;  // colours saturate at centre * 2^±span
  std::string low_label = "slower", high_label = "faster";
  double width = 560;
};

std::string render_heatmap(const HeatMap& h);
// The fill of a value (exposed for tests): "#rrggbb".
std::string heat_colour(double v, double centre, double log2_span);

}  // namespace attnlab::report
