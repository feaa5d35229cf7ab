#include "backends/custom/flash_kernel.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <cmath>

#include <fmt/format.h>

#include "backends/custom/family.hpp"
#include "backends/custom/kernel_patch.hpp"
#include "core/error.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/cubin_state.hpp"

namespace attnlab {

std::string flash_entry_source(const TileConfig& cfg, DType dtype, int head_dim, FlashVariant v,
                               const std::string& kernel_source) {
  const FamilySpec& f = family_spec(cfg.family);
  return fmt::format(
      "{}\n"
      "using KernelConfig = {};\n"
      "extern \"C\" __global__ void __launch_bounds__(KernelConfig::kThreads{})\n"
      "{}(const __grid_constant__ {} p) {{ {}<KernelConfig, {}>(p); }}\n",
      kernel_source.empty() ? fmt::format("#include \"{}\"", f.kernel_header) : kernel_source,
      cfg.instantiation(dtype, head_dim), f.min_blocks_per_sm > 0 ? fmt::format(", {}", f.min_blocks_per_sm) : "",
      kFlashEntry, f.params_type, f.kernel_function, v == FlashVariant::micro ? "true" : "false");
}

CompiledKernel compile_flash(const TileConfig& cfg, DType dtype, int head_dim, const std::string& arch, FlashVariant v,
                             const std::string& kernel_source) {
  if (auto why = cfg.constraint_violation(head_dim, ArchLimits::for_arch(arch)); !why.empty())
    throw UserError(fmt::format("config {} is invalid for d={} on {}: {}", cfg.name(), head_dim, arch, why));
  // Edits (kernel_patch.hpp) replace the family's files they patch; a full text replaces its kernel shell.
  const bool edits = is_edits_document(kernel_source);
  std::vector<EmbeddedFile> patched;
  if (edits) {
    patched = apply_kernel_edits(kernel_source);
    check_patch_family(patched, family_spec(cfg.family).name);
  }
  CompileRequest req{fmt::format("flash_{}{}_{}_{}_d{}", v == FlashVariant::micro ? "micro" : "fwd",
                                  kernel_source.empty() ? "" : "_proposed", cfg.name(), dtype_name(dtype), head_dim),
                      flash_entry_source(cfg, dtype, head_dim, v, edits ? "" : kernel_source), arch, {}};
  req.header_overrides = std::move(patched);
  req.untrusted = !kernel_source.empty();  // a proposer's source: includes restricted (include_policy.hpp)
  CompiledKernel k = compile(req);
  if (req.untrusted) {  // and no state that survives a launch (runtime/cubin_state.hpp), cached or not: no
    // device object beyond the built-in kernel's own for the same config (the config's constants)
    const CompiledKernel builtin = compile_flash(cfg, dtype, head_dim, arch, v);
    const std::vector<std::string> state = cubin_launch_state(k.cubin, cubin_device_objects(builtin.cubin));
    if (!state.empty())
      throw CompileError(fmt::format("source candidate refused: it keeps writable state across launches ({}{}); a "
                                     "candidate may not define __device__ variables or string literals, or call malloc",
                                     state[0], state.size() > 1 ? fmt::format(" and {} more", state.size() - 1) : ""),
                         "");
  }
  return k;
}

std::vector<std::string> precompile(const std::vector<CompileJob>& jobs, const std::string& arch, unsigned threads) {
  std::vector<std::string> errors(jobs.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      try {
        compile_flash(jobs[i].cfg, jobs[i].dtype, jobs[i].head_dim, arch, jobs[i].variant);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    }
  };
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::min<size_t>(threads, jobs.size()); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  return errors;
}


FlashKernel::FlashKernel(const TileConfig& cfg, DType dtype, int head_dim, const std::string& arch, FlashVariant variant,
                         const std::string& kernel_source)
    : cfg_(cfg),
      dtype_(dtype),
      head_dim_(head_dim),
      variant_(variant),
      compiled_(compile_flash(cfg, dtype, head_dim, arch, variant, kernel_source)) {
  kernel_ = load_kernel(compiled_, kFlashEntry);
  int dev = 0;
  ATTN_CUDA(cudaGetDevice(&dev));
  ATTN_CUDA(cudaDeviceGetAttribute(&sm_count_, cudaDevAttrMultiProcessorCount, dev));
  if (const size_t bytes = family_launch(cfg_.family).workspace_bytes(cfg_)) {
    workspace_ = DeviceBuffer(bytes);
    workspace_.fill_bytes(0);
  }
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
  const FamilyLaunch& f = family_launch(cfg_.family);
  const LaunchDims dims =
      launch_dims(cfg_, p, f.resident_grid(cfg_) ? (long long)sm_count_ * std::max(1, max_active_ctas_per_sm()) : 0);
  KernelArgs args = f.kernel_args(cfg_, p, t, {micro_cycles, workspace_.get()});
  void* params[] = {args.bytes};
  kernel_->launch(dims.grid, dim3(cfg_.threads()), cfg_.smem_bytes(head_dim_), stream, params, dims.cluster);
}


CheckResult check_kernel(const CheckCase& c, const FlashKernel& k) {
  return c.check(k.config().name(), [&k](const AttnProblem& p, const AttnTensors& t, cudaStream_t s) { k.run(p, t, s); });
}

}  // namespace attnlab
