// attnlab export: the dispatch table's kernels as a standalone library, C header, pkg-config and CMake config,
// and a Python package / wheel with a torch.library op (docs/export.md). No GPU needed.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/dtype.hpp"
#include "core/error.hpp"
#include "export/export_package.hpp"

namespace attnlab::cli {

namespace {
struct Opts {
  std::string dispatch, out;
  std::vector<std::string> archs, dtypes;
  std::vector<int> head_dims;
  bool plan = false;
};
}  // namespace

void add_export(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Export the dispatch table's kernels as a shared library with a C API and a Python package");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--dispatch", o->dispatch, "dispatch table (docs/dispatch.md)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--arch", o->archs, "architectures to build for, comma-separated (default: the table's)")->delimiter(',');
  cmd->add_option("--dtype", o->dtypes, "also export these dtypes (bf16,fp16) for the table's head dims")->delimiter(',');
  cmd->add_option("--head-dim,-d", o->head_dims, "also export these head dims (64,128,256)")->delimiter(',')->check(count_in(1, 1024));
  cmd->add_option("--out,-o", o->out, "package folder (new, empty, or an earlier export)");
  cmd->add_flag("--plan", o->plan, "list the kernels the export would build, compile nothing");
  cmd->callback([o] {
    if (!o->plan && o->out.empty()) throw UserError("--out is required (or --plan)");
    ExportOptions eo;
    eo.dispatch_path = o->dispatch;
    eo.out_dir = o->out;
    eo.archs = o->archs;
    for (const auto& d : o->dtypes) eo.dtypes.push_back(parse_dtype(d));
    eo.head_dims = o->head_dims;
    eo.plan_only = o->plan;
    const ExportResult r = export_package(eo, [](const std::string& line) { fmt::print("{}\n", line); });
    if (o->plan) {
      fmt::print("{} kernels\n", r.plan.kernels.size());
      return;
    }
    fmt::print("wrote {} ({} kernels for {}), wheel {}\n", o->out, r.plan.kernels.size(), fmt::join(r.plan.archs, ","), r.wheel);
  });
}

}  // namespace attnlab::cli
