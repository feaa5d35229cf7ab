// attnlab: FlashAttention forward kernel toolkit. Subcommands live in cmd_*.cpp.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "cli/app_rules.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "measure/environment.hpp"
#include "runtime/nvrtc_compiler.hpp"

int main(int argc, char** argv) {
  // attnlab evidence runs each step with its output in a file and shows the last line as progress.
  if (std::getenv("ATTNLAB_LINE_BUFFERED")) std::setvbuf(stdout, nullptr, _IOLBF, 0);
  attnlab::set_command_line(argc, argv);
  CLI::App app{"attnlab: build, check, time and tune a FlashAttention forward kernel family"};
  app.set_version_flag("--version", ATTNLAB_VERSION);
  app.require_subcommand(1);
  attnlab::cli::add_devices(app);
  attnlab::cli::add_configs(app);
  attnlab::cli::add_check(app);
  attnlab::cli::add_run(app);
  attnlab::cli::add_bench(app);
  attnlab::cli::add_compare(app);
  attnlab::cli::add_micro(app);
  attnlab::cli::add_ceilings(app);
  attnlab::cli::add_tune(app);
  attnlab::cli::add_check_source(app);
  attnlab::cli::add_campaign(app);
  attnlab::cli::add_db(app);
  attnlab::cli::add_inspect(app);
  attnlab::cli::add_profile(app);
  attnlab::cli::add_report(app);
  attnlab::cli::add_evidence(app);
  attnlab::cli::add_export(app);
  attnlab::cli::decimal_integers_only(app);
  // Messages may quote file or config names: control bytes (terminal escapes) are shown as '?'.
  const auto error_line = [](const std::string& what) {
    std::fprintf(stderr, "attnlab: error: %s\n", attnlab::printable(what).c_str());
  };
  if (const std::string unknown = attnlab::cli::unknown_subcommand(app, argc, argv); !unknown.empty()) {
    error_line(unknown);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help/--version and a callback's own exit status (CLI::RuntimeError) keep CLI11's handling;
    // every other parse error (bad value, unknown flag, missing argument) is a one-line user error.
    if (e.get_exit_code() == 0 || dynamic_cast<const CLI::RuntimeError*>(&e)) return app.exit(e);
    error_line(attnlab::readable_reason(e) + " (see --help)");
    return 2;
  } catch (const attnlab::UserError& e) {
    error_line(e.what());
    return 2;
  } catch (const attnlab::CompileError& e) {
    error_line(e.what());
    std::fprintf(stderr, "%s\n", e.log().c_str());
    return 3;
  } catch (const std::exception& e) {
    error_line(attnlab::readable_reason(e));
    return 1;
  }
  return 0;
}
