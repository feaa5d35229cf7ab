#include "io/json_text.hpp"

#include <climits>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/regular_file.hpp"

namespace attnlab {

std::string json_text(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {
// The deepest nesting of arrays and objects, counted outside strings; stops counting past `limit`.
int nesting_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}
}  // namespace

nlohmann::json parse_json_text(std::string_view text, const std::string& where) {
  const std::string prefix = where.empty() ? "" : where + ": ";
  if (nesting_depth(text, kMaxJsonDepth) > kMaxJsonDepth)
    throw UserError(fmt::format("{}nested deeper than {} levels; not read", prefix, kMaxJsonDepth));
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const std::exception& e) {
    throw UserError(prefix + readable_reason(e));
  }
}

nlohmann::json read_json_file(const std::string& path, size_t max_bytes) {
  std::string why;
  const auto text = read_regular_file(path, max_bytes, &why, ReadLinks::follow);
  if (!text) throw UserError(fmt::format("{}: cannot open ({})", path, why));
  return parse_json_text(*text, path);
}

double json_number(const nlohmann::json& j, const char* key, double fallback) {
  if (!j.contains(key)) return fallback;
  const auto& v = j.at(key);
  if (!v.is_number() || !std::isfinite(v.get<double>()))
    throw UserError(fmt::format("{}: {} is not a finite number", key, quote_for_message(json_text(v))));
  return v.get<double>();
}

int json_int(const nlohmann::json& j, const char* key, int fallback, int lo) {
  return int(integer_value(json_number(j, key, fallback), key, lo, INT32_MAX));
}

}  // namespace attnlab
