#pragma once
// The simple fp32 GPU reference (kernels/reference/attention_ref.cuh) for shapes too large for the CPU.
#include <cuda_runtime_api.h>

#include "backends/custom/flash_params.hpp"
#include "core/problem.hpp"

namespace attnlab {

// t.o must point to a float buffer of q_elems() (fp32 O); t.lse to lse_elems() floats.
void gpu_reference(const AttnProblem& p, const AttnTensors& t, const std::string& arch, cudaStream_t stream);

}  // namespace attnlab
