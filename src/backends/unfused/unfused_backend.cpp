// The "unfused" attention backend (see unfused_backend.hpp).
//
// Layouts and how the GEMMs are batched. Q[b, s, h, :] starts at ((b*Sq + s)*H + h)*d, K/V[b, s, hk, :]
// at ((b*Sk + s)*Hk + hk)*d. For a fixed batch index b the rows of one head are H*d (Hk*d) elements apart
// and consecutive heads d elements apart: each head is a row-major (Sq x d) matrix with ld = H*d, and the
// heads form a strided batch with stride d. GQA: query head h = hk*g + j (g = H/Hk) reads kv head hk. For
// fixed (b, j) the query heads j, g+j, 2g+j, ... (stride g*d) pair with kv heads 0, 1, 2, ... (stride d):
// again a uniform strided batch, of Hk GEMMs. So the GEMMs are launched once per (b, j), batched over hk;
// for MHA (g = 1) that is once per batch index, batched over all heads.
// The scratch S/P is laid out (B, H, Sq, ld) so that softmax row r = (b*H + h)*Sq + i is also the LSE
// index, and within one (b, j) launch the heads hk*g + j are g*Sq*ld apart.
#include "backends/unfused/unfused_backend.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "backends/builtin.hpp"
#include "backends/gemm/lt_matmul.hpp"
#include "core/error.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/device.hpp"
#include "runtime/device_buffer.hpp"
#include "runtime/module.hpp"
#include "runtime/nvrtc_compiler.hpp"
#include "unfused/softmax_params.cuh"

namespace attnlab {

CompileRequest unfused_softmax_request(const std::string& arch) {
  return {"unfused_softmax", "#include \"unfused/softmax.cuh\"\n", arch, {}};
}

int64_t unfused_ld_s(const AttnProblem& p) { return (int64_t(p.seqlen_k) + 3) / 4 * 4; }
int64_t unfused_ld_p(const AttnProblem& p) { return (int64_t(p.seqlen_k) + 7) / 8 * 8; }
uint64_t unfused_scratch_bytes(const AttnProblem& p) {
  const uint64_t rows = uint64_t(p.batch) * p.heads * p.seqlen_q;
  return rows * (uint64_t(unfused_ld_s(p)) * 4 + uint64_t(unfused_ld_p(p)) * 2);
}

namespace {
constexpr int kSoftmaxThreads = 128;  // attnlab::unfused::kThreads in softmax.cuh
constexpr double kMaxScratchFraction = 0.4;

class UnfusedBackend : public AttentionBackend {
 public:
  std::string name() const override { return "unfused"; }
  std::string describe() const override {
    return lt_ ? fmt::format("{} + NVRTC softmax", lt_->version()) : "cuBLASLt + NVRTC softmax";
  }

  std::string supports(const AttnProblem& p) const override {
    if (auto why = p.validate(); !why.empty()) return why;
    size_t free_b = 0, total_b = 0;
    // Without a device there is nothing to measure against; prepare() reports the missing device.
    if (!query_device() || cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) return {};
    const uint64_t need = unfused_scratch_bytes(p);
    const double usable = kMaxScratchFraction * double(free_b + scratch_s_.bytes() + scratch_p_.bytes());
    if (double(need) > usable)
      return fmt::format("unfused scratch needs {:.2f} GiB (S fp32 + P {}), over 40% of free GPU memory ({:.2f} GiB)",
                         need / 1073741824.0, dtype_name(p.dtype), usable / kMaxScratchFraction / 1073741824.0);
    return {};
  }

  void prepare(const AttnProblem& p) override {
    p.validate_or_throw();
    const DeviceInfo dev = require_device();
    if (arch_ != dev.arch()) {
      arch_ = dev.arch();
      const CompiledKernel k = compile(unfused_softmax_request(arch_));
      softmax_bf16_ = load_kernel(k, kUnfusedSoftmaxBf16);
      softmax_f16_ = load_kernel(k, kUnfusedSoftmaxF16);
    }
    if (!lt_) lt_ = std::make_unique<LtMatmul>();
    const uint64_t rows = uint64_t(p.batch) * p.heads * p.seqlen_q;
    const size_t s_bytes = rows * unfused_ld_s(p) * 4, p_bytes = rows * unfused_ld_p(p) * 2;
    // Grow only: a smaller problem reuses the scratch of a larger one.
    // The old buffer is freed (the swapped-out temporary dies at the ';') before the new one is allocated.
    if (s_bytes > scratch_s_.bytes()) {
      scratch_s_ = DeviceBuffer();
      scratch_s_ = DeviceBuffer(s_bytes);
    }
    if (p_bytes > scratch_p_.bytes()) {
      scratch_p_ = DeviceBuffer();
      scratch_p_ = DeviceBuffer(p_bytes);
    }
  }

  void run(const AttnProblem& p, const AttnTensors& t, cudaStream_t stream) override {
    p.validate_or_throw();
    if (!t.q || !t.k || !t.v || !t.o || !t.lse) throw UserError("attention call with a null tensor pointer");
    const uint64_t rows = uint64_t(p.batch) * p.heads * p.seqlen_q;
    if (!lt_ || arch_.empty() || rows * unfused_ld_s(p) * 4 > scratch_s_.bytes() ||
        rows * unfused_ld_p(p) * 2 > scratch_p_.bytes())
      throw std::logic_error("unfused: run() before prepare() for this problem");

    const int B = p.batch, H = p.heads, Hk = p.heads_k, g = H / Hk, d = p.head_dim;
    const int Sq = p.seqlen_q, Sk = p.seqlen_k;
    const int64_t lds = unfused_ld_s(p), ldp = unfused_ld_p(p);
    const auto* q = static_cast<const uint16_t*>(t.q);
    const auto* k = static_cast<const uint16_t*>(t.k);
    const auto* v = static_cast<const uint16_t*>(t.v);
    auto* o = static_cast<uint16_t*>(t.o);
    float* s = scratch_s_.as<float>();
    auto* pm = scratch_p_.as<uint16_t>();

    // 1. S = scale · Q K^T per (b, j), batched over kv heads hk (query head hk*g + j).
    LtGemmShape qk;
    qk.in = p.dtype;
    qk.out_f32 = true;
    qk.b_trans = true;
    qk.m = Sq, qk.n = Sk, qk.k = d, qk.batch = Hk;
    qk.lda = int64_t(H) * d, qk.ldb = int64_t(Hk) * d, qk.ldc = lds;
    qk.stride_a = int64_t(g) * d, qk.stride_b = d, qk.stride_c = int64_t(g) * Sq * lds;
    for (int b = 0; b < B; ++b)
      for (int j = 0; j < g; ++j)
        lt_->run(qk, p.scale(), q + (int64_t(b) * Sq * H + j) * d, k + int64_t(b) * Sk * Hk * d,
                 s + (int64_t(b) * H + j) * Sq * lds, stream);

    // 2. P = softmax(S) with the mask, LSE; all B*H*Sq rows in one launch.
    UnfusedSoftmaxParams sp{};
    sp.s = s;
    sp.p = pm;
    sp.lse = t.lse;
    sp.rows = int64_t(B) * H * Sq;
    sp.seqlen_q = Sq;
    sp.seqlen_k = Sk;
    sp.ld_s = int(lds);
    sp.ld_p = int(ldp);
    sp.causal = p.causal ? 1 : 0;
    void* args[] = {&sp};
    const unsigned grid = unsigned(std::min<int64_t>(sp.rows, int64_t(1) << 30));
    (p.dtype == DType::bf16 ? softmax_bf16_ : softmax_f16_)->launch(dim3(grid), dim3(kSoftmaxThreads), 0, stream, args);

    // 3. O = P·V per (b, j), batched over hk: P (Sq x Sk, ld ldp), V (Sk x d, ld Hk*d) not transposed,
    //    O (Sq x d, ld H*d) in the input dtype, written in place in (B, Sq, H, d).
    LtGemmShape pv;
    pv.in = p.dtype;
    pv.out_f32 = false;
    pv.b_trans = false;
    pv.m = Sq, pv.n = d, pv.k = Sk, pv.batch = Hk;
    pv.lda = ldp, pv.ldb = int64_t(Hk) * d, pv.ldc = int64_t(H) * d;
    pv.stride_a = int64_t(g) * Sq * ldp, pv.stride_b = d, pv.stride_c = int64_t(g) * d;
    for (int b = 0; b < B; ++b)
      for (int j = 0; j < g; ++j)
        lt_->run(pv, 1.f, pm + (int64_t(b) * H + j) * Sq * ldp, v + int64_t(b) * Sk * Hk * d,
                 o + (int64_t(b) * Sq * H + j) * d, stream);
  }

 private:
  std::string arch_;
  std::shared_ptr<LoadedKernel> softmax_bf16_, softmax_f16_;
  std::unique_ptr<LtMatmul> lt_;
  DeviceBuffer scratch_s_, scratch_p_;
};
}  // namespace

void register_unfused_backend(BackendRegistry& r) {
  r.attention["unfused"] = [](const std::string&) { return std::make_unique<UnfusedBackend>(); };
}

}  // namespace attnlab
