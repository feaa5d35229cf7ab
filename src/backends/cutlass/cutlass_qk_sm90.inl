// The CUTLASS 3.x Hopper QK^T GEMM for one input element type, included once per dtype by
// cutlass_qk_sm90_{bf16,f16}.cu after defining ATTNLAB_SM90_ELEMENT (cutlass::bfloat16_t / cutlass::half_t)
// and ATTNLAB_SM90_NS (the namespace that keeps the two instantiations apart). nvcc only (C++17).
// Not a class template on purpose: GCC 12 (nvcc's host compiler) fails to resolve the collective
// builders' nested ::CollectiveOp types in a dependent context, so the types live at namespace scope.
//
// Why these choices: with k = head dim (64..256) every output tile sees only 1-4 k-blocks, so the kernel is
// bound by writing S in fp32 (4 bytes per 2k FLOP), not by the MMAs. Hence a TMA store epilogue (full
// 128-byte lines, async) and the ping-pong schedule, where one consumer warpgroup's epilogue overlaps the
// other's MMAs. 128x128x64 is the CUTLASS profiler's standard tile for 16-bit inputs; a 2x1 cluster would
// only multicast B loads, which are not the bottleneck here, so the cluster is 1x1x1. C is void: beta = 0
// and the epilogue never reads S. Checked on an H200 (batch 64, m = n = 4096, k 64/128/256, rough event
// timing): cooperative 256x128 and 128x256 tiles and a 2x1 cluster were all within 5% of this one, at
// 3.0-3.2 TB/s of S + Q + K traffic; cuBLASLt's TN kernel was 10-20% faster (3.3-3.85 TB/s) at these shapes.
#include <cstdio>

#include "backends/cutlass/cutlass_qk_kernels.hpp"
#include "cute/tensor.hpp"
#include "cutlass/cutlass.h"
#include "cutlass/epilogue/collective/collective_builder.hpp"
#include "cutlass/gemm/collective/collective_builder.hpp"
#include "cutlass/gemm/device/gemm_universal_adapter.h"
#include "cutlass/gemm/dispatch_policy.hpp"
#include "cutlass/gemm/kernel/gemm_universal.hpp"
#include "cutlass/util/packed_stride.hpp"

namespace attnlab::cutlass_detail::ATTNLAB_SM90_NS {

using Element = ATTNLAB_SM90_ELEMENT;
using ElementA = Element;
using LayoutA = cutlass::layout::RowMajor;     // Q (m, k): k contiguous
using ElementB = Element;
using LayoutB = cutlass::layout::ColumnMajor;  // K (n, k) row-major == B (k, n) column-major
using ElementD = float;
using LayoutD = cutlass::layout::RowMajor;     // S (m, n): n contiguous
constexpr int kAlignAB = 16 / sizeof(Element);  // 8 elements: TMA needs 16-byte strides
constexpr int kAlignD = 4;                      // 4 floats = 16 bytes

// Overridable for tuning experiments; the defaults are the shipped configuration.
#ifndef ATTNLAB_SM90_TILE
#define ATTNLAB_SM90_TILE cute::_128, cute::_128, cute::_64
#define ATTNLAB_SM90_CLUSTER cute::_1, cute::_1, cute::_1
#define ATTNLAB_SM90_MAINLOOP cutlass::gemm::KernelTmaWarpSpecializedPingpong
#define ATTNLAB_SM90_EPILOGUE cutlass::epilogue::TmaWarpSpecialized
#endif
using TileShape = cute::Shape<ATTNLAB_SM90_TILE>;
using ClusterShape = cute::Shape<ATTNLAB_SM90_CLUSTER>;

using EpilogueOp = typename cutlass::epilogue::collective::CollectiveBuilder<
    cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp, TileShape, ClusterShape,
    cutlass::epilogue::collective::EpilogueTileAuto, float, float,
    void, LayoutD, kAlignD,  // no C operand
    ElementD, LayoutD, kAlignD, ATTNLAB_SM90_EPILOGUE>::CollectiveOp;

using MainloopOp = typename cutlass::gemm::collective::CollectiveBuilder<
    cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp, ElementA, LayoutA, kAlignAB, ElementB, LayoutB,
    kAlignAB, float, TileShape, ClusterShape,
    cutlass::gemm::collective::StageCountAutoCarveout<static_cast<int>(
        sizeof(typename EpilogueOp::SharedStorage))>,
    ATTNLAB_SM90_MAINLOOP>::CollectiveOp;

using Kernel = cutlass::gemm::kernel::GemmUniversal<cute::Shape<int, int, int, int>, MainloopOp,
                                                    EpilogueOp>;
using Gemm = cutlass::gemm::device::GemmUniversalAdapter<Kernel>;

inline typename Gemm::Arguments arguments(const CutlassQkArgs& a) {
  using StrideA = typename Kernel::StrideA;
  using StrideB = typename Kernel::StrideB;
  using StrideD = typename Kernel::StrideD;
  // Packed strides: A (M, K, L) -> (K, 1, M*K); B (N, K, L) -> (K, 1, N*K); D (M, N, L) -> (N, 1, M*N).
  const StrideA sa = cutlass::make_cute_packed_stride(StrideA{}, cute::make_shape(a.m, a.k, a.batch));
  const StrideB sb = cutlass::make_cute_packed_stride(StrideB{}, cute::make_shape(a.n, a.k, a.batch));
  const StrideD sd = cutlass::make_cute_packed_stride(StrideD{}, cute::make_shape(a.m, a.n, a.batch));
  cutlass::KernelHardwareInfo hw;
  cudaGetDevice(&hw.device_id);
  hw.sm_count = cutlass::KernelHardwareInfo::query_device_multiprocessor_count(hw.device_id);
  typename Gemm::Arguments args{cutlass::gemm::GemmUniversalMode::kGemm,
                                {a.m, a.n, a.k, a.batch},
                                {static_cast<const ElementA*>(a.q), sa, static_cast<const ElementB*>(a.k_mat), sb},
                                {{}, nullptr, sd, a.s, sd},
                                hw};
  args.epilogue.thread.alpha = 1.f;
  args.epilogue.thread.beta = 0.f;
  return args;
}

inline size_t workspace(const CutlassQkArgs& a) { return Gemm::get_workspace_size(arguments(a)); }

inline cudaError_t run(const CutlassQkArgs& a, void* ws, size_t ws_bytes, cudaStream_t stream, char* err,
                       size_t len) {
  const auto args = arguments(a);
  if (Gemm::get_workspace_size(args) > ws_bytes) {
    set_err(err, len, "cutlass sm90 QK^T", "workspace too small");
    return cudaErrorInvalidValue;
  }
  Gemm gemm;
  cutlass::Status st = gemm.can_implement(args);
  if (st == cutlass::Status::kSuccess) st = gemm.initialize(args, ws, stream);
  if (st == cutlass::Status::kSuccess) st = gemm.run(stream);
  if (st != cutlass::Status::kSuccess) {
    set_err(err, len, "cutlass sm90 QK^T", cutlassGetStatusString(st));
    return cudaErrorUnknown;
  }
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) set_err(err, len, "cutlass sm90 QK^T launch", cudaGetErrorString(e));
  return e;
}
}  // namespace attnlab::cutlass_detail::ATTNLAB_SM90_NS
