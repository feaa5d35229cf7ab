#pragma once
// The custom FlashAttention forward kernel: entry source for a config, compilation, and launch.
#include <cuda_runtime_api.h>

#include <memory>
#include <string>

#include "backends/custom/tile_config.hpp"
#include "common/params.cuh"
#include "core/problem.hpp"
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

std::string flash_entry_source(const TileConfig& cfg, DType dtype, int head_dim);
// Throws UserError when the config violates a constraint for (head_dim, arch), CompileError on NVRTC failure.
CompiledKernel compile_flash(const TileConfig& cfg, DType dtype, int head_dim, const std::string& arch);
FlashFwdParams make_flash_params(const AttnProblem& p, const AttnTensors& t);

// A config compiled and loaded for one (dtype, head_dim) on the current device.
class FlashKernel {
 public:
  FlashKernel(const TileConfig& cfg, DType dtype, int head_dim, const std::string& arch);
  // Validates the problem against this kernel (dtype, head dim, shapes) and launches; UserError on mismatch.
  void run(const AttnProblem& p, const AttnTensors& t, cudaStream_t stream) const;
  const TileConfig& config() const { return cfg_; }
  const CompiledKernel& compiled() const { return compiled_; }

 private:
  TileConfig cfg_;
  DType dtype_;
  int head_dim_;
  CompiledKernel compiled_;
  std::shared_ptr<LoadedKernel> kernel_;
};

}  // namespace attnlab
