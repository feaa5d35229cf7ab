#pragma once
// compute-sanitizer on one custom-kernel candidate (a built-in config or a proposer's source): the
// candidate runs in a child (`attnlab sanitize-run`) on the gate's small shapes with tails (GQA, one
// causal) under memcheck, racecheck, synccheck and initcheck, limited to the flash kernel. Used by the
// GPU evaluator before a source candidate is timed, and by `attnlab check --sanitize`.
#include <string>
#include <vector>

#include "backends/custom/tile_config.hpp"
#include "check/sanitizer.hpp"
#include "core/dtype.hpp"

namespace attnlab {

// The child's command line (this executable, resolved: /proc/self/exe would name the sanitizer).
std::vector<std::string> sanitize_child_argv(const TileConfig& cfg, DType dtype, int head_dim, const std::string& source_file);
SanitizeResult sanitize_candidate(const TileConfig& cfg, DType dtype, int head_dim, const std::string& source_file,
                                  double timeout_s = 300);
// The child's body: compile, run the gate's small shapes once each (both input sets); 0 when they pass.
int run_sanitize_target(const TileConfig& cfg, DType dtype, int head_dim, const std::string& source_file);

}  // namespace attnlab
