#pragma once
// Fixed-width integer names without <cstdint> (NVRTC compiles these headers with no system includes).
namespace attnlab {
using u16 = unsigned short;
using u32 = unsigned int;
using u64 = unsigned long long;
}  // namespace attnlab
