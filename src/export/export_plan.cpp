#include "export/export_plan.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/arch.hpp"
#include "core/error.hpp"
#include "export/runtime/selection.hpp"

namespace attnlab {

ExportPlan plan_export(const DispatchTable& t, const std::vector<std::string>& archs, const std::vector<DType>& dtypes,
                       const std::vector<int>& head_dims) {
  ExportPlan plan;
  if (archs.empty()) throw UserError("--arch: no architecture given");
  for (const auto& a : archs) {
    arch_info(a);  // UserError naming the known ones
    if (std::find(plan.archs.begin(), plan.archs.end(), a) != plan.archs.end())
      throw UserError(fmt::format("--arch: {} is listed twice", a));
    plan.archs.push_back(a);
  }
  auto add_problem = [&](DType dt, int d) {
    if (!is_supported_head_dim(d))
      throw UserError(fmt::format("--head-dim: {} is not supported (supported: {})", d, supported_head_dims()));
    if (std::find(plan.problems.begin(), plan.problems.end(), std::pair{dt, d}) == plan.problems.end())
      plan.problems.emplace_back(dt, d);
  };
  for (const auto& e : t.entries) add_problem(e.dtype, e.head_dim);
  // --dtype / --head-dim: every combination of the given ones, with the table's where only one is given
  std::vector<DType> dts = dtypes;
  std::vector<int> ds = head_dims;
  if (dts.empty() && !ds.empty())
    for (const auto& e : t.entries) dts.push_back(e.dtype);
  if (ds.empty() && !dts.empty())
    for (const auto& e : t.entries) ds.push_back(e.head_dim);
  if (dts.empty() && !ds.empty()) dts.push_back(DType::bf16);
  if (ds.empty() && !dts.empty()) ds.push_back(128);
  for (DType dt : dts)
    for (int d : ds) add_problem(dt, d);
  if (plan.problems.empty())
    throw UserError("the dispatch table has no entries: name what to export with --dtype and --head-dim");

  auto add = [&](const ExportKernel& k) {
    if (std::find(plan.kernels.begin(), plan.kernels.end(), k) == plan.kernels.end()) plan.kernels.push_back(k);
  };
  for (const auto& arch : plan.archs)
    for (const auto& [dt, d] : plan.problems) {
      if (arch == t.arch)
        for (const auto& e : t.entries)
          if (e.dtype == dt && e.head_dim == d) {
            const TileConfig c = TileConfig::parse(e.config);
            if (c.constraint_violation(d, ArchLimits::for_arch(arch)).empty()) add({arch, c, dt, d});
          }
      for (const auto& device : served_archs(arch))
        for (const auto& c : fallback_configs(t, device, d)) add({arch, c, dt, d});
    }
  return plan;
}

std::string cubin_file_name(const ExportKernel& k) {
  return fmt::format("{}/{}_{}_d{}.cubin", k.arch, k.config.name(), dtype_name(k.dtype), k.head_dim);
}

}  // namespace attnlab
