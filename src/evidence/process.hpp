#pragma once
// Command lines of the evidence steps: the binary they run and how they are shown. The steps themselves
// run through core/process.hpp (run_process with output_fd and tick), the one runner of child processes.
#include <string>
#include <vector>

#include "core/process.hpp"  // self_executable

namespace attnlab {

// Shell-style quoting of argv for display and the manifest ("a b" -> 'a b').
std::string quote_command(const std::vector<std::string>& argv);

}  // namespace attnlab
