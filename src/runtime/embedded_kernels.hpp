#pragma once
// The kernel sources (kernels/**/*.cuh) compiled into the binary by cmake/embed_kernels.cmake.
#include <string>
#include <vector>

namespace attnlab {

struct EmbeddedFile {
  std::string path;  // relative to kernels/, e.g. "sm80/flash_fwd_kernel.cuh"
  std::string text;
};

const std::vector<EmbeddedFile>& embedded_kernel_headers();

}  // namespace attnlab

namespace attnlab {
// Content hash of every embedded kernel source: the "source hash" results are keyed by.
std::string embedded_kernels_hash();
}  // namespace attnlab
