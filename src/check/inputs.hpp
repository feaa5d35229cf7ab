#pragma once
// Random attention inputs: standard normal values rounded to the 16-bit dtype, kept both as bit patterns
// (what the GPU gets) and as floats (exactly the same values, for the references).
#include <cstdint>
#include <vector>

#include "core/problem.hpp"

namespace attnlab {

struct HostTensor16 {
  std::vector<uint16_t> bits;
  std::vector<float> values;
};

struct HostInputs {
  HostTensor16 q, k, v;
};

HostTensor16 random_tensor(DType t, int64_t n, uint64_t seed, float stddev = 1.f);
HostInputs random_inputs(const AttnProblem& p, uint64_t seed);
uint64_t fresh_seed();  // from std::random_device: every check draws new inputs

}  // namespace attnlab
