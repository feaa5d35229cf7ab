#pragma once
// JSON in and out of attnlab, in one place:
//  - json_text: what attnlab writes; a string that is not valid UTF-8 (a Latin-1 file name in a command
//    line, a byte from a proposer's note) becomes U+FFFD instead of an exception after the work is done;
//  - parse_json_text / read_json_file: what comes from outside (evidence files, micro_best.json, replay
//    records, a proposer's answer, a manifest); nesting is limited to kMaxJsonDepth levels, checked in one
//    linear pass before the parser runs, so no reader can be made to recurse 60,000 levels deep; every
//    failure is a UserError "<where>: <reason>".
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace attnlab {

inline constexpr int kMaxJsonDepth = 128;  // attnlab's own files nest 6 deep at most

std::string json_text(const nlohmann::json& j, int indent = -1);

// UserError "<where>: nested deeper than 128 levels" / "<where>: <parser's reason>" (no prefix for an
// empty `where`: a caller that names the file itself).
nlohmann::json parse_json_text(std::string_view text, const std::string& where);
// The file (a regular file of at most max_bytes) parsed; UserError "<path>: <reason>".
nlohmann::json read_json_file(const std::string& path, size_t max_bytes = size_t(1) << 30);

// A numeric field of a record: finite (JSON has no inf, but 1e999 parses as one), `fallback` when absent;
// json_int: a whole number in [lo, INT32_MAX]. UserError naming the field otherwise.
double json_number(const nlohmann::json& j, const char* key, double fallback);
int json_int(const nlohmann::json& j, const char* key, int fallback, int lo);

}  // namespace attnlab
