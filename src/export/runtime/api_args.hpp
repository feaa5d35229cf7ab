#pragma once
// The exported C API's arguments (attnlab_flash.h) checked and turned into the lab's problem and tensors, before
// any driver call: the ABI (struct size and version), sizes, dtype, head dim (AttnProblem::validate: the same
// limits as the lab), pointers and their alignment, and the strides, which must be the contiguous
// (batch, seq, heads, dim) layout the kernels index (flash_params.cpp). Every failure is a status and one line.
#include <string>

#include "core/problem.hpp"
#include "core/tensors.hpp"
#include "export/runtime/attnlab_flash.h"

namespace attnlab {

struct ApiStatus {
  int code = ATTNLAB_FLASH_OK;
  std::string message;
  bool ok() const { return code == ATTNLAB_FLASH_OK; }
};

ApiStatus problem_from_api(const attnlab_flash_problem* in, AttnProblem& out);
// Also checks the problem (problem_from_api).
ApiStatus args_from_api(const attnlab_flash_args* in, AttnProblem& problem, AttnTensors& tensors);
// The strides (batch, seq, head, dim), in elements, of the contiguous layout of a (batch, seq, heads, dim) tensor.
void contiguous_strides(int64_t seq, int64_t heads, int64_t dim, int64_t out[4]);

}  // namespace attnlab
