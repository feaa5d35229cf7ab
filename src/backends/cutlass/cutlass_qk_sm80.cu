// CUTLASS 2.x Ampere QK^T GEMM (mma.sync tensor ops, cp.async multistage): the kernel for 8.x GPUs and the
// fallback on Hopper for shapes the TMA kernel cannot take (n % 4 != 0). Compiled for sm_80 and sm_90a
// (sm_80 SASS does not run on 9.0). Four instantiations: {bf16, fp16} x {S stored 4-wide, 1-wide}.
//
// Layouts: A = Q row-major (m x k, ld k), B = K "column-major" (k x n, ld k: key rows are B's columns),
// C/D = S row-major (m x n, ld n); the batch is grid.z with strides m*k, n*k, m*n elements.
// 128x128x64 threadblock, 64x64x64 warps (4 warps), 16x8x16 MMA, 3 stages (96 KiB of shared memory):
// the configuration of the CUTLASS profiler's standard 16-bit sm80 GEMM.
#include "backends/cutlass/cutlass_qk_kernels.hpp"
#include "cutlass/cutlass.h"
#include "cutlass/epilogue/thread/linear_combination.h"
#include "cutlass/gemm/device/gemm_batched.h"
#include "cutlass/numeric_types.h"

namespace attnlab::cutlass_detail {
namespace {

template <class Element, int kAlignD>
using Sm80QkGemm = cutlass::gemm::device::GemmBatched<
    Element, cutlass::layout::RowMajor, Element, cutlass::layout::ColumnMajor, float, cutlass::layout::RowMajor,
    float, cutlass::arch::OpClassTensorOp, cutlass::arch::Sm80, cutlass::gemm::GemmShape<128, 128, 64>,
    cutlass::gemm::GemmShape<64, 64, 64>, cutlass::gemm::GemmShape<16, 8, 16>,
    // OnlyAlphaScaling: beta is 0, so the epilogue never reads a source C.
    cutlass::epilogue::thread::LinearCombination<float, kAlignD, float, float,
                                                 cutlass::epilogue::thread::ScaleType::OnlyAlphaScaling>,
    cutlass::gemm::threadblock::GemmBatchedIdentityThreadblockSwizzle, 3, 8, 8>;

template <class Gemm, class Element>
cudaError_t run_one(const CutlassQkArgs& a, cudaStream_t stream, char* err, size_t len) {
  using RefA = cutlass::TensorRef<const Element, cutlass::layout::RowMajor>;
  using RefB = cutlass::TensorRef<const Element, cutlass::layout::ColumnMajor>;
  using RefC = cutlass::TensorRef<const float, cutlass::layout::RowMajor>;
  using RefD = cutlass::TensorRef<float, cutlass::layout::RowMajor>;
  const auto* q = static_cast<const Element*>(a.q);
  const auto* k = static_cast<const Element*>(a.k_mat);
  typename Gemm::Arguments args({a.m, a.n, a.k}, RefA(q, a.k), int64_t(a.m) * a.k, RefB(k, a.k),
                                int64_t(a.n) * a.k, RefC(a.s, a.n), int64_t(a.m) * a.n, RefD(a.s, a.n),
                                int64_t(a.m) * a.n, {1.f, 0.f}, a.batch);
  Gemm gemm;
  cutlass::Status st = gemm.can_implement(args);
  if (st == cutlass::Status::kSuccess) st = gemm.initialize(args, nullptr, stream);
  if (st == cutlass::Status::kSuccess) st = gemm.run(stream);
  if (st != cutlass::Status::kSuccess) {
    set_err(err, len, "cutlass sm80 QK^T", cutlassGetStatusString(st));
    return cudaErrorUnknown;
  }
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) set_err(err, len, "cutlass sm80 QK^T launch", cudaGetErrorString(e));
  return e;
}

}  // namespace

cudaError_t run_sm80(const CutlassQkArgs& a, bool align4, cudaStream_t s, char* err, size_t len) {
  using bf16 = cutlass::bfloat16_t;
  using f16 = cutlass::half_t;
  if (a.dtype_bf16)
    return align4 ? run_one<Sm80QkGemm<bf16, 4>, bf16>(a, s, err, len) : run_one<Sm80QkGemm<bf16, 1>, bf16>(a, s, err, len);
  return align4 ? run_one<Sm80QkGemm<f16, 4>, f16>(a, s, err, len) : run_one<Sm80QkGemm<f16, 1>, f16>(a, s, err, len);
}

}  // namespace attnlab::cutlass_detail
