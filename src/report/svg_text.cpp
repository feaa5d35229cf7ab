#include "report/svg_text.hpp"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace attnlab::report {

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

double text_width(std::string_view s, double font_px, bool bold) {
  double em = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte: counted with its lead byte
    if (std::strchr("ilj.,:;'|!I ()[]", c) && c != 0) em += 0.36;
    else if (std::strchr("mwMW@%", c) && c != 0) em += 0.9;
    else if (c >= 'A' && c <= 'Z') em += 0.76;
    else em += 0.66;
  }
  return em * font_px * (bold ? 1.1 : 1.0);
}

std::string abbreviate(const std::string& s, double max_px, double font_px, bool bold) {
  if (text_width(s, font_px, bold) <= max_px) return s;
  std::string cut = s;
  while (!cut.empty() && text_width(cut + "…", font_px, bold) > max_px) {
    cut.pop_back();
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
    if (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0x80)) cut.pop_back();
  }
  return cut + "…";
}

std::vector<std::string> wrap_text(const std::string& s, double max_px, double font_px, bool bold) {
  std::vector<std::string> lines;
  std::string line, word;
  auto flush_word = [&] {
    if (word.empty()) return;
    const std::string joined = line.empty() ? word : line + " " + word;
    if (text_width(joined, font_px, bold) <= max_px) line = joined;
    else {
      if (!line.empty()) lines.push_back(line);
      line = abbreviate(word, max_px, font_px, bold);
    }
    word.clear();
  };
  for (char c : s) {
    if (c == ' ') flush_word();
    else word += c;
  }
  flush_word();
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string format_number(double v, bool compact) {
  if (!std::isfinite(v)) return "–";
  const double a = std::fabs(v);
  if (compact && a >= 1000 && std::fmod(a, 1024) == 0) return fmt::format("{}k", static_cast<long long>(v / 1024));
  if (a == 0) return "0";
  if (a >= 100) return fmt::format("{:.0f}", v);
  std::string s = a >= 10 ? fmt::format("{:.1f}", v) : a >= 1 ? fmt::format("{:.2f}", v) : fmt::format("{:.3g}", v);
  if (s.find('.') != std::string::npos && s.find('e') == std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace attnlab::report
