// GEMM baselines: cuBLASLt (LtMatmul, "cublas-qk", SquareGemm) and CUTLASS ("cutlass-qk") against a CPU
// fp64 GEMM on small odd shapes. Shape validation and CUTLASS kernel selection run without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/backend.hpp"
#include "backends/gemm/lt_matmul.hpp"
#include "backends/gemm/square_gemm.hpp"
#include "check/inputs.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/device_buffer.hpp"
#include "test_helpers.hpp"
#ifdef ATTNLAB_WITH_CUTLASS
#include "backends/cutlass/cutlass_qk.hpp"
#endif

namespace attnlab {

namespace {
// Row-major reference: C[i](r, c) = sum_t A[i](r, t) * op(B[i])(t, c) in fp64, with explicit strides.
std::vector<double> cpu_gemm(const LtGemmShape& s, const std::vector<float>& a, const std::vector<float>& b) {
  std::vector<double> c(size_t(s.batch) * s.m * s.n);
  for (int i = 0; i < s.batch; ++i)
    for (int r = 0; r < s.m; ++r)
      for (int col = 0; col < s.n; ++col) {
        double acc = 0;
        for (int t = 0; t < s.k; ++t) {
          const double x = a[i * s.stride_a + r * s.lda + t];
          const double y = s.b_trans ? b[i * s.stride_b + col * s.ldb + t] : b[i * s.stride_b + t * s.ldb + col];
          acc += x * y;
        }
        c[(size_t(i) * s.m + r) * s.n + col] = acc;
      }
  return c;
}

// Max |gpu - ref| over the logical (batch, m, n) elements of a C stored with ldc / stride_c; NaN (an
// element never written: outputs are poisoned) counts as infinite.
double max_err(const LtGemmShape& s, const std::vector<float>& c, const std::vector<double>& ref) {
  double e = 0;
  for (int i = 0; i < s.batch; ++i)
    for (int r = 0; r < s.m; ++r)
      for (int col = 0; col < s.n; ++col) {
        const double g = c[i * s.stride_c + r * s.ldc + col];
        const double d = std::isfinite(g) ? std::fabs(g - ref[(size_t(i) * s.m + r) * s.n + col]) : INFINITY;
        e = std::max(e, d);
      }
  return e;
}

size_t extent(int batch, int64_t stride, int rows, int64_t ld) { return size_t((batch - 1) * stride + rows * ld); }

std::vector<float> to_float(DType t, const std::vector<uint16_t>& bits) {
  std::vector<float> f(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) f[i] = from_bits(t, bits[i]);
  return f;
}

GemmProblem qk_problem(DType dt, int k, int n) {
  GemmProblem p;
  p.batch = 3;
  p.m = 77;
  p.n = n;
  p.k = k;
  p.dtype = dt;
  return p;
}

// Runs a GemmBackend on random Q, K and returns the max error against the fp64 GEMM (inputs are N(0,1),
// so |S| ~ sqrt(k); fp32 accumulation of exact products is good to ~1e-5 there, a layout bug is O(1)).
double gemm_backend_error(GemmBackend& be, const GemmProblem& p) {
  const auto q = random_tensor(p.dtype, int64_t(p.batch) * p.m * p.k, fresh_seed());
  const auto k = random_tensor(p.dtype, int64_t(p.batch) * p.n * p.k, fresh_seed());
  DeviceBuffer dq(q.bits.size() * 2), dk(k.bits.size() * 2), ds(size_t(p.batch) * p.m * p.n * 4);
  dq.upload(q.bits);
  dk.upload(k.bits);
  ds.fill_bytes(0xff);
  be.prepare(p);
  be.run(p, dq.get(), dk.get(), ds.as<float>(), nullptr);
  ATTN_CUDA(cudaDeviceSynchronize());
  LtGemmShape s;
  s.m = p.m, s.n = p.n, s.k = p.k, s.batch = p.batch, s.lda = s.ldb = p.k, s.ldc = p.n;
  s.stride_a = int64_t(p.m) * p.k, s.stride_b = int64_t(p.n) * p.k, s.stride_c = int64_t(p.m) * p.n;
  return max_err(s, ds.download<float>(size_t(p.batch) * p.m * p.n), cpu_gemm(s, q.values, k.values));
}
}  // namespace

TEST(GemmBackends, Registered) {
  auto g = gemm_backend_names();
  EXPECT_NE(std::find(g.begin(), g.end(), "cublas-qk"), g.end());
#ifdef ATTNLAB_WITH_CUTLASS
  EXPECT_NE(std::find(g.begin(), g.end(), "cutlass-qk"), g.end());
#endif
  EXPECT_EQ(make_gemm_backend("cublas-qk")->name(), "cublas-qk");
}

TEST(GemmBackends, ShapeValidation) {
  LtGemmShape s;
  s.m = 77, s.n = 45, s.k = 64, s.lda = 64, s.ldb = 64, s.ldc = 45;
  EXPECT_EQ(s.validate(), "");
  auto bad = s;
  bad.ldc = 44;
  EXPECT_NE(bad.validate().find("ldc"), std::string::npos);
  bad = s;
  bad.b_trans = false;  // B is then (k, n): ldb must cover n = 45, 64 does
  EXPECT_EQ(bad.validate(), "");
  bad.n = 65;
  bad.ldc = 65;
  EXPECT_NE(bad.validate().find("ldb"), std::string::npos);
  bad = s;
  bad.k = 0;
  EXPECT_NE(bad.validate(), "");
  // cublas-qk answers supports() from the shape alone (no device needed).
  auto be = make_gemm_backend("cublas-qk");
  for (int k : {64, 128}) EXPECT_EQ(be->supports(qk_problem(DType::bf16, k, 45)), "");
  EXPECT_NE(be->supports(qk_problem(DType::bf16, 0, 45)), "");
}

#ifdef ATTNLAB_WITH_CUTLASS
TEST(GemmBackends, CutlassKernelSelection) {
  auto sel = [](int major, int minor, int n, int k, std::string* why = nullptr) {
    CutlassQkArgs a;
    a.arch_major = major, a.arch_minor = minor, a.batch = 3, a.m = 77, a.n = n, a.k = k;
    char buf[256] = "";
    auto r = cutlass_qk_select(a, buf, sizeof buf);
    if (why) *why = buf;
    return r;
  };
  EXPECT_EQ(sel(9, 0, 64, 64), CutlassQkKernel::sm90_tma_pingpong);
  EXPECT_EQ(sel(9, 0, 45, 128), CutlassQkKernel::sm80_align1);  // TMA store needs 16-byte rows of S
  EXPECT_EQ(sel(8, 0, 64, 64), CutlassQkKernel::sm80_align4);
  EXPECT_EQ(sel(8, 9, 45, 64), CutlassQkKernel::sm80_align1);
  std::string why;
  EXPECT_EQ(sel(9, 0, 64, 60, &why), CutlassQkKernel::none);
  EXPECT_NE(why.find("multiple of 8"), std::string::npos) << why;
  EXPECT_EQ(sel(10, 0, 64, 64, &why), CutlassQkKernel::none);
  EXPECT_NE(why.find("sm_100"), std::string::npos) << why;
  CutlassQkArgs a;
  a.arch_major = 9, a.m = 64, a.n = 64, a.k = 64;
  a.q = reinterpret_cast<const void*>(uintptr_t(0x1008));  // 8-byte aligned only
  EXPECT_EQ(cutlass_qk_select(a, nullptr, 0), CutlassQkKernel::none);
  EXPECT_STREQ(cutlass_qk_kernel_name(CutlassQkKernel::sm90_tma_pingpong), "cutlass3-sm90-tma-ws-pingpong-128x128x64-c1x1");
}
#endif

TEST(GemmBackends, CublasQkMatchesCpuFp64) {
  ATTN_REQUIRE_GPU();
  auto be = make_gemm_backend("cublas-qk");
  for (DType dt : {DType::bf16, DType::f16})
    for (int k : {64, 128})
      for (int n : {45, 64}) {
        const auto p = qk_problem(dt, k, n);
        ASSERT_EQ(be->supports(p), "");
        EXPECT_LT(gemm_backend_error(*be, p), 1e-3) << dtype_name(dt) << " k=" << k << " n=" << n << " " << be->describe();
      }
}

TEST(GemmBackends, CutlassQkMatchesCpuFp64) {
  ATTN_REQUIRE_GPU();
#ifndef ATTNLAB_WITH_CUTLASS
  GTEST_SKIP() << "CUTLASS baseline not built";
#else
  const auto dev = require_device();
  auto be = make_gemm_backend("cutlass-qk");
  for (DType dt : {DType::bf16, DType::f16})
    for (int k : {64, 128})
      for (int n : {45, 64}) {  // on H100: n=64 takes the TMA kernel, n=45 the sm80 align1 one
        const auto p = qk_problem(dt, k, n);
        const std::string why = be->supports(p);
        if (!why.empty()) {  // only GPUs the kernels were not built for may refuse
          EXPECT_TRUE(dev.cc_major != 8 && dev.cc_major != 9) << why;
          continue;
        }
        const double err = gemm_backend_error(*be, p);
        EXPECT_LT(err, 1e-3) << dtype_name(dt) << " k=" << k << " n=" << n << " " << be->describe();
        if (dev.cc_major == 9 && dev.cc_minor == 0)
          EXPECT_NE(be->describe().find(n % 4 == 0 ? "sm90" : "align1"), std::string::npos) << be->describe();
      }
#endif
}

// LtMatmul with everything the unfused path uses: padded leading dims, non-packed batch strides, both B
// orientations, fp32 and 16-bit outputs, a batch stride smaller than a matrix (interleaved heads).
TEST(GemmBackends, LtMatmulStridedLayouts) {
  ATTN_REQUIRE_GPU();
  LtMatmul lt;
  for (DType dt : {DType::bf16, DType::f16})
    for (bool b_trans : {true, false})
      for (bool out_f32 : {true, false}) {
        LtGemmShape s;
        s.in = dt, s.b_trans = b_trans, s.out_f32 = out_f32;
        s.m = 77, s.n = 45, s.k = 64, s.batch = 3;
        // A like Q of 3 interleaved heads: rows 3*64+8 apart, heads 64 apart.
        s.lda = 3 * 64 + 8, s.stride_a = 64;
        s.ldb = b_trans ? 72 : 56, s.stride_b = (b_trans ? 45 : 64) * s.ldb + 16;
        s.ldc = 48, s.stride_c = 77 * 48 + 8;
        const auto a = random_tensor(dt, extent(3, s.stride_a, s.m, s.lda), fresh_seed());
        const auto b = random_tensor(dt, extent(3, s.stride_b, b_trans ? s.n : s.k, s.ldb), fresh_seed());
        const size_t c_elems = extent(3, s.stride_c, s.m, s.ldc);
        DeviceBuffer da(a.bits.size() * 2), db(b.bits.size() * 2), dc(c_elems * (out_f32 ? 4 : 2));
        da.upload(a.bits);
        db.upload(b.bits);
        dc.fill_bytes(0xff);
        lt.run(s, 0.5f, da.get(), db.get(), dc.get(), nullptr);
        ATTN_CUDA(cudaDeviceSynchronize());
        auto ref = cpu_gemm(s, a.values, b.values);
        for (auto& x : ref) x *= 0.5;
        const auto c = out_f32 ? dc.download<float>(c_elems) : to_float(dt, dc.download<uint16_t>(c_elems));
        // 16-bit C: one rounding of |C| <= ~16 (0.5 * 4 sigma of a 64-term N(0,1) dot product): half an
        // ulp there is 2^-4 for bf16, 2^-7 for fp16.
        const double tol = out_f32 ? 1e-3 : (dt == DType::bf16 ? 0.15 : 0.02);
        EXPECT_LT(max_err(s, c, ref), tol) << s.describe() << " " << lt.last_algo();
      }
}

TEST(GemmBackends, SquareGemmComputesAB) {
  ATTN_REQUIRE_GPU();
  for (DType dt : {DType::bf16, DType::f16}) {
    const int n = 200;
    SquareGemm g(dt, n);
    EXPECT_DOUBLE_EQ(g.flops(), 2.0 * n * n * n);
    g.run(nullptr);
    ATTN_CUDA(cudaDeviceSynchronize());
    auto dl = [&](const void* p) {
      std::vector<uint16_t> h(size_t(n) * n);
      ATTN_CUDA(cudaMemcpy(h.data(), p, h.size() * 2, cudaMemcpyDeviceToHost));
      return to_float(dt, h);
    };
    const auto a = dl(g.a()), b = dl(g.b()), c = dl(g.c());
    LtGemmShape s;
    s.b_trans = false, s.m = s.n = s.k = n, s.lda = s.ldb = s.ldc = n;
    const auto ref = cpu_gemm(s, a, b);
    size_t zeros = 0;
    for (float x : a) zeros += x == 0.f;
    EXPECT_EQ(zeros, 0u);
    // |C| ~ sqrt(200)/3 ~ 5 with uniform inputs; one 16-bit rounding of C.
    EXPECT_LT(max_err(s, c, ref), dt == DType::bf16 ? 0.1 : 0.02) << g.describe();
    EXPECT_NE(g.describe().find("cuBLASLt"), std::string::npos);
  }
}

}  // namespace attnlab
