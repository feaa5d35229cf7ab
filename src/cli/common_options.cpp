#include "cli/common_options.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "runtime/device.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab::cli {

std::string resolve_arch(const std::string& requested) {
  if (!requested.empty()) {
    if (!is_supported_arch(requested))
      throw UserError("unsupported arch '" + requested + "' (expected e.g. sm_80, sm_89, sm_90a)");
    return requested;
  }
  if (auto d = query_device()) return d->arch();
  return "sm_90a";
}

namespace {
// A CLI11 check from a parser that throws UserError: the message says what is wrong with the value
// (CLI11 prefixes the flag's name).
template <class Parse>
CLI::Validator checked(std::string description, Parse parse) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        try {
          parse(text);
          return {};
        } catch (const UserError& e) {
          return e.what();
        }
      },
      std::move(description));
}
}  // namespace

CLI::Validator count_in(int64_t lo, int64_t hi) {
  return checked(fmt::format("INT in [{} - {}]", lo, hi), [lo, hi](const std::string& t) { parse_int(t, "", lo, hi); });
}

CLI::Validator seconds(bool allow_zero) {
  return checked(allow_zero ? "SECONDS >= 0" : "SECONDS > 0", [allow_zero](const std::string& t) {
    if (parse_double(t, "", 0) == 0 && !allow_zero) throw UserError("must be > 0 seconds");
  });
}

CLI::Validator non_negative() {
  return checked("NUMBER >= 0", [](const std::string& t) { parse_double(t, "", 0); });
}

}  // namespace attnlab::cli
