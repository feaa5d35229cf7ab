#pragma once
// The custom FlashAttention forward kernel: entry source for a config, compilation, and launch.
#include <cuda_runtime_api.h>

#include <memory>

#include <string>
#include <vector>

#include "backends/custom/tile_config.hpp"
#include "common/params.cuh"
#include "core/problem.hpp"
#include "runtime/device_buffer.hpp"
#include "runtime/module.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab {

// Device pointers of one attention call (layouts as in AttnProblem).
struct AttnTensors {
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  void* o = nullptr;
  float* lse = nullptr;
};

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
FlashFwdParams make_flash_params(const AttnProblem& p, const AttnTensors& t);

// Compiles many kernels on a thread pool (one NVRTC compilation per thread) so later FlashKernel
// constructions hit the on-disk cache. Returns one error text per job ("" when it compiled).
struct CompileJob {
  TileConfig cfg;
  DType dtype = DType::bf16;
  int head_dim = 128;
  FlashVariant variant = FlashVariant::full;
};
std::vector<std::string> precompile(const std::vector<CompileJob>& jobs, const std::string& arch, unsigned threads = 0);

// The grid and thread-block-cluster shape of one launch, decided here only. One CTA per (m-block, head, batch)
// tile, grid.x padded up to a multiple of the cluster size (sm90 cluster=2: a padded CTA's m-block is past the
// end; it loads its half of the K/V blocks for its peer and writes nothing); persistent sm90 configs: one CTA per
// resident slot (resident_slots = SMs x CTAs per SM, used only for them), at most one per tile.
struct LaunchDims {
  dim3 grid;
  dim3 cluster{1, 1, 1};
  long long ctas() const { return (long long)grid.x * grid.y * grid.z; }
  bool clustered() const { return cluster.x * cluster.y * cluster.z > 1; }
};
LaunchDims launch_dims(const TileConfig& cfg, const AttnProblem& p, long long resident_slots = 0);

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
  // sm90 persistent: the dynamic tile counter (two ints, zero between launches; kernels/sm90/scheduler.cuh). Launches
  // of one FlashKernel must therefore be stream-ordered, never concurrent on two streams.
  DeviceBuffer tile_counter_;
};

}  // namespace attnlab
