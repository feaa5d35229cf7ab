#pragma once
// What an evidence file must say about where and how a number was measured: GPU identity, clocks and
// throttle state, temperature, power, every library version, the git commit, the command line, the time.
#include <nlohmann/json.hpp>

#include <string>

namespace attnlab {

const char* git_commit();  // generated at build time (cmake/git_info.cmake)
bool git_dirty();

// The command line of this process, recorded by main().
void set_command_line(int argc, char** argv);
const std::string& command_line();

// A JSON object (library versions include every registered backend's, backends/backend.hpp); fields that cannot be read are null (e.g. no NVML), never guessed. Without a GPU the
// "gpu" field is null and "gpu_unavailable" says why.
nlohmann::json capture_environment();

}  // namespace attnlab
