#pragma once
// The profiled side of `attnlab profile`: ncu runs `attnlab profile-launch ...` (a hidden subcommand),
// which prepares one backend on one shape, runs warm-up launches outside the NVTX range, then exactly
// one launch inside the range kProfileRange so ncu profiles each of its kernels once.
#include <string>
#include <vector>

#include "core/problem.hpp"

namespace attnlab::profile {

struct LaunchSpec {
  std::string backend = "custom";  // any attention or GEMM backend name
  AttnProblem problem;             // GEMM backends run its QK^T
  std::string config;              // custom backend: tile config name (empty: default)
  int warmup = 3;
};

// Arguments of the hidden subcommand that reproduce `spec` (without the executable).
std::vector<std::string> launch_args(const LaunchSpec& spec);
bool is_gemm_backend(const std::string& name);
// UserError for an unknown backend or a config given to a backend that takes none (before any GPU work).
void validate_launch(const LaunchSpec& spec);
// Needs a GPU. Returns the backend's describe() (version / config) for the record.
std::string run_profiled_launch(const LaunchSpec& spec);

}  // namespace attnlab::profile
