#pragma once
// Text for SVG charts without a font engine: XML escaping, a conservative width estimate (wider than any
// sans-serif glyph run it stands for), and the ways a label is made to fit: wrap, abbreviate, compact numbers.
#include <string>
#include <string_view>
#include <vector>

namespace attnlab::report {

// Text and attribute values: & < > " ' escaped, invalid UTF-8 and the control characters XML 1.0 does
// not allow replaced by U+FFFD.
std::string xml_escape(std::string_view s);
// An href for a file of the evidence set, relative to the page: "./" + the path with every byte outside
// [A-Za-z0-9-._~/] percent-encoded, so a file named "javascript:alert(1)" is a relative link
// ("./javascript%3Aalert%281%29"), never a scheme.
std::string relative_href(std::string_view path);

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
