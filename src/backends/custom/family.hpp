#pragma once
// What a kernel family declares, in one place per family (family_sm80.cpp, family_sm90.cpp): its knobs
// and their value lists, names, resource formulas, constraints, the template instantiation, the kernel
// header and entry signature, and its default configs. TileConfig and the search dispatch through this.
#include <optional>
#include <string>
#include <vector>

#include "backends/custom/tile_config.hpp"

namespace attnlab {

struct FamilySpec {
  Family family;
  std::vector<KnobDef> knobs;
  std::vector<std::vector<int>> default_values, tuning_values;  // per knob
  std::string (*name)(const TileConfig&);
  std::optional<TileConfig> (*parse_name)(const std::string&);  // nullopt: not this family's name
  int (*threads)(const TileConfig&);
  int (*smem_bytes)(const TileConfig&, int head_dim);
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

const FamilySpec& family_spec(Family f);
// A number in a config name, as an int; UserError naming the config when it is out of range (> 2^20).
int knob_value(const std::string& config_name, const std::string& digits);
const FamilySpec& sm80_family_spec();
const FamilySpec& sm90_family_spec();

}  // namespace attnlab
