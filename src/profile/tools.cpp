#include "profile/tools.hpp"

#include "core/process.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace attnlab::profile {

namespace {
bool is_executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}
}  // namespace

std::string find_tool(const std::string& name, const std::string& env_var, const std::vector<std::string>& dirs) {
  if (const char* d = env_var.empty() ? nullptr : std::getenv(env_var.c_str()); d && *d) {
    if (is_executable(fs::path(d) / name)) return (fs::path(d) / name).string();
    if (is_executable(d)) return d;  // the variable names the tool itself
  }
  for (auto& dir : dirs)
    if (is_executable(fs::path(dir) / name)) return (fs::path(dir) / name).string();
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (size_t start = 0; start <= p.size();) {
      size_t end = p.find(':', start);
      if (end == std::string::npos) end = p.size();
      const std::string dir = p.substr(start, end - start);
      if (!dir.empty() && is_executable(fs::path(dir) / name)) return (fs::path(dir) / name).string();
      start = end + 1;
    }
  }
  return {};
}

std::vector<std::string> cuda_tool_dirs() {
  std::vector<std::string> dirs;
  for (const char* v : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* d = std::getenv(v); d && *d) dirs.push_back(std::string(d) + "/bin");
  std::error_code ec;
  const fs::path exe = self_executable();
  if (exe.is_absolute())
    for (fs::path up = exe.parent_path(); !up.empty() && up != up.root_path(); up = up.parent_path())
      if (fs::exists(up / ".deps/py/nvidia/cu13/bin", ec)) {
        dirs.push_back((up / ".deps/py/nvidia/cu13/bin").string());
        break;
      }
  dirs.push_back("/usr/local/cuda/bin");
  return dirs;
}

}  // namespace attnlab::profile
