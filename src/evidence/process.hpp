#pragma once
// One child process: argv run with stdout and stderr appended to files, the caller's `tick` called about
// five times a second while it runs (progress display). No shell, no PATH lookup for absolute paths.
#include <functional>
#include <string>
#include <vector>

namespace attnlab {

struct LoggedRun {  // not core/process.hpp's ProcessResult: one name, one definition (ODR)
  int exit_code = -1;  // 128 + signal when killed by a signal; 127 when it could not start
  double seconds = 0;
};

LoggedRun run_process(const std::vector<std::string>& argv, const std::string& stdout_path,
                          const std::string& stderr_path, const std::function<void()>& tick = {});

// The path of the running executable (/proc/self/exe), for running attnlab's own subcommands.
std::string self_executable();

// Shell-style quoting of argv for display and the manifest ("a b" -> 'a b').
std::string quote_command(const std::vector<std::string>& argv);

}  // namespace attnlab
