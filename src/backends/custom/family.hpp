#pragma once
// What a kernel family declares, in one place per family (family_sm80.cpp, family_sm90.cpp): its knobs and
// their value lists, names, resource formulas, constraints, the template instantiation, the kernel header
// and entry signature, the launch shape, the device parameters built from a problem and its tensors, the
// workspace it needs, and its default configs. TileConfig, FlashKernel, the search and the CLI dispatch
// through this and know no family by name; docs/kernel.md "Adding a family" walks through a new one.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

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

struct FamilySpec {
  const char* name;  // "sm80": what --family and family=... take
  int default_rank;  // the family used when none is named: the highest rank that runs on the arch (0: never)
  std::vector<KnobDef> knobs;
  std::vector<std::vector<int>> default_values, tuning_values;  // per knob
  std::string (*config_name)(const TileConfig&);
  std::optional<std::vector<int>> (*parse_name)(const std::string&);  // knob values; nullopt: not this family's name
  // Empty when the family's kernels can run on the arch at all, else why not (checked before any config).
  std::string (*arch_problem)(const ArchLimits&);
  int (*threads)(const TileConfig&);
  int (*smem_bytes)(const TileConfig&, int head_dim);
  int (*tile_rows)(const TileConfig&);  // query rows per tile
  int (*tile_cols)(const TileConfig&);  // keys per mainloop iteration
  int (*accumulator_registers)(const TileConfig&, int head_dim);
  std::string (*constraint_violation)(const TileConfig&, int head_dim, const ArchLimits&);
  std::string (*instantiation)(const TileConfig&, DType, int head_dim);
  const char* kernel_header;   // replaced by a proposer's source candidate
  const char* kernel_function; // "attnlab::sm80::flash_fwd"
  const char* params_type;     // "FlashFwdParams" / "Sm90FwdParams"
  int min_blocks_per_sm;       // __launch_bounds__ second argument (0: omitted)
  // Whether the grid is sized by the GPU (one CTA per resident slot) instead of the problem's tiles.
  bool (*resident_grid)(const TileConfig&);
  // resident_slots: SMs x CTAs per SM, given when resident_grid(cfg).
  LaunchDims (*launch_dims)(const TileConfig&, const AttnProblem&, long long resident_slots);
  size_t (*workspace_bytes)(const TileConfig&);
  KernelArgs (*kernel_args)(const TileConfig&, const AttnProblem&, const AttnTensors&, const LaunchExtras&);
  // Preferred configs per head dim / mask / key length, best first (from tuning evidence; docs/perf-notes.md).
  std::vector<const char*> (*default_prefs)(int head_dim, bool causal, int64_t seqlen_k);
};

// The registry (family_registry.cpp): sm80 and sm90 built in; register_family adds one (names unique) and
// returns its id. TileConfig and everything above it reach a family only through family_spec().
const FamilySpec& family_spec(Family f);
Family register_family(const FamilySpec& spec);
// A number in a config name, as an int; UserError naming the config when it is out of range (> 2^20).
int knob_value(const std::string& config_name, const std::string& digits);
const FamilySpec& sm80_family_spec();
const FamilySpec& sm90_family_spec();

}  // namespace attnlab
