#include "test_helpers.hpp"

#include <array>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace attnlab::test {

std::string cli_binary() {
  // ATTNLAB_TEST_BINARY runs the CLI tests against another build (an older one: do they fail there?).
  if (const char* other = std::getenv("ATTNLAB_TEST_BINARY"); other && *other) return other;
  return ATTNLAB_BINARY;
}

CommandResult run_cli(const std::string& args) {
  const std::string cmd = cli_binary() + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  CommandResult r{-1, ""};
  if (!pipe) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string read_fixture(const std::string& name) {
  const auto path = std::filesystem::path(ATTNLAB_SOURCE_DIR) / "tests" / "fixtures" / name;
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    ADD_FAILURE() << "missing fixture " << path;
    return {};
  }
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace attnlab::test
