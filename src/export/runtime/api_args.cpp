#include "export/runtime/api_args.hpp"

#include <cstdint>
#include <tuple>

#include <fmt/format.h>

namespace attnlab {

namespace {
ApiStatus fail(int code, std::string message) { return {code, std::move(message)}; }

template <class S>
ApiStatus check_abi(const S* s, const char* what) {
  if (!s) return fail(ATTNLAB_FLASH_ERR_INVALID_ARGUMENT, fmt::format("{} is NULL", what));
  if (s->abi_version != ATTNLAB_FLASH_ABI_VERSION)
    return fail(ATTNLAB_FLASH_ERR_VERSION, fmt::format("{}.abi_version is {}, this library has ABI version {}", what,
                                                       s->abi_version, ATTNLAB_FLASH_ABI_VERSION));
  if (s->struct_size < sizeof(S))
    return fail(ATTNLAB_FLASH_ERR_VERSION,
                fmt::format("{}.struct_size is {}, ABI version {} needs {}", what, s->struct_size, ATTNLAB_FLASH_ABI_VERSION, sizeof(S)));
  return {};
}

ApiStatus dim(int64_t v, const char* name, int& out) {
  if (v < 1) return fail(ATTNLAB_FLASH_ERR_INVALID_ARGUMENT, fmt::format("problem.{} must be >= 1 (got {})", name, v));
  if (v > INT32_MAX) return fail(ATTNLAB_FLASH_ERR_UNSUPPORTED, fmt::format("problem.{} {} exceeds {}", name, v, INT32_MAX));
  out = int(v);
  return {};
}

ApiStatus pointer(const void* p, const char* name, unsigned align) {
  if (!p) return fail(ATTNLAB_FLASH_ERR_INVALID_ARGUMENT, fmt::format("args.{} is NULL", name));
  if (reinterpret_cast<uintptr_t>(p) % align != 0)
    return fail(ATTNLAB_FLASH_ERR_UNSUPPORTED, fmt::format("args.{} ({}) is not {}-byte aligned", name, p, align));
  return {};
}

ApiStatus strides(const int64_t given[4], int64_t batch, int64_t seq, int64_t heads, int64_t dim, const char* name) {
  int64_t want[4];
  contiguous_strides(seq, heads, dim, want);
  const int64_t size[4] = {batch, seq, heads, dim};
  for (int i = 0; i < 4; ++i)
    if (size[i] > 1 && given[i] != want[i])
      return fail(ATTNLAB_FLASH_ERR_UNSUPPORTED,
                  fmt::format("args.{}_stride ({}, {}, {}, {}) is not the contiguous (batch, seq, heads, dim) layout "
                              "({}, {}, {}, 1) the kernels assume: make the tensor contiguous",
                              name, given[0], given[1], given[2], given[3], want[0], want[1], want[2]));
  return {};
}
}  // namespace

void contiguous_strides(int64_t seq, int64_t heads, int64_t dim, int64_t out[4]) {
  out[3] = 1;
  out[2] = dim;
  out[1] = heads * dim;
  out[0] = seq * heads * dim;
}

ApiStatus problem_from_api(const attnlab_flash_problem* in, AttnProblem& p) {
  if (auto s = check_abi(in, "problem"); !s.ok()) return s;
  for (auto [v, name, field] : {std::tuple{in->batch, "batch", &p.batch}, {in->heads, "heads", &p.heads},
                                {in->heads_k, "heads_k", &p.heads_k}, {in->seqlen_q, "seqlen_q", &p.seqlen_q},
                                {in->seqlen_k, "seqlen_k", &p.seqlen_k}, {in->head_dim, "head_dim", &p.head_dim}})
    if (auto s = dim(v, name, *field); !s.ok()) return s;
  if (in->heads % in->heads_k != 0)
    return fail(ATTNLAB_FLASH_ERR_INVALID_ARGUMENT,
                fmt::format("problem.heads ({}) is not a multiple of problem.heads_k ({})", in->heads, in->heads_k));
  if (in->dtype == ATTNLAB_FLASH_BF16) p.dtype = DType::bf16;
  else if (in->dtype == ATTNLAB_FLASH_FP16) p.dtype = DType::f16;
  else
    return fail(ATTNLAB_FLASH_ERR_UNSUPPORTED,
                fmt::format("problem.dtype {} is neither ATTNLAB_FLASH_BF16 (0) nor ATTNLAB_FLASH_FP16 (1)", in->dtype));
  if (in->causal != 0 && in->causal != 1)
    return fail(ATTNLAB_FLASH_ERR_INVALID_ARGUMENT, fmt::format("problem.causal must be 0 or 1 (got {})", in->causal));
  p.causal = in->causal == 1;
  p.softmax_scale = in->softmax_scale;
  if (!is_supported_head_dim(p.head_dim))
    return fail(ATTNLAB_FLASH_ERR_UNSUPPORTED,
                fmt::format("problem.head_dim {} is not supported (supported: {})", p.head_dim, supported_head_dims()));
  if (auto why = p.validate(); !why.empty()) {
    const bool bad_value = why.find("scale") != std::string::npos;
    return fail(bad_value ? ATTNLAB_FLASH_ERR_INVALID_ARGUMENT : ATTNLAB_FLASH_ERR_UNSUPPORTED, "problem: " + why);
  }
  return {};
}

ApiStatus args_from_api(const attnlab_flash_args* in, AttnProblem& p, AttnTensors& t) {
  if (auto s = check_abi(in, "args"); !s.ok()) return s;
  if (auto s = problem_from_api(&in->problem, p); !s.ok()) return s;
  // 16 bytes: the kernels' vector loads and TMA (sm90_params.cpp); LSE is written as fp32.
  for (auto [ptr, name, align] : {std::tuple{in->q, "q", 16u}, {in->k, "k", 16u}, {in->v, "v", 16u},
                                  {(const void*)in->o, "o", 16u}})
    if (auto s = pointer(ptr, name, align); !s.ok()) return s;
  if (in->lse && reinterpret_cast<uintptr_t>(in->lse) % 4 != 0)
    return fail(ATTNLAB_FLASH_ERR_UNSUPPORTED, fmt::format("args.lse ({}) is not 4-byte aligned", (const void*)in->lse));
  if (auto s = strides(in->q_stride, p.batch, p.seqlen_q, p.heads, p.head_dim, "q"); !s.ok()) return s;
  if (auto s = strides(in->k_stride, p.batch, p.seqlen_k, p.heads_k, p.head_dim, "k"); !s.ok()) return s;
  if (auto s = strides(in->v_stride, p.batch, p.seqlen_k, p.heads_k, p.head_dim, "v"); !s.ok()) return s;
  if (auto s = strides(in->o_stride, p.batch, p.seqlen_q, p.heads, p.head_dim, "o"); !s.ok()) return s;
  t = {in->q, in->k, in->v, in->o, in->lse};
  return {};
}

}  // namespace attnlab
