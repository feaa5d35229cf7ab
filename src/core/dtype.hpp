#pragma once
// Element types of attention inputs/outputs and host-side conversions (round to nearest even).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace attnlab {

enum class DType { f16, bf16 };

std::string_view dtype_name(DType t);           // "fp16" | "bf16"
DType parse_dtype(std::string_view s);           // accepts fp16/f16/half, bf16/bfloat16; throws UserError

inline uint16_t float_to_bf16_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);                                          // round to nearest even
  return uint16_t(u >> 16);
}
inline float bf16_bits_to_float(uint16_t b) {
  uint32_t u = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
// GCC >= 12 (and clang >= 15) provide _Float16 on x86-64 with correct IEEE rounding.
inline uint16_t float_to_f16_bits(float f) {
  _Float16 h = static_cast<_Float16>(f);
  uint16_t b;
  std::memcpy(&b, &h, 2);
  return b;
}
inline float f16_bits_to_float(uint16_t b) {
  _Float16 h;
  std::memcpy(&h, &b, 2);
  return static_cast<float>(h);
}
inline uint16_t to_bits(DType t, float f) { return t == DType::bf16 ? float_to_bf16_bits(f) : float_to_f16_bits(f); }
inline float from_bits(DType t, uint16_t b) { return t == DType::bf16 ? bf16_bits_to_float(b) : f16_bits_to_float(b); }

}  // namespace attnlab
