#include "backends/gemm/square_gemm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "runtime/cuda_check.hpp"

namespace attnlab {

namespace {
// Fills a 16-bit device buffer with uniform values in [-1, 1) from a splitmix64 stream, uploading in
// chunks so that an 8192^2 matrix never needs a 128 MiB host copy.
void fill_random(const DeviceBuffer& buf, size_t count, DType t, uint64_t seed) {
  constexpr size_t kChunk = size_t(1) << 22;
  std::vector<uint16_t> host(std::min(count, kChunk));
  uint64_t state = seed;
  auto next = [&state] {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  for (size_t off = 0; off < count; off += kChunk) {
    const size_t len = std::min(kChunk, count - off);
    for (size_t i = 0; i < len; ++i) {
      const float u = float(next() >> 40) * (2.f / float(1 << 24)) - 1.f;  // 24 random bits -> [-1, 1)
      host[i] = to_bits(t, u == 0.f ? 0.5f : u);
    }
    ATTN_CUDA(cudaMemcpy(static_cast<uint16_t*>(buf.get()) + off, host.data(), len * 2, cudaMemcpyHostToDevice));
  }
}
}  // namespace

SquareGemm::SquareGemm(DType dtype, int n, uint64_t seed) : dtype_(dtype), n_(n) {
  if (n < 1) throw std::invalid_argument(fmt::format("SquareGemm: n must be >= 1 (got {})", n));
  const size_t count = size_t(n) * n;
  a_ = DeviceBuffer(count * 2);
  b_ = DeviceBuffer(count * 2);
  c_ = DeviceBuffer(count * 2);
  fill_random(a_, count, dtype, seed);
  fill_random(b_, count, dtype, seed ^ 0xabcdef1234567ull);
  c_.fill_bytes(0);
}

void SquareGemm::run(cudaStream_t stream) {
  LtGemmShape s;
  s.in = dtype_;
  s.out_f32 = false;  // C in the input dtype, as torch.matmul returns
  s.b_trans = false;  // C = A·B, B row-major (n x n): cuBLAS "NN" after the operand swap
  s.m = s.n = s.k = n_;
  s.lda = s.ldb = s.ldc = n_;
  lt_.run(s, 1.f, a_.get(), b_.get(), c_.get(), stream);
}

std::string SquareGemm::describe() const {
  return fmt::format("{} {} C=A·B {}^3{}", lt_.version(), dtype_name(dtype_), n_,
                     lt_.last_algo().empty() ? "" : " (" + lt_.last_algo() + ")");
}

}  // namespace attnlab
