#pragma once
// Helpers shared by subcommands.
#include <string>

namespace attnlab::cli {

// The given arch, or the current device's, or sm_90a when there is no device (for compile-only use).
std::string resolve_arch(const std::string& requested);

}  // namespace attnlab::cli
