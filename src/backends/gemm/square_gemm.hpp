#pragma once
// The device's dense-GEMM ceiling as a framework would see it: C = A·B for square n x n row-major
// matrices, all in one 16-bit dtype, through cuBLASLt with the heuristic's algorithm, which is what
// torch.matmul(a, b) does for bf16 8192^3. Inputs are random (uniform in [-1, 1), never all zeros: tensor
// core power, and so clocks, depend on the data). Timed by the caller with the measurement core.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>

#include "backends/gemm/lt_matmul.hpp"
#include "core/dtype.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab {

class SquareGemm {
 public:
  // Allocates and fills A and B (3 * n^2 * 2 bytes in all), needs a device; throws std::runtime_error.
  SquareGemm(DType dtype, int n, uint64_t seed = 0x5eed5eedull);
  void run(cudaStream_t stream);  // C = A·B, enqueued
  double flops() const { return 2.0 * double(n_) * n_ * n_; }
  int n() const { return n_; }
  DType dtype() const { return dtype_; }
  // "cuBLASLt 13.0.2 bf16 C=A·B 8192^3 (algo ...)"; the algorithm is known after the first run().
  std::string describe() const;
  // Row-major n x n device matrices, for tests that check the product.
  const void* a() const { return a_.get(); }
  const void* b() const { return b_.get(); }
  const void* c() const { return c_.get(); }

 private:
  DType dtype_;
  int n_;
  DeviceBuffer a_, b_, c_;
  LtMatmul lt_;
};

}  // namespace attnlab
