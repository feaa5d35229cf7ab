#pragma once
// Shared test utilities: GPU presence, running the CLI binary, temporary cache directories.
#include <gtest/gtest.h>

#include <string>

#include "runtime/device.hpp"

namespace attnlab::test {

inline bool has_gpu() { return query_device().has_value(); }

#define ATTN_REQUIRE_GPU()                                                         \
  do {                                                                             \
    std::string why_;                                                              \
    if (!::attnlab::query_device(0, &why_)) GTEST_SKIP() << "no CUDA device: " << why_; \
  } while (0)

struct CommandResult {
  int exit_code;
  std::string output;  // stdout + stderr
};

CommandResult run_cli(const std::string& args);

}  // namespace attnlab::test
