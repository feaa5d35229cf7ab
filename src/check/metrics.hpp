#pragma once
// Error metrics of an output against a reference, and the per-dtype tolerances a check applies.
#include <cstddef>
#include <string>

#include "core/dtype.hpp"
#include "core/records.hpp"  // ErrorStats

namespace attnlab {

ErrorStats compare(const float* out, const float* ref, size_t n);

struct Tolerance {
  double o_max_abs, o_rel_l2, lse_max_abs;
};
// Documented in docs/correctness.md; derived from the dtype's unit roundoff (P and O are rounded to it).
Tolerance tolerance_for(DType t);

bool within(const ErrorStats& e, double max_abs, double rel_l2);

}  // namespace attnlab
