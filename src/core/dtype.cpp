#include "core/dtype.hpp"

#include "core/error.hpp"

namespace attnlab {

std::string_view dtype_name(DType t) { return t == DType::bf16 ? "bf16" : "fp16"; }

DType parse_dtype(std::string_view s) {
  if (s == "bf16" || s == "bfloat16") return DType::bf16;
  if (s == "fp16" || s == "f16" || s == "half" || s == "float16") return DType::f16;
  throw UserError("unsupported dtype '" + std::string(s) + "' (expected bf16 or fp16)");
}

}  // namespace attnlab
