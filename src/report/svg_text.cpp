#include "report/svg_text.hpp"

#include <cctype>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "core/parse.hpp"

namespace attnlab::report {

std::string xml_escape(std::string_view raw) {
  // Text from the evidence files (file names, config names, a log): valid UTF-8 first (a Latin-1 byte
  // becomes U+FFFD), then without the control characters XML 1.0 does not allow.
  const std::string s = valid_utf8(raw);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += "\xEF\xBF\xBD";
      continue;
    }
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

std::string relative_href(std::string_view path) {
  std::string out = "./";
  for (unsigned char c : path) {
    if (std::isalnum(c) || (c && std::strchr("-._~/", c))) out += char(c);
    else out += fmt::format("%{:02X}", c);
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
  // One pass: the longest prefix (whole UTF-8 characters) that leaves room for the ellipsis. Linear in
  // the label, so a 100 kB label costs what it weighs, not its square.
  const double room = max_px - text_width("…", font_px, bold);
  double width = 0;
  size_t fits = 0;  // bytes of whole characters that fit in `room`
  for (size_t i = 0; i < s.size();) {
    size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    width += text_width(std::string_view(s).substr(i, n), font_px, bold);
    if (width > max_px + 1e-9) return s.substr(0, fits) + "…";
    i += n;
    if (width <= room) fits = i;
  }
  return s;
}

std::vector<std::string> wrap_text(const std::string& s, double max_px, double font_px, bool bold) {
  std::vector<std::string> lines;
  std::string line;
  double line_w = 0;
  const double space_w = text_width(" ", font_px, bold);
  size_t at = 0;
  while (at <= s.size()) {
    size_t end = s.find(' ', at);
    if (end == std::string::npos) end = s.size();
    const std::string word = s.substr(at, end - at);
    at = end + 1;
    if (word.empty()) continue;
    const double w = text_width(word, font_px, bold);  // each word measured once: linear in the text
    if (!line.empty() && line_w + space_w + w <= max_px) {
      line += ' ' + word;
      line_w += space_w + w;
      continue;
    }
    if (!line.empty()) lines.push_back(std::move(line));
    line = w <= max_px ? word : abbreviate(word, max_px, font_px, bold);
    line_w = w <= max_px ? w : text_width(line, font_px, bold);
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string format_number(double v, bool compact) {
  if (!std::isfinite(v)) return "–";
  const double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:.3g}", v);  // 1.7e308 as 1.7e+308, not 309 digits
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
