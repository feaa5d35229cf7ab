#pragma once
// A small RAII wrapper around cuBLASLt for the batched, strided, row-major GEMMs of the baselines:
//   C[i] = alpha * A[i] · B[i]^T   (b_trans, B stored (n, k): the QK^T shape)
//   C[i] = alpha * A[i] · B[i]     (!b_trans, B stored (k, n): the PV and square-GEMM shape)
// for i < batch, A/B bf16 or fp16, C fp32 or the input dtype, fp32 accumulation, beta = 0.
//
// Row-major through column-major cuBLAS (the whole trick, used by every call):
//   a row-major matrix X (r x c, row stride ld) has the same bytes as the column-major matrix X^T (c x r,
//   leading dimension ld). We want row-major C (m x n) = A · op(B), i.e. column-major C^T (n x m), and
//   C^T = op(B)^T · A^T. So cuBLAS computes D = opA(A') · opB(B') with M = n, N = m, K = k and
//     A' = our B:  b_trans:  B is row-major (n x k) = column-major (k x n, ld ldb); op(B)^T = B needs
//                            a transpose of that stored matrix -> transa = T, layout rows k, cols n.
//                  !b_trans: B is row-major (k x n) = column-major (n x k, ld ldb) = op(B)^T exactly
//                            -> transa = N, layout rows n, cols k.
//     B' = our A:  row-major (m x k) = column-major (k x m, ld lda) = A^T -> transb = N, rows k, cols m.
//     D  = our C:  row-major (m x n) = column-major (n x m, ld ldc) = C^T, rows n, cols m.
//   b_trans is therefore cuBLAS "TN", the layout every tensor-core GEMM kernel family supports best.
//
// Plans (matmul descriptor, four layouts, the heuristic's first algorithm) are cached per (shape,
// pointer alignment); alignment is part of the key because the heuristic may only pick kernels that the
// actual pointers satisfy (CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_*). Not thread-safe: one per thread/stream
// user. Bound to the device that is current when it is constructed.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "core/dtype.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab {

struct LtGemmShape {
  DType in = DType::bf16;  // A and B
  bool out_f32 = true;     // C fp32, else C in the input dtype
  bool b_trans = true;     // true: C = A·B^T, B (n, k); false: C = A·B, B (k, n)
  int m = 1, n = 1, k = 1;
  int batch = 1;
  int64_t lda = 0, ldb = 0, ldc = 0;                 // row strides in elements (row-major)
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;  // batch strides in elements (ignored when batch == 1)

  // Empty when the shape is consistent (positive sizes, ld >= row length), else why not.
  std::string validate() const;
  std::string describe() const;  // "bf16->fp32 A·B^T m=77 n=45 k=64 batch=3 ld 64/64/45"
  auto key() const { return std::tie(in, out_f32, b_trans, m, n, k, batch, lda, ldb, ldc, stride_a, stride_b, stride_c); }
};

class LtMatmul {
 public:
  static constexpr size_t kWorkspaceBytes = size_t(32) << 20;

  LtMatmul();  // cublasLtCreate + 32 MiB workspace on the current device; throws std::runtime_error
  ~LtMatmul();
  LtMatmul(const LtMatmul&) = delete;
  LtMatmul& operator=(const LtMatmul&) = delete;

  // Enqueues C[i] = alpha * A[i]·op(B[i]) on stream. Throws std::invalid_argument for an inconsistent
  // shape and std::runtime_error naming the failing cuBLASLt call (or "no algorithm") otherwise.
  void run(const LtGemmShape& s, float alpha, const void* a, const void* b, void* c, cudaStream_t stream);

  std::string version() const;  // "cuBLASLt 13.0.2"
  // The algorithm the heuristic picked for the last run() ("algo 66 tile 128x256 stages 3 split-k 1").
  const std::string& last_algo() const { return last_algo_; }

 private:
  struct Plan;
  Plan& plan(const LtGemmShape& s, unsigned align_a, unsigned align_b, unsigned align_c);

  // LtGemmShape::key() + the alignments (bytes) of A, B, C.
  using PlanKey = std::tuple<DType, bool, bool, int, int, int, int, int64_t, int64_t, int64_t, int64_t, int64_t,
                             int64_t, unsigned, unsigned, unsigned>;

  void* handle_ = nullptr;  // cublasLtHandle_t (kept opaque so that users need not include cublasLt.h)
  DeviceBuffer workspace_;
  std::map<PlanKey, std::unique_ptr<Plan>> plans_;
  std::string last_algo_;
};

}  // namespace attnlab
