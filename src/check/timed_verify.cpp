#include "check/timed_verify.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace attnlab {

char input_set_name(int set) { return char('A' + set); }

namespace {
void note_pair(OutputDiff& d, double got, double want) {
  if (std::isnan(got)) ++d.nan;
  if (std::isfinite(got) && std::isfinite(want)) d.max_abs = std::max(d.max_abs, std::fabs(got - want));
}
}  // namespace

OutputDiff diff_bitwise(const OutputSnapshot& timed, const OutputSnapshot& gated, DType dtype) {
  if (timed.o.size() != gated.o.size() || timed.lse.size() != gated.lse.size())
    throw std::invalid_argument("diff_bitwise: snapshots of different sizes");
  OutputDiff d;
  for (size_t i = 0; i < timed.o.size(); ++i) {
    if (timed.o[i] == gated.o[i]) continue;
    ++d.differing;
    note_pair(d, from_bits(dtype, timed.o[i]), from_bits(dtype, gated.o[i]));
  }
  for (size_t i = 0; i < timed.lse.size(); ++i) {
    if (std::memcmp(&timed.lse[i], &gated.lse[i], sizeof(float)) == 0) continue;
    ++d.differing;
    note_pair(d, timed.lse[i], gated.lse[i]);
  }
  d.ok = d.differing == 0;
  return d;
}

OutputDiff diff_tolerance(const OutputSnapshot& timed, const HostAttnOutput& reference, DType dtype) {
  if (timed.o.size() != reference.o.size() || timed.lse.size() != reference.lse.size())
    throw std::invalid_argument("diff_tolerance: output and reference of different sizes");
  std::vector<float> o(timed.o.size());
  for (size_t i = 0; i < o.size(); ++i) o[i] = from_bits(dtype, timed.o[i]);
  const Tolerance tol = tolerance_for(dtype);
  const ErrorStats eo = compare(o.data(), reference.o.data(), o.size());
  const ErrorStats el = compare(timed.lse.data(), reference.lse.data(), timed.lse.size());
  OutputDiff d;
  d.max_abs = std::max(eo.max_abs, el.max_abs);
  d.rel_l2 = eo.rel_l2;
  for (size_t i = 0; i < o.size(); ++i) {
    if (std::isnan(o[i])) ++d.nan;
    if (!(std::fabs(o[i] - reference.o[i]) <= tol.o_max_abs) && !(std::isinf(o[i]) && o[i] == reference.o[i]))
      ++d.differing;
  }
  for (size_t i = 0; i < timed.lse.size(); ++i) {
    if (std::isnan(timed.lse[i])) ++d.nan;
    if (!(std::fabs(timed.lse[i] - reference.lse[i]) <= tol.lse_max_abs) && timed.lse[i] != reference.lse[i])
      ++d.differing;
  }
  d.ok = within(eo, tol.o_max_abs, tol.o_rel_l2) && within(el, tol.lse_max_abs, 1.0);
  if (!d.ok && d.differing == 0) d.differing = eo.bad + el.bad;  // e.g. only the L2 norm is off
  return d;
}

std::string describe_mismatch(const OutputDiff& d, int input_set, const std::string& when, VerifyMode mode) {
  std::string s = fmt::format("timed output differs from gated output on input set {} {}: {} elements differ{}",
                              input_set_name(input_set), when, d.differing,
                              mode == VerifyMode::tolerance ? " beyond the gate's tolerance" : "");
  s += fmt::format(", max-abs {:.3g}", d.max_abs);
  if (mode == VerifyMode::tolerance) s += fmt::format(", rel-L2 {:.3g}", d.rel_l2);
  if (d.nan) s += fmt::format(", {} NaN", d.nan);
  return s;
}


}  // namespace attnlab
