#include "cli/common_options.hpp"

#include "backends/custom/family.hpp"

#include <fmt/format.h>

#include <cfloat>

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

void add_family_option(CLI::App* cmd, std::string& family) {
  std::vector<std::string> names;
  for (Family f : all_families()) names.push_back(family_name(f));
  cmd->add_option("--family", family, "kernel family: sm80 (mma.sync, any arch) or sm90 (wgmma/TMA, sm_90a); default: the "
                                      "arch's best (sm90 on sm_90a)")
      ->check(CLI::IsMember(names));
}

Family resolve_family(const std::string& requested, const ArchLimits& limits) {
  const Family f = requested.empty() ? limits.best_family() : parse_family(requested);
  if (auto why = family_spec(f).arch_problem(limits); !why.empty())
    throw UserError(why + "; " + limits.arch + " runs the " + family_name(limits.best_family()) + " family");
  return f;
}

std::vector<std::string> expand_config_args(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args)
    for (auto& c : split_config_list(a)) out.push_back(c);
  return out;
}

TileConfig parse_config_option(const std::string& flag, const std::string& text, int head_dim) {
  const TileConfig c = with_context(field_value(flag, text), [&] { return TileConfig::parse(text); });
  if (head_dim > 0)
    if (auto why = c.constraint_violation(head_dim, ArchLimits::for_arch("sm_90a")); !why.empty())
      throw UserError(fmt::format("{}: {} (head dim {})", field_value(flag, text), why, head_dim));
  return c;
}

void check_outputs(const std::vector<OutputOption>& outputs, const std::vector<InputOption>& inputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const auto& o = outputs[i];
    if (o.path.empty() && !o.always) continue;
    if (auto why = output_path_problem(o.path, o.kind); !why.empty())
      throw UserError(fmt::format("{}: {}", field_value(o.flag, o.path), why));
    if (o.kind != OutputKind::folder)
      for (const auto& in : inputs)
        if (!in.path.empty() && same_file(in.path, o.path))
          throw UserError(fmt::format("{} is the input {}: an output must not replace what the command reads; "
                                      "choose another path", field_value(o.flag, o.path), field_value(in.flag, in.path)));
    for (size_t j = 0; j < i; ++j)
      if (!outputs[j].path.empty() && same_file(outputs[j].path, o.path))
        throw UserError(fmt::format("{} names the same file as {}; give each output its own path",
                                    field_value(o.flag, o.path), field_value(outputs[j].flag, outputs[j].path)));
  }
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

CLI::Validator softmax_scale() {
  return checked("NUMBER > 0", [](const std::string& t) {
    const double v = parse_double(t, "");
    if (!(v >= double(FLT_MIN) && v <= double(FLT_MAX)))
      throw UserError(fmt::format("{} is not a usable softmax scale (a float > 0, at least {:g}, at most {:g})",
                                  quote_for_message(t), double(FLT_MIN), double(FLT_MAX)));
  });
}

}  // namespace attnlab::cli
