#include "core/parse.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <new>
#include <stdexcept>

#include <fmt/format.h>

namespace attnlab {

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) out += (c >= 0x20 && c != 0x7f) ? c : '?';
  return out;
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    // The length of a well-formed sequence starting here (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
    size_t n = b < 0x80 ? 1 : (b >= 0xc2 && b <= 0xdf) ? 2 : (b >= 0xe0 && b <= 0xef) ? 3 : (b >= 0xf0 && b <= 0xf4) ? 4 : 0;
    if (n > 1) {
      if (i + n > s.size()) n = 0;
      for (size_t k = 1; n && k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) n = 0;
      if (n) {
        const auto b1 = static_cast<unsigned char>(s[i + 1]);
        if ((b == 0xe0 && b1 < 0xa0) || (b == 0xed && b1 > 0x9f) || (b == 0xf0 && b1 < 0x90) || (b == 0xf4 && b1 > 0x8f)) n = 0;
      }
    }
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string quote_for_message(std::string_view s) {
  return "'" + printable(s.substr(0, 80)) + (s.size() > 80 ? "...'" : "'");
}

namespace {
std::string prefix(std::string_view field) { return field.empty() ? std::string() : std::string(field) + ": "; }
}  // namespace

std::string field_value(std::string_view field, std::string_view value) {
  return std::string(field) + " " + quote_for_message(value);
}

int64_t parse_int(std::string_view text, std::string_view field, int64_t lo, int64_t hi) {
  std::string_view t = text;
  if (!t.empty() && t[0] == '+') t.remove_prefix(1);
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec == std::errc::result_out_of_range)
    throw UserError(fmt::format("{}{} is out of range (expected {}..{})", prefix(field), quote_for_message(text), lo, hi));
  if (ec != std::errc() || end != t.data() + t.size() || t.empty())
    throw UserError(fmt::format("{}{} is not an integer", prefix(field), quote_for_message(text)));
  if (v < lo || v > hi) throw UserError(fmt::format("{}{} is out of range (expected {}..{})", prefix(field), v, lo, hi));
  return v;
}

int64_t integer_value(double v, std::string_view field, int64_t lo, int64_t hi) {
  // [lo, hi] compared as doubles first: the cast below is only reached for values that fit.
  if (!std::isfinite(v) || v != std::floor(v) || v < double(lo) || v > double(hi) || v >= 9.2e18 || v <= -9.2e18)
    throw UserError(fmt::format("{}{} is not an integer in {}..{}", prefix(field), v, lo, hi));
  return static_cast<int64_t>(v);
}

double parse_double(std::string_view text, std::string_view field, double lo, double hi) {
  std::string_view t = text;
  if (!t.empty() && t[0] == '+') t.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size() || t.empty() || !std::isfinite(v))
    throw UserError(fmt::format("{}{} is not a finite number", prefix(field), quote_for_message(text)));
  if (v < lo || v > hi) throw UserError(fmt::format("{}{} is out of range (expected {}..{})", prefix(field), v, lo, hi));
  return v;
}

std::string readable_reason(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e)) return "too large to hold in memory";
  if (auto* fe = dynamic_cast<const std::filesystem::filesystem_error*>(&e)) {
    const std::string p = fe->path1().string();
    return (p.empty() ? std::string() : quote_for_message(p) + ": ") + fe->code().message();
  }
  std::string what = e.what();
  if (dynamic_cast<const std::out_of_range*>(&e) && what.starts_with("sto")) return "a number in it is out of range";
  if (dynamic_cast<const std::invalid_argument*>(&e) && what.starts_with("sto")) return "a number in it is not a number";
  if (what.starts_with("[json.exception.")) {  // "[json.exception.type_error.302] type must be ..."
    if (auto close = what.find("] "); close != std::string::npos) what = what.substr(close + 2);
  }
  std::string one_line;
  for (char c : what) one_line += (c == '\n' || c == '\r') ? ' ' : c;
  return one_line;
}

}  // namespace attnlab
