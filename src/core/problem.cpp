#include "core/problem.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"

namespace attnlab {

bool is_supported_head_dim(int d) { return d == 64 || d == 128 || d == 256; }
std::string supported_head_dims() { return "64, 128, 256"; }

AttnProblem AttnProblem::make(int batch, int heads, int heads_k, int seqlen_q, int seqlen_k, int head_dim, DType dtype,
                              bool causal) {
  AttnProblem p;
  p.batch = batch;
  p.heads = heads;
  p.heads_k = heads_k;
  p.seqlen_q = seqlen_q;
  p.seqlen_k = seqlen_k;
  p.head_dim = head_dim;
  p.dtype = dtype;
  p.causal = causal;
  return p;
}

float AttnProblem::scale() const {
  return softmax_scale != 0.f ? softmax_scale : 1.f / std::sqrt(float(head_dim));
}

std::string AttnProblem::validate() const {
  if (batch < 1) return fmt::format("batch must be >= 1 (got {})", batch);
  if (heads < 1 || heads_k < 1) return fmt::format("heads must be >= 1 (got heads={} heads_k={})", heads, heads_k);
  if (batch > kMaxGridYZ) return fmt::format("batch {} exceeds the CUDA grid z limit ({})", batch, kMaxGridYZ);
  if (heads > kMaxGridYZ || heads_k > kMaxGridYZ)
    return fmt::format("heads {} exceeds the CUDA grid y limit ({})", std::max(heads, heads_k), kMaxGridYZ);
  if (heads % heads_k != 0)
    return fmt::format("heads_k ({}) must divide heads ({}) for GQA/MQA", heads_k, heads);
  if (seqlen_q < 1 || seqlen_k < 1)
    return fmt::format("sequence lengths must be >= 1 (got seqlen_q={} seqlen_k={})", seqlen_q, seqlen_k);
  if (!is_supported_head_dim(head_dim))
    return fmt::format("unsupported head dim {} (supported: {})", head_dim, supported_head_dims());
  // 0 = not given (1/sqrt(d)); anything else is used as given, so it must be a normal positive float.
  if (softmax_scale != 0.f && !(std::isnormal(softmax_scale) && softmax_scale > 0.f))
    return fmt::format("softmax scale must be a finite, non-denormal float > 0 (got {})", softmax_scale);
  // 32-bit element offsets inside one (batch) slice are used by the kernel. Every factor is bounded
  // above (seq < 2^31, heads <= 65535, dim <= 256), so neither this product nor q/kv_elems() overflows.
  if (int64_t(std::max(seqlen_q, seqlen_k)) * heads * head_dim >= (int64_t(1) << 31))
    return "tensor too large: seq * heads * dim must be < 2^31 per batch";
  return {};
}

int narrow_dim(int64_t v, const std::string& what) {
  if (v < 1 || v > INT32_MAX) throw UserError(fmt::format("{} {} is out of range (expected 1..{})", what, v, INT32_MAX));
  return int(v);
}

void AttnProblem::validate_or_throw() const {
  if (auto why = validate(); !why.empty()) throw UserError(why);
}

int64_t AttnProblem::unmasked_pairs() const {
  if (!causal) return int64_t(seqlen_q) * seqlen_k;
  int64_t total = 0;
  const int64_t off = int64_t(seqlen_k) - seqlen_q;
  for (int64_t i = 0; i < seqlen_q; ++i) total += std::clamp<int64_t>(i + off + 1, 0, seqlen_k);
  return total;
}

double AttnProblem::flops() const {
  // The convention of the FlashAttention benchmarks: exactly half the square when causal and Sq == Sk.
  double full = 4.0 * batch * heads * double(seqlen_q) * seqlen_k * head_dim;
  return causal ? full / 2 : full;
}

std::string AttnProblem::describe() const {
  return fmt::format("B={} H={}/{} Sq={} Sk={} d={} {} {}", batch, heads, heads_k, seqlen_q, seqlen_k, head_dim,
                     dtype_name(dtype), causal ? "causal" : "non-causal");
}

}  // namespace attnlab
