#pragma once
// How a kernel family launches, in the family's second file (family_sm80_launch.cpp, family_sm90_launch.cpp):
// the grid and cluster shape of a problem, the workspace it needs, and its device parameters built from a
// problem and its tensors. This side needs the CUDA driver (tensor maps) but no compiler: the exported
// library links it with the families and the runtime, without NVRTC.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstring>

#include "backends/custom/tile_config.hpp"
#include "core/problem.hpp"
#include "core/tensors.hpp"

namespace attnlab {

// The grid and thread-block-cluster shape of one launch.
struct LaunchDims {
  dim3 grid;
  dim3 cluster{1, 1, 1};
  long long ctas() const { return (long long)grid.x * grid.y * grid.z; }
  bool clustered() const { return cluster.x * cluster.y * cluster.z > 1; }
};

// The kernel's one parameter (the family's params struct, copied in), as cuLaunchKernel takes it.
struct KernelArgs {
  static constexpr size_t kMaxBytes = 4096;  // the launch-parameter limit of sm_80
  alignas(64) unsigned char bytes[kMaxBytes];
  size_t size = 0;
  template <class P>
  static KernelArgs of(const P& params) {
    static_assert(sizeof(P) <= kMaxBytes, "kernel parameters exceed the launch limit");
    KernelArgs a;
    std::memcpy(a.bytes, &params, sizeof(P));
    a.size = sizeof(P);
    return a;
  }
};

// What a launch adds to the problem and tensors: the micro variant's per-CTA cycle counters and the
// family's workspace (workspace_bytes, zeroed once when the kernel is loaded; the kernel leaves it zeroed).
struct LaunchExtras {
  long long* micro_cycles = nullptr;
  void* workspace = nullptr;
};

struct FamilyLaunch {
  // Whether the grid is sized by the GPU (one CTA per resident slot) instead of the problem's tiles.
  bool (*resident_grid)(const TileConfig&);
  // resident_slots: SMs x CTAs per SM, given when resident_grid(cfg).
  LaunchDims (*launch_dims)(const TileConfig&, const AttnProblem&, long long resident_slots);
  size_t (*workspace_bytes)(const TileConfig&);
  KernelArgs (*kernel_args)(const TileConfig&, const AttnProblem&, const AttnTensors&, const LaunchExtras&);
};

// Built-in families are known (family_launch_registry.cpp); a registered family adds its launch side here.
const FamilyLaunch& family_launch(Family f);
void register_family_launch(Family f, const FamilyLaunch& launch);
const FamilyLaunch& sm80_family_launch();
const FamilyLaunch& sm90_family_launch();

// The grid and cluster shape of one launch: the family's. resident_slots (SMs x CTAs per SM) is used only by
// configs whose grid is sized by the GPU.
LaunchDims launch_dims(const TileConfig& cfg, const AttnProblem& p, long long resident_slots = 0);

}  // namespace attnlab
