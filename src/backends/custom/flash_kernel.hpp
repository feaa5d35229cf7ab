#pragma once
// The custom FlashAttention forward kernel: entry source for a config, compilation, and launch.
#include <cuda_runtime_api.h>

#include <memory>

#include <string>
#include <vector>

#include "backends/custom/family.hpp"
#include "backends/custom/family_launch.hpp"
#include "backends/custom/flash_params.hpp"
#include "backends/custom/tile_config.hpp"
#include "check/checker.hpp"
#include "common/params.cuh"
#include "core/problem.hpp"
#include "core/tensors.hpp"
#include "runtime/device_buffer.hpp"
#include "runtime/module.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab {

inline constexpr const char* kFlashEntry = "attnlab_flash_fwd";

// full: the attention kernel; micro: the same kernel with clock64 around the mainloop (`attnlab micro`).
enum class FlashVariant { full, micro };

// kernel_source (optional): a replacement for the family's kernel header (kernels/sm80/flash_fwd_kernel.cuh
// or kernels/sm90/flash_fwd_kernel.cuh; a proposer's source candidate): its text must define the family's
// flash_fwd<Cfg, bool kMicro> (attnlab::sm80:: or attnlab::sm90::); it may #include any embedded header.
// Empty: the built-in kernel.
std::string flash_entry_source(const TileConfig& cfg, DType dtype, int head_dim, FlashVariant v = FlashVariant::full,
                               const std::string& kernel_source = "");
// Throws UserError when the config violates a constraint for (head_dim, arch), CompileError on NVRTC failure.
CompiledKernel compile_flash(const TileConfig& cfg, DType dtype, int head_dim, const std::string& arch,
                             FlashVariant v = FlashVariant::full, const std::string& kernel_source = "");

// Compiles many kernels on a thread pool (one NVRTC compilation per thread) so later FlashKernel
// constructions hit the on-disk cache. Returns one error text per job ("" when it compiled).
struct CompileJob {
  TileConfig cfg;
  DType dtype = DType::bf16;
  int head_dim = 128;
  FlashVariant variant = FlashVariant::full;
};
std::vector<std::string> precompile(const std::vector<CompileJob>& jobs, const std::string& arch, unsigned threads = 0);



// A config compiled and loaded for one (dtype, head_dim) on the current device.
class FlashKernel {
 public:
  FlashKernel(const TileConfig& cfg, DType dtype, int head_dim, const std::string& arch,
              FlashVariant variant = FlashVariant::full, const std::string& kernel_source = "");
  // Validates the problem against this kernel (dtype, head dim, shapes) and launches; UserError on mismatch.
  // micro_cycles (micro variant only): one int64 per CTA (launch_dims(...).ctas()).
  void run(const AttnProblem& p, const AttnTensors& t, cudaStream_t stream, long long* micro_cycles = nullptr) const;
  // CTAs of this kernel that fit on one SM at once (registers, shared memory, threads).
  int max_active_ctas_per_sm() const;
  const TileConfig& config() const { return cfg_; }
  const CompiledKernel& compiled() const { return compiled_; }

 private:
  TileConfig cfg_;
  DType dtype_;
  int head_dim_;
  FlashVariant variant_;
  CompiledKernel compiled_;
  std::shared_ptr<LoadedKernel> kernel_;
  int sm_count_ = 0;
  // The family's workspace (sm90 persistent: the dynamic tile counter, two ints, zero between launches;
  // kernels/sm90/scheduler.cuh). Launches of one FlashKernel must therefore be stream-ordered, never concurrent
  // on two streams.
  DeviceBuffer workspace_;
};

// The gate (check/checker.hpp) of a compiled kernel on a case.
CheckResult check_kernel(const CheckCase& c, const FlashKernel& k);

}  // namespace attnlab
