#pragma once
// What `attnlab export` builds (docs/export.md): for each requested arch, one cubin per (config, dtype, head dim)
// that the exported library can choose there (export/runtime/selection.hpp): the dispatch table's configs on the
// table's arch, and every family default its fallback can pick, for the (dtype, head dim) pairs the table names
// plus those asked for with --dtype / --head-dim. A problem of another dtype or head dim gets an error from the
// library that names the flags to export it with.
#include <string>
#include <vector>

#include "backends/custom/dispatch_table.hpp"
#include "backends/custom/tile_config.hpp"

namespace attnlab {

struct ExportKernel {
  std::string arch;  // the cubin's target ("sm_90a", "sm_80")
  TileConfig config;
  DType dtype = DType::bf16;
  int head_dim = 128;
  bool operator==(const ExportKernel&) const = default;
};

struct ExportPlan {
  std::vector<std::string> archs;
  std::vector<std::pair<DType, int>> problems;  // (dtype, head dim) the export serves
  std::vector<ExportKernel> kernels;            // no duplicates, in a stable order
};

// UserError for an arch attnlab does not know, an arch listed twice, an unsupported head dim.
ExportPlan plan_export(const DispatchTable& t, const std::vector<std::string>& archs, const std::vector<DType>& dtypes,
                       const std::vector<int>& head_dims);

// "sm_90a/sm90-m128n128s2-pp-ov-pers_bf16_d128.cubin": where a kernel's cubin lies in the package.
std::string cubin_file_name(const ExportKernel& k);

}  // namespace attnlab
