#include "cli/app_rules.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"

namespace attnlab::cli {

namespace {
CLI::Validator decimal_integer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          text = std::to_string(parse_int(text, ""));
          return {};
        } catch (const UserError&) {
          return quote_for_message(text) + " is not a decimal integer";
        }
      },
      "");
}

bool is_integer_option(const CLI::Option* o) {
  const std::string t = o->get_type_name();  // "INT", or "INT:<check's description>"
  const std::string base = t.substr(0, t.find(':'));
  return base == "INT" || base == "UINT";
}
}  // namespace

void decimal_integers_only(CLI::App& app) {
  for (CLI::Option* o : app.get_options())
    if (is_integer_option(o)) o->transform(decimal_integer());  // transforms run before the flag's checks
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) decimal_integers_only(*sub);
}

std::string unknown_subcommand(CLI::App& app, int argc, char** argv) {
  CLI::App* at = &app;
  std::string where = app.get_name().empty() ? "attnlab" : app.get_name();
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return {};  // a flag: CLI11 takes it from here
    const auto subs = at->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) return {};  // a positional argument of a subcommand (report DIR)
    CLI::App* next = nullptr;
    for (CLI::App* s : subs)
      if (s->check_name(word)) next = s;
    if (!next)
      return fmt::format("unknown subcommand {}{} (see {} --help)", quote_for_message(word),
                         at == &app ? "" : " of '" + where + "'", where);
    at = next;
    where += " " + word;
  }
  return {};
}

}  // namespace attnlab::cli
