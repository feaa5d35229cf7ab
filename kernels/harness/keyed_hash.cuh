#pragma once
// Keyed hash of device buffers, for the verification of timed launches (src/check/buffer_hash.hpp).
// hash(key, buffer) = sum over its 32-bit words w_i of term(key, i, w_i), mod 2^64, where
// term = mix64(mix64(key + i * golden) ^ w_i): for a fixed position the term is a bijection of the word
// (mix64 is one), and the sum makes the parallel reduction's order irrelevant, so the device kernel and
// the host function below agree bit for bit. The key is drawn fresh per measurement on the host and
// reaches the device only in the hash kernel's launch, after the launch under test has finished: a kernel
// under test cannot forge a matching output without computing it.
//
// Included by host C++ (the term, for tests and host-side hashes) and by NVRTC (the term and the kernel).
#include "common/types.cuh"

#if defined(__CUDACC_RTC__) || defined(__CUDACC__)
#define ATTNLAB_HOST_DEVICE __host__ __device__
#else
#define ATTNLAB_HOST_DEVICE
#endif

namespace attnlab::harness {

ATTNLAB_HOST_DEVICE inline u64 mix64(u64 z) {  // splitmix64's finaliser: a bijection of 64-bit words
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

ATTNLAB_HOST_DEVICE inline u64 hash_term(u64 key, u64 index, u32 word) {
  return mix64(mix64(key + index * 0x9e3779b97f4a7c15ull) ^ u64(word));
}

// One buffer to hash: `words` 32-bit words from `ptr`.
struct HashRange {
  const u32* ptr;
  u64 words;
};

#if defined(__CUDACC_RTC__)
// grid (blocks per range, ranges), 256 threads; out[r] must be zero before the launch.
extern "C" __global__ void __launch_bounds__(256) attnlab_harness_hash(const HashRange* ranges, u64 key, u64* out) {
  const HashRange r = ranges[blockIdx.y];
  u64 acc = 0;
  const u64 stride = u64(gridDim.x) * blockDim.x;
  for (u64 i = u64(blockIdx.x) * blockDim.x + threadIdx.x; i < r.words; i += stride) acc += hash_term(key, i, r.ptr[i]);
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
  __shared__ u64 warp_sums[8];
  if ((threadIdx.x & 31) == 0) warp_sums[threadIdx.x >> 5] = acc;
  __syncthreads();
  if (threadIdx.x == 0) {
    u64 total = 0;
    for (int w = 0; w < int(blockDim.x >> 5); ++w) total += warp_sums[w];
    atomicAdd(out + blockIdx.y, total);
  }
}
#endif

}  // namespace attnlab::harness
