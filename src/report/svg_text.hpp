#pragma once
// Text for SVG charts without a font engine: XML escaping, a conservative width estimate (wider than any
// sans-serif glyph run it stands for), and the ways a label is made to fit: wrap, abbreviate, compact numbers.
#include <string>
#include <string_view>
#include <vector>

namespace attnlab::report {

std::string xml_escape(std::string_view s);

// Width in px of `s` at `font_px`: 0.66 em per character (0.9 for wide ones, 0.76 for capitals, 0.36 for
// narrow ones; × 1.1 in bold), so a real sans-serif rendering (DejaVu Sans is among the widest) is never
// wider than the estimate.
double text_width(std::string_view s, double font_px, bool bold = false);

// Splits on spaces into lines no wider than max_px; a single word that is too long is abbreviated.
std::vector<std::string> wrap_text(const std::string& s, double max_px, double font_px, bool bold = false);

// `s` if it fits in max_px, else its prefix with "…".
std::string abbreviate(const std::string& s, double max_px, double font_px, bool bold = false);

// 3 significant digits, no trailing zeros: 0.123, 1.5, 42, 690; 16384 -> "16k" when compact is set.
std::string format_number(double v, bool compact = false);

}  // namespace attnlab::report
