#pragma once
// Each subcommand is a thin file: it declares its flags on the CLI11 app and calls the library.
#include <CLI/CLI.hpp>

namespace attnlab::cli {

void add_devices(CLI::App& app);
void add_configs(CLI::App& app);
void add_check(CLI::App& app);
void add_run(CLI::App& app);
void add_bench(CLI::App& app);
void add_compare(CLI::App& app);
void add_micro(CLI::App& app);
void add_ceilings(CLI::App& app);
void add_tune(CLI::App& app);
void add_campaign(CLI::App& app);
void add_db(CLI::App& app);
void add_inspect(CLI::App& app);
void add_profile(CLI::App& app);
void add_report(CLI::App& app);
void add_evidence(CLI::App& app);
void add_export(CLI::App& app);
void add_check_source(CLI::App& app);

}  // namespace attnlab::cli
