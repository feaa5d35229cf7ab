#pragma once
// Helpers shared by subcommands.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "backends/custom/tile_config.hpp"

namespace attnlab::cli {

// --family sm80|sm90 (empty: the arch's best family, sm90 on sm_90a).
void add_family_option(CLI::App* cmd, std::string& family);
Family resolve_family(const std::string& requested, const ArchLimits& limits);

// --configs values: each argument split by split_config_list (key=value items stay together).
std::vector<std::string> expand_config_args(const std::vector<std::string>& args);

// The given arch, or the current device's, or sm_90a when there is no device (for compile-only use).
std::string resolve_arch(const std::string& requested);

}  // namespace attnlab::cli
