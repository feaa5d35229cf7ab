#pragma once
// An attention forward problem: shapes, dtype, masking and scale. Layout is (batch, seq, heads, dim),
// contiguous, for Q/O and (batch, seq, heads_k, dim) for K/V; LSE is (batch, heads, seq_q) fp32.
#include <cstdint>
#include <string>

#include "core/dtype.hpp"

namespace attnlab {

struct AttnProblem {
  int batch = 1;
  int heads = 1;
  int heads_k = 1;  // heads_k divides heads: MHA (equal), GQA, MQA (1)
  int seqlen_q = 1;
  int seqlen_k = 1;
  int head_dim = 128;
  DType dtype = DType::bf16;
  bool causal = false;  // bottom-right aligned: query i sees keys j <= i + seqlen_k - seqlen_q
  float softmax_scale = 0.f;  // 0 means 1/sqrt(head_dim)

  // All shape fields at once (default scale).
  static AttnProblem make(int batch, int heads, int heads_k, int seqlen_q, int seqlen_k, int head_dim, DType dtype,
                          bool causal);

  float scale() const;
  // Empty when the problem is valid for the custom kernel family, else a one-line reason.
  std::string validate() const;
  void validate_or_throw() const;  // UserError with validate()'s reason

  int64_t q_elems() const { return int64_t(batch) * seqlen_q * heads * head_dim; }
  int64_t kv_elems() const { return int64_t(batch) * seqlen_k * heads_k * head_dim; }
  int64_t lse_elems() const { return int64_t(batch) * heads * seqlen_q; }
  // 4·B·H·Sq·Sk·d, halved when causal (the FlashAttention benchmarks' convention; unmasked_pairs() counts exactly).
  double flops() const;
  int64_t unmasked_pairs() const;  // per (batch, head)
  std::string describe() const;    // "B=4 H=16/16 Sq=4096 Sk=4096 d=128 bf16 non-causal"
};

// CUDA grid limits the kernels launch under: heads on grid y, batch on grid z.
inline constexpr int64_t kMaxGridYZ = 65535;
// Limits of what attnlab accepts as input anywhere (flags, workloads, dispatch tables); AttnProblem::validate
// checks the kernels' own limits again with the reason.
inline constexpr int64_t kMaxSeqlen = int64_t(1) << 24;
inline constexpr int64_t kMaxHeads = kMaxGridYZ;
inline constexpr int64_t kMaxBatch = kMaxGridYZ;

// A dimension read as 64 bits (a .npy shape, a product) narrowed to int for AttnProblem: UserError
// "<what> <v> is out of range" unless 1 <= v <= INT32_MAX. Call before any cast, then validate().
int narrow_dim(int64_t v, const std::string& what);

bool is_supported_head_dim(int d);
std::string supported_head_dims();  // "64, 128, 256"

}  // namespace attnlab
