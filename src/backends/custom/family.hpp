#pragma once
// What a kernel family declares about its configs, host-only, in one file per family (family_sm80.cpp,
// family_sm90.cpp): its knobs and their value lists, names, the arch it needs, resource formulas,
// constraints, the template instantiation, the kernel header and entry signature, and its default configs.
// How it launches (grid shape, workspace, device parameters) is its other file (family_launch.hpp,
// family_sm80_launch.cpp, ...). TileConfig, FlashKernel, the search and the CLI dispatch through these and
// know no family by name; docs/kernel.md "Adding a family" walks through a new one.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backends/custom/tile_config.hpp"

namespace attnlab {

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
