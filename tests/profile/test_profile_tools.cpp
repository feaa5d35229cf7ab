// Finding the CUDA tools the profile commands run (nvdisasm, ncu).
#include <gtest/gtest.h>

#include <cstdlib>

#include "profile/tools.hpp"

namespace attnlab::profile {

TEST(ProfileTools, FindsToolsInEnvFolderDirsAndPath) {
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
