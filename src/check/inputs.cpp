#include "check/inputs.hpp"

#include <random>

namespace attnlab {

HostTensor16 random_tensor(DType t, int64_t n, uint64_t seed, float stddev) {
  HostTensor16 out;
  out.bits.resize(n);
  out.values.resize(n);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.f, stddev);
  for (int64_t i = 0; i < n; ++i) {
    out.bits[i] = to_bits(t, dist(rng));
    out.values[i] = from_bits(t, out.bits[i]);
  }
  return out;
}

HostInputs random_inputs(const AttnProblem& p, uint64_t seed) {
  // Distinct streams per tensor so q, k and v are independent (a check with k = v = q hides bugs).
  return {random_tensor(p.dtype, p.q_elems(), seed * 3 + 1), random_tensor(p.dtype, p.kv_elems(), seed * 3 + 2),
          random_tensor(p.dtype, p.kv_elems(), seed * 3 + 3)};
}

uint64_t fresh_seed() {
  std::random_device rd;
  return (uint64_t(rd()) << 32 | rd()) & 0xffffffffffffull;  // 48 bits: short enough to retype
}

}  // namespace attnlab
