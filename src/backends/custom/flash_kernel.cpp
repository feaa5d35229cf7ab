#include "backends/custom/flash_kernel.hpp"

#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"

namespace attnlab {

std::string flash_entry_source(const TileConfig& cfg, DType dtype, int head_dim, FlashVariant v,
                               const std::string& kernel_source) {
  return fmt::format(
      "{}\n"
      "using KernelConfig = {};\n"
      "extern \"C\" __global__ void __launch_bounds__(KernelConfig::kThreads)\n"
      "{}(const FlashFwdParams p) {{ attnlab::sm80::flash_fwd<KernelConfig, {}>(p); }}\n",
      kernel_source.empty() ? "#include \"sm80/flash_fwd_kernel.cuh\"" : kernel_source, cfg.instantiation(dtype, head_dim),
      kFlashEntry, v == FlashVariant::micro ? "true" : "false");
}

CompiledKernel compile_flash(const TileConfig& cfg, DType dtype, int head_dim, const std::string& arch, FlashVariant v,
                             const std::string& kernel_source) {
  if (auto why = cfg.constraint_violation(head_dim, ArchLimits::for_arch(arch)); !why.empty())
    throw UserError(fmt::format("config {} is invalid for d={} on {}: {}", cfg.name(), head_dim, arch, why));
  CompileRequest req{fmt::format("flash_{}{}_{}_{}_d{}", v == FlashVariant::micro ? "micro" : "fwd",
                                  kernel_source.empty() ? "" : "_proposed", cfg.name(), dtype_name(dtype), head_dim),
                      flash_entry_source(cfg, dtype, head_dim, v, kernel_source), arch, {}};
  req.untrusted = !kernel_source.empty();  // a proposer's source: includes restricted (include_policy.hpp)
  return compile(req);
}

FlashFwdParams make_flash_params(const AttnProblem& p, const AttnTensors& t) {
  FlashFwdParams f{};
  f.q = t.q;
  f.k = t.k;
  f.v = t.v;
  f.o = t.o;
  f.lse = t.lse;
  const int d = p.head_dim;
  f.q_row_stride = f.o_row_stride = p.heads * d;
  f.k_row_stride = f.v_row_stride = p.heads_k * d;
  f.q_head_stride = f.o_head_stride = f.k_head_stride = f.v_head_stride = d;
  f.q_batch_stride = f.o_batch_stride = (long long)p.seqlen_q * p.heads * d;
  f.k_batch_stride = f.v_batch_stride = (long long)p.seqlen_k * p.heads_k * d;
  f.seqlen_q = p.seqlen_q;
  f.seqlen_k = p.seqlen_k;
  f.heads = p.heads;
  f.heads_per_kv = p.heads / p.heads_k;
  f.scale = p.scale();
  f.scale_log2 = float(double(p.scale()) * M_LOG2E);
  f.causal = p.causal ? 1 : 0;
  return f;
}

FlashKernel::FlashKernel(const TileConfig& cfg, DType dtype, int head_dim, const std::string& arch, FlashVariant variant,
                         const std::string& kernel_source)
    : cfg_(cfg),
      dtype_(dtype),
      head_dim_(head_dim),
      variant_(variant),
      compiled_(compile_flash(cfg, dtype, head_dim, arch, variant, kernel_source)) {
  kernel_ = load_kernel(compiled_, kFlashEntry);
}

int FlashKernel::max_active_ctas_per_sm() const {
  return kernel_->max_active_blocks_per_sm(cfg_.threads(), cfg_.smem_bytes(head_dim_));
}

void FlashKernel::run(const AttnProblem& p, const AttnTensors& t, cudaStream_t stream, long long* micro_cycles) const {
  if ((variant_ == FlashVariant::micro) != (micro_cycles != nullptr))
    throw std::logic_error("micro_cycles must be given exactly for the micro variant");
  p.validate_or_throw();
  if (p.dtype != dtype_ || p.head_dim != head_dim_)
    throw UserError(fmt::format("kernel compiled for {} d={} cannot run {}", dtype_name(dtype_), head_dim_, p.describe()));
  if (!t.q || !t.k || !t.v || !t.o || !t.lse) throw UserError("attention call with a null tensor pointer");
  FlashFwdParams params = make_flash_params(p, t);
  params.micro_cycles = micro_cycles;
  void* args[] = {&params};
  const dim3 grid((p.seqlen_q + cfg_.block_m - 1) / cfg_.block_m, p.heads, p.batch);
  kernel_->launch(grid, dim3(cfg_.threads()), cfg_.smem_bytes(head_dim_), stream, args);
}

}  // namespace attnlab
