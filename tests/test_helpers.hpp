#pragma once
// Shared test utilities: GPU presence, running the CLI binary, temporary cache directories.
#include <gtest/gtest.h>

#include <string>

#include "core/problem.hpp"
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

// The attnlab binary under test: this build's, or $ATTNLAB_TEST_BINARY.
std::string cli_binary();
CommandResult run_cli(const std::string& args);

// The text of tests/fixtures/<name>; fails the test (empty string) when it is missing.
std::string read_fixture(const std::string& name);

// An attention problem for tests: (batch, seq, heads, dim) shapes, default scale.
inline AttnProblem attn_problem(DType dt, int d, bool causal, int sq, int sk, int h, int hk, int b) {
  return AttnProblem::make(b, h, hk, sq, sk, d, dt, causal);
}

}  // namespace attnlab::test
