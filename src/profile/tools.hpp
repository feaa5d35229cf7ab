#pragma once
// Finding the CUDA tools the profile commands run (nvdisasm, ncu). They run through the project's one
// process runner, src/core/process.hpp.
#include <string>
#include <vector>

namespace attnlab::profile {

// The first executable found: $<env_var>/<name>, then each dir in `dirs`, then PATH. Empty when none.
std::string find_tool(const std::string& name, const std::string& env_var, const std::vector<std::string>& dirs);

// Directories where the CUDA tools usually are: $CUDA_HOME/bin, $CUDA_PATH/bin, the pip wheels in
// <exe>/../.deps/py/nvidia/cu13/bin (attnlab's build tree), /usr/local/cuda/bin.
std::vector<std::string> cuda_tool_dirs();

}  // namespace attnlab::profile
