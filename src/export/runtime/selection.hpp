#pragma once
// Which embedded config serves a problem on a GPU: the same rules at export time (which cubins to build) and
// in the exported library (which one to launch), so what the library can choose is what the export built.
//  - A GPU of compute capability M.m loads a cubin of the same major version and a minor <= m; 9.0 runs sm_90a
//    code. cubin_arch_for picks the newest exported arch that loads.
//  - The dispatch table's entries serve only the table's arch; on another arch, and for problems no entry
//    holds, the family default (default_config_for) for the device's limits, as `attnlab run --dispatch` does.
#include <string>
#include <vector>

#include "backends/custom/dispatch_table.hpp"
#include "backends/custom/tile_config.hpp"
#include "core/problem.hpp"

namespace attnlab {

// "sm_90a" for 9.0 (attnlab's name for H100/H200 code), else "sm_<M><m>".
std::string arch_of_compute_capability(int major, int minor);
// The exported arch whose cubins a GPU of `device_arch` loads (newest minor first), "" when none does.
std::string cubin_arch_for(const std::string& device_arch, const std::vector<std::string>& exported);
// The archs of the arch table (core/arch.hpp) whose GPUs would load cubins of `cubin_arch`.
std::vector<std::string> served_archs(const std::string& cubin_arch);

// The family a table's problems use on an arch: the table's, when it runs there, else the arch's best.
Family export_family(const DispatchTable& t, const ArchLimits& limits);

// The config for a problem on a GPU of `device_arch` (limits of the arch table) with sm_count SMs (0: unknown),
// and why. UserError when no config of the family fits.
DispatchChoice choose_exported_config(const DispatchTable& t, const AttnProblem& p, const std::string& device_arch,
                                      int sm_count);

// Every config choose_exported_config can pick from the family defaults for (dtype-independent) head_dim on a
// GPU of `device_arch`: default_config over both masks and every key length at and after each power of two
// (the family preference tables change only there), plus each valid preferred config (few-tile problems).
std::vector<TileConfig> fallback_configs(const DispatchTable& t, const std::string& device_arch, int head_dim);

}  // namespace attnlab
