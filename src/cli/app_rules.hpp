#pragma once
// Rules that hold for every subcommand, applied once to the whole CLI11 app (main.cpp) instead of flag by
// flag, so a flag added later follows them too:
//  - integers are decimal: CLI11 converts integer flags with strtoll(text, base 0), so "010" was 8 and
//    "0x40" was 64 even after a decimal check; every INT/UINT flag (and list element) now goes through
//    parse_int and reaches CLI11 as canonical decimal text ("0100" -> "100", "0x40" -> an error);
//  - a word where a subcommand is expected must name one: "unknown subcommand 'frobnicate'", never CLI11's
//    "A subcommand is required" or, with --help after it, the main help and exit 0.
#include <CLI/CLI.hpp>

#include <string>

namespace attnlab::cli {

// Adds the decimal transform to every integer option of `app` and of all its subcommands.
void decimal_integers_only(CLI::App& app);

// The first word of argv that should name a subcommand and does not (descending through the ones that
// do: "db frob"), as a one-line message "unknown subcommand 'frob' of 'attnlab db'"; empty when none.
std::string unknown_subcommand(CLI::App& app, int argc, char** argv);

}  // namespace attnlab::cli
