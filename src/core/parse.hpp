#pragma once
// One place where text from outside (flags, files, database rows, a proposer's answer) becomes a number
// or a parsed value: every failure is a UserError that names the field and the value, never a bare
// "stoi", a nlohmann exception id or "std::bad_alloc".
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace attnlab {

// A decimal integer in [lo, hi]; the whole text must be the number. UserError "<field>: '<text>' ..."
// (no prefix when field is empty).
int64_t parse_int(std::string_view text, std::string_view field, int64_t lo = INT64_MIN, int64_t hi = INT64_MAX);
// A finite decimal number in [lo, hi].
double parse_double(std::string_view text, std::string_view field, double lo = -1e308, double hi = 1e308);
// A number read from a file (a JSON value, a database column) that stands for an integer: `v` when it is
// a whole number in [lo, hi], else UserError "<field>: <v> is not an integer in lo..hi" (never the
// undefined behaviour of casting 1e300 or NaN to int).
int64_t integer_value(double v, std::string_view field, int64_t lo, int64_t hi);

// What an exception says, made readable for a user: nlohmann's "[json.exception.type_error.302] "
// prefix dropped, stoi's "stoi" replaced by "a number is out of range", bad_alloc by "too large", a
// std::filesystem error as "'<path>': <cause>" (not "filesystem error: status: File name too long").
std::string readable_reason(const std::exception& e);

// `s` with every byte sequence that is not valid UTF-8 replaced by U+FFFD: text from outside (a Latin-1
// file name, a proposer's note) made safe for JSON and XML.
std::string valid_utf8(std::string_view s);
// `s` with control bytes (terminal escapes, newlines) replaced by '?': safe to print on one line.
std::string printable(std::string_view s);
// '<text>' for a one-line message: control bytes (terminal escapes, newlines) shown as '?', cut at 80.
std::string quote_for_message(std::string_view text);
// "<field> '<value>'" for a message (control bytes shown as '?', long values cut).
std::string field_value(std::string_view field, std::string_view value);

// Runs f(); any exception becomes a UserError "<where>: <readable reason>" (a UserError that already
// starts with `where` is passed on unchanged). For parsers that do not name their input themselves.
template <class F>
auto with_context(const std::string& where, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const UserError& e) {
    if (std::string_view(e.what()).starts_with(where)) throw;
    throw UserError(where + ": " + e.what());
  } catch (const std::exception& e) {
    throw UserError(where + ": " + readable_reason(e));
  }
}

}  // namespace attnlab
