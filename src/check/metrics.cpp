#include "check/metrics.hpp"

#include <cmath>

namespace attnlab {

ErrorStats compare(const float* out, const float* ref, size_t n) {
  ErrorStats e;
  e.count = n;
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    const double o = out[i], r = ref[i];
    if (std::isnan(o) || std::isnan(r) || std::isinf(o) != std::isinf(r) || (std::isinf(o) && o != r)) {
      ++e.bad;
      continue;
    }
    if (std::isinf(o)) continue;  // same infinity (LSE of a row with no visible key)
    const double diff = std::fabs(o - r);
    e.max_abs = std::max(e.max_abs, diff);
    num += diff * diff;
    den += r * r;
  }
  e.rel_l2 = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
  return e;
}

Tolerance tolerance_for(DType t) {
  // bf16 keeps 8 significand bits (u = 2^-9 ~ 2e-3), fp16 11 (u = 2^-12 ~ 2.4e-4). O is a convex
  // combination of V rows, so its errors stay near a few u; LSE is computed in fp32 from exact products.
  if (t == DType::bf16) return {2e-2, 1e-2, 1e-3};
  return {4e-3, 2e-3, 1e-3};
}

bool within(const ErrorStats& e, double max_abs, double rel_l2) {
  return e.bad == 0 && e.max_abs <= max_abs && e.rel_l2 <= rel_l2;
}

}  // namespace attnlab
