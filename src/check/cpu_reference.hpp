#pragma once
// CPU reference: exact softmax attention with fp64 accumulation, threaded over (batch, head) rows.
// Inputs are the values the kernel sees (already rounded to the 16-bit dtype), as float.
#include <vector>

#include "core/problem.hpp"

namespace attnlab {

struct HostAttnOutput {
  std::vector<float> o;    // (batch, seq_q, heads, dim)
  std::vector<float> lse;  // (batch, heads, seq_q); +inf for rows with no visible key
};

HostAttnOutput cpu_reference(const AttnProblem& p, const std::vector<float>& q, const std::vector<float>& k,
                             const std::vector<float>& v);

}  // namespace attnlab
