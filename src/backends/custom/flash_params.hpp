#pragma once
// The problem and tensors as the kernels' shared parameter block (kernels/common/params.cuh): strides of the
// (batch, seq, heads, dim) layout, lengths, GQA ratio, scale. Every family's parameters and the GPU reference
// start from it.
#include "common/params.cuh"
#include "core/problem.hpp"
#include "core/tensors.hpp"

namespace attnlab {

FlashFwdParams make_flash_params(const AttnProblem& p, const AttnTensors& t);

}  // namespace attnlab
