#pragma once
// The look shared by every chart: the Okabe-Ito colour-blind-safe palette, marker shapes (a second cue
// besides colour), font sizes. Foreground/grid colours are CSS classes (light and dark mode, print).
#include <string>

namespace attnlab::report {

// Okabe & Ito (2008), reordered so the first colours differ most; black is the page foreground instead.
inline const char* palette_colour(int i) {
  static const char* c[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999"};
  return c[((i % 7) + 7) % 7];
}

struct Font {
  static constexpr double title = 14, label = 12, tick = 11, legend = 11, cell = 11;
};

// A marker centred at (x, y): circle, square, triangle, diamond, cross, by index.
std::string svg_marker(int shape, double x, double y, const std::string& colour, const std::string& tip);

}  // namespace attnlab::report
