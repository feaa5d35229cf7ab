#include "backends/gemm/lt_matmul.hpp"

#include <cublasLt.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "runtime/cuda_check.hpp"

namespace attnlab {

namespace {
// Every cuBLASLt status is checked; the message names the call so a failure points at the line.
void lt_check(cublasStatus_t st, const char* call) {
  if (st != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(fmt::format("cuBLASLt error {} ({}) in {}", cublasLtGetStatusName(st),
                                         cublasLtGetStatusString(st), call));
}
#define ATTN_LT(call) lt_check((call), #call)

cudaDataType_t cuda_type(DType t) { return t == DType::bf16 ? CUDA_R_16BF : CUDA_R_16F; }

// Largest power of two (<= 256) dividing v; 256 for 0.
unsigned pow2_align(uint64_t v) {
  unsigned a = 1;
  while (a < 256 && v % (2 * a) == 0) a *= 2;
  return v == 0 ? 256 : a;
}

// The alignment every batch's pointer has: the base pointer's, lowered by the batch stride's.
unsigned operand_align(const void* p, int batch, int64_t stride_elems, size_t elem_bytes) {
  unsigned a = pow2_align(reinterpret_cast<uintptr_t>(p));
  if (batch > 1) a = std::min(a, pow2_align(uint64_t(stride_elems) * elem_bytes));
  return a;
}
}  // namespace

std::string LtGemmShape::validate() const {
  if (m < 1 || n < 1 || k < 1 || batch < 1)
    return fmt::format("GEMM sizes must be >= 1 (m={} n={} k={} batch={})", m, n, k, batch);
  if (lda < k) return fmt::format("lda ({}) < k ({})", lda, k);
  if (ldb < (b_trans ? k : n)) return fmt::format("ldb ({}) < {} ({})", ldb, b_trans ? "k" : "n", b_trans ? k : n);
  if (ldc < n) return fmt::format("ldc ({}) < n ({})", ldc, n);
  if (batch > 1 && (stride_a < 0 || stride_b < 0 || stride_c < 0)) return "negative batch stride";
  return {};
}

std::string LtGemmShape::describe() const {
  return fmt::format("{}->{} A·B{} m={} n={} k={} batch={} ld {}/{}/{}", dtype_name(in),
                     out_f32 ? "fp32" : dtype_name(in), b_trans ? "^T" : "", m, n, k, batch, lda, ldb, ldc);
}

struct LtMatmul::Plan {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;  // cuBLAS A (= our B), B (= our A), C/D
  cublasLtMatmulAlgo_t algo{};
  std::string algo_name;
  ~Plan() {
    if (lc) cublasLtMatrixLayoutDestroy(lc);
    if (lb) cublasLtMatrixLayoutDestroy(lb);
    if (la) cublasLtMatrixLayoutDestroy(la);
    if (op) cublasLtMatmulDescDestroy(op);
  }
};

LtMatmul::LtMatmul() {
  cublasLtHandle_t h = nullptr;
  ATTN_LT(cublasLtCreate(&h));
  handle_ = h;
  try {
    workspace_ = DeviceBuffer(kWorkspaceBytes);
  } catch (...) {
    cublasLtDestroy(h);
    throw;
  }
}

LtMatmul::~LtMatmul() {
  plans_.clear();  // descriptors before the handle
  if (handle_) cublasLtDestroy(static_cast<cublasLtHandle_t>(handle_));
}

std::string LtMatmul::version() const {
  const size_t v = cublasLtGetVersion();  // e.g. 130002 = 13.0.2
  return fmt::format("cuBLASLt {}.{}.{}", v / 10000, v / 100 % 100, v % 100);
}

LtMatmul::Plan& LtMatmul::plan(const LtGemmShape& s, unsigned align_a, unsigned align_b, unsigned align_c) {
  const PlanKey key = std::tuple_cat(s.key(), std::make_tuple(align_a, align_b, align_c));
  auto& slot = plans_[key];
  if (slot) return *slot;

  auto p = std::make_unique<Plan>();
  const cudaDataType_t tin = cuda_type(s.in), tout = s.out_f32 ? CUDA_R_32F : tin;
  ATTN_LT(cublasLtMatmulDescCreate(&p->op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  // See the header: cuBLAS A' = our B (transposed when b_trans), cuBLAS B' = our A (never transposed).
  const cublasOperation_t ta = s.b_trans ? CUBLAS_OP_T : CUBLAS_OP_N, tb = CUBLAS_OP_N;
  ATTN_LT(cublasLtMatmulDescSetAttribute(p->op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)));
  ATTN_LT(cublasLtMatmulDescSetAttribute(p->op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)));
  // Stored (column-major) dims: A' is k x n (b_trans) or n x k; B' is k x m; C/D is n x m.
  const uint64_t a_rows = s.b_trans ? s.k : s.n, a_cols = s.b_trans ? s.n : s.k;
  ATTN_LT(cublasLtMatrixLayoutCreate(&p->la, tin, a_rows, a_cols, s.ldb));
  ATTN_LT(cublasLtMatrixLayoutCreate(&p->lb, tin, uint64_t(s.k), uint64_t(s.m), s.lda));
  ATTN_LT(cublasLtMatrixLayoutCreate(&p->lc, tout, uint64_t(s.n), uint64_t(s.m), s.ldc));
  if (s.batch > 1) {
    const int32_t count = s.batch;
    const int64_t strides[3] = {s.stride_b, s.stride_a, s.stride_c};  // in the order la, lb, lc
    cublasLtMatrixLayout_t layouts[3] = {p->la, p->lb, p->lc};
    for (int i = 0; i < 3; ++i) {
      ATTN_LT(cublasLtMatrixLayoutSetAttribute(layouts[i], CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count)));
      ATTN_LT(cublasLtMatrixLayoutSetAttribute(layouts[i], CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &strides[i],
                                               sizeof(strides[i])));
    }
  }

  cublasLtMatmulPreference_t pref = nullptr;
  ATTN_LT(cublasLtMatmulPreferenceCreate(&pref));
  struct PrefGuard {
    cublasLtMatmulPreference_t p;
    ~PrefGuard() { cublasLtMatmulPreferenceDestroy(p); }
  } guard{pref};
  const uint64_t ws = kWorkspaceBytes;
  // cuBLAS A' is our B and cuBLAS B' is our A: the alignments swap too.
  const uint32_t al_a = align_b, al_b = align_a, al_c = align_c;
  ATTN_LT(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
  ATTN_LT(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &al_a, sizeof(al_a)));
  ATTN_LT(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &al_b, sizeof(al_b)));
  ATTN_LT(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &al_c, sizeof(al_c)));
  ATTN_LT(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &al_c, sizeof(al_c)));

  cublasLtMatmulHeuristicResult_t result{};
  int returned = 0;
  ATTN_LT(cublasLtMatmulAlgoGetHeuristic(static_cast<cublasLtHandle_t>(handle_), p->op, p->la, p->lb, p->lc, p->lc,
                                         pref, 1, &result, &returned));
  if (returned < 1 || result.state != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(fmt::format("cuBLASLt: no algorithm for {} (alignments {}/{}/{} B)", s.describe(),
                                         align_a, align_b, align_c));
  p->algo = result.algo;

  int32_t id = -1, splitk = -1;
  uint32_t tile = 0, stages = 0;
  size_t written = 0;
  cublasLtMatmulAlgoConfigGetAttribute(&p->algo, CUBLASLT_ALGO_CONFIG_ID, &id, sizeof(id), &written);
  cublasLtMatmulAlgoConfigGetAttribute(&p->algo, CUBLASLT_ALGO_CONFIG_TILE_ID, &tile, sizeof(tile), &written);
  cublasLtMatmulAlgoConfigGetAttribute(&p->algo, CUBLASLT_ALGO_CONFIG_STAGES_ID, &stages, sizeof(stages), &written);
  cublasLtMatmulAlgoConfigGetAttribute(&p->algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &splitk, sizeof(splitk), &written);
  p->algo_name = fmt::format("algo {} tile-id {} stages-id {} split-k {}", id, tile, stages, splitk);
  slot = std::move(p);
  return *slot;
}

void LtMatmul::run(const LtGemmShape& s, float alpha, const void* a, const void* b, void* c, cudaStream_t stream) {
  if (auto why = s.validate(); !why.empty()) throw std::invalid_argument("LtMatmul: " + why);
  if (!a || !b || !c) throw std::invalid_argument("LtMatmul: null operand pointer");
  const size_t in_bytes = 2, out_bytes = s.out_f32 ? 4 : 2;
  Plan& p = plan(s, operand_align(a, s.batch, s.stride_a, in_bytes), operand_align(b, s.batch, s.stride_b, in_bytes),
                 operand_align(c, s.batch, s.stride_c, out_bytes));
  const float beta = 0.f;
  // cuBLAS A' = our B, B' = our A; C and D are the same buffer (beta = 0, C is never read).
  ATTN_LT(cublasLtMatmul(static_cast<cublasLtHandle_t>(handle_), p.op, &alpha, b, p.la, a, p.lb, &beta, c, p.lc, c,
                         p.lc, &p.algo, workspace_.get(), workspace_.bytes(), stream));
  last_algo_ = p.algo_name;
}

}  // namespace attnlab
