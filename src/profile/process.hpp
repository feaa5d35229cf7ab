#pragma once
// A minimal child-process runner for the profile tools (nvdisasm, ncu): argv in, exit status and the
// captured output back, with a wall-clock limit. Kept small and isolated so it can be swapped for the
// project-wide runner (src/core/process.*) when that lands.
#include <string>
#include <vector>

namespace attnlab::profile {

struct ProcessResult {
  int exit_code = -1;   // the child's exit status; 128+signal when killed; -1 when it could not start
  bool timed_out = false;
  std::string out;      // stdout
  std::string err;      // stderr
};

// Runs argv[0] (looked up on PATH when it has no '/') with argv; env_extra: "NAME=value" entries added to
// the environment. Never throws for a failing child; std::runtime_error when the pipes cannot be made.
ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s = 600,
                          const std::vector<std::string>& env_extra = {});

// The first executable found: $<env_var>/<name>, then each dir in `dirs`, then PATH. Empty when none.
std::string find_tool(const std::string& name, const std::string& env_var, const std::vector<std::string>& dirs);

// Directories where the CUDA tools usually are: $CUDA_HOME/bin, $CUDA_PATH/bin, the pip wheels in
// <exe>/../.deps/py/nvidia/cu13/bin (attnlab's build tree), /usr/local/cuda/bin.
std::vector<std::string> cuda_tool_dirs();

}  // namespace attnlab::profile
