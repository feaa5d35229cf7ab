// "cublas-qk": the QK^T GEMM of GemmProblem through cuBLASLt (the vendor library's answer to the same
// shape the CUTLASS baseline computes). S[i] = Q[i] K[i]^T: A = Q (m x k, ld k), B = K (n x k, ld k) used
// transposed, C = S (m x n, ld n) fp32, batch strides m*k, n*k, m*n.
#include <fmt/format.h>

#include <memory>

#include "backends/builtin.hpp"
#include "backends/gemm/lt_matmul.hpp"

namespace attnlab {

namespace {
class CublasQkBackend : public GemmBackend {
 public:
  std::string name() const override { return "cublas-qk"; }
  std::string describe() const override {
    if (!lt_) return "cuBLASLt (not prepared)";
    return lt_->last_algo().empty() ? lt_->version() : fmt::format("{}, {}", lt_->version(), lt_->last_algo());
  }
  std::string supports(const GemmProblem& p) const override { return shape(p).validate(); }
  void prepare(const GemmProblem& p) override {
    if (auto why = supports(p); !why.empty()) throw std::invalid_argument("cublas-qk: " + why);
    if (!lt_) lt_ = std::make_unique<LtMatmul>();
  }
  void run(const GemmProblem& p, const void* a, const void* b, float* c, cudaStream_t stream) override {
    if (!lt_) prepare(p);
    lt_->run(shape(p), 1.f, a, b, c, stream);
  }

 private:
  static LtGemmShape shape(const GemmProblem& p) {
    LtGemmShape s;
    s.in = p.dtype;
    s.out_f32 = true;
    s.b_trans = true;
    s.m = p.m;
    s.n = p.n;
    s.k = p.k;
    s.batch = p.batch;
    s.lda = s.ldb = p.k;
    s.ldc = p.n;
    s.stride_a = int64_t(p.m) * p.k;
    s.stride_b = int64_t(p.n) * p.k;
    s.stride_c = int64_t(p.m) * p.n;
    return s;
  }
  std::unique_ptr<LtMatmul> lt_;
};
}  // namespace

void register_cublas_gemm_backend(BackendRegistry& r) {
  r.gemm["cublas-qk"] = [] { return std::make_unique<CublasQkBackend>(); };
}

}  // namespace attnlab
