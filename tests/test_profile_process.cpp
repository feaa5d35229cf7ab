// The profile tools' child-process runner and tool lookup (nvdisasm, ncu).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "profile/process.hpp"

namespace attnlab::profile {

TEST(ProfileProcess, CapturesOutputAndStatus) {
  auto r = run_process({"sh", "-c", "echo out; echo err >&2; echo $EXTRA; exit 3"}, 30, {"EXTRA=set"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\nset\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.timed_out);
  r = run_process({"/nonexistent/tool"}, 5);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_NE(r.err.find("cannot start /nonexistent/tool"), std::string::npos);
}

TEST(ProfileProcess, TimeoutStopsTheChildAndWhatItStarted) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_process({"sh", "-c", "sleep 30 & sleep 30"}, 0.5);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10);
}

TEST(ProfileProcess, FindsToolsInEnvFolderDirsAndPath) {
  EXPECT_EQ(find_tool("sh", "", {"/nonexistent"}).empty(), false);  // from PATH
  EXPECT_EQ(find_tool("sh", "", {"/bin"}), "/bin/sh");
  ::setenv("ATTNLAB_TEST_TOOL_DIR", "/bin", 1);
  EXPECT_EQ(find_tool("sh", "ATTNLAB_TEST_TOOL_DIR", {}), "/bin/sh");
  ::setenv("ATTNLAB_TEST_TOOL_DIR", "/bin/sh", 1);  // the variable may name the tool itself
  EXPECT_EQ(find_tool("sh", "ATTNLAB_TEST_TOOL_DIR", {}), "/bin/sh");
  ::unsetenv("ATTNLAB_TEST_TOOL_DIR");
  EXPECT_EQ(find_tool("attnlab-no-such-tool", "", {"/bin"}), "");
  EXPECT_EQ(cuda_tool_dirs().back(), "/usr/local/cuda/bin");
}

}  // namespace attnlab::profile
