// attnlab compare: backends x shapes. Default matrix = the FlashAttention benchmark grid (B*S = 16k
// tokens, H*d = 2048, S in 512..16k, d in 64/128/256, causal and not, bf16). Every backend is gated on
// the same random inputs and reference, timed by the same core; prints TFLOP/s and the ratio to cuDNN,
// writes compare.json (schema: docs/evidence-schema.md) and optionally CSV.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "backends/backend.hpp"
#include "backends/torch_peer.hpp"
#include "check/inputs.hpp"
#include "backends/custom/dispatch_table.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "measure/environment.hpp"
#include "measure/compare_session.hpp"
#include "measure/evaluate.hpp"
#include "runtime/device.hpp"

namespace attnlab::cli {

namespace {
struct Opts {
  std::vector<std::string> backends = default_compare_backends();
  CompareGrid grid;
  std::string dtype = "bf16";
  double max_time = 5;
  std::string out = "compare.json";
  std::string csv;
  std::string custom_config, dispatch;
};
}  // namespace

void add_compare(CLI::App& app) {
  auto* cmd = app.add_subcommand("compare", "Backends x shapes (the FlashAttention benchmark grid): TFLOP/s and ratio to cuDNN");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--backends", o->backends, "backends to run (name or name:options, e.g. cudnn:heuristic)")
      ->delimiter(',')->capture_default_str();
  cmd->add_option("--seqlens", o->grid.seqlens, "sequence lengths")->delimiter(',')->check(count_in(1, kMaxSeqlen))->capture_default_str();
  cmd->add_option("--head-dims,-d", o->grid.head_dims, "head dims")->delimiter(',')->check(count_in(1, 1024))->capture_default_str();
  cmd->add_option("--mask", o->grid.mask, "causal | none | both")->check(CLI::IsMember({"causal", "none", "both"}));
  cmd->add_option("--dtype", o->dtype, "bf16 | fp16")->capture_default_str();
  cmd->add_option("--tokens", o->grid.tokens, "batch * seqlen (batch = tokens / seqlen)")->check(count_in(1, INT32_MAX))->capture_default_str();
  cmd->add_option("--hidden", o->grid.hidden, "heads * head_dim (heads = hidden / head_dim)")->check(count_in(1, INT32_MAX))->capture_default_str();
  cmd->add_option("--max-time", o->max_time, "timing limit per measurement, seconds")->check(seconds())->capture_default_str();
  cmd->add_option("--out,-o", o->out, "compare.json path")->capture_default_str();
  cmd->add_option("--csv", o->csv, "also write a CSV table");
  cmd->add_option("--custom-config", o->custom_config, "tile config of the custom backend (default: per head dim)");
  cmd->add_option("--dispatch", o->dispatch, "dispatch table (docs/dispatch.md): the custom backend takes each shape's config from it")
      ->check(CLI::ExistingFile)
      ->excludes("--custom-config");
  cmd->callback([o] {
    check_outputs({{"--out", o->out, OutputKind::file_in_folders, true}, {"--csv", o->csv}});
    o->grid.dtype = parse_dtype(o->dtype);
    if (!o->custom_config.empty()) parse_config_option("--custom-config", o->custom_config);
    if (!o->dispatch.empty()) {
      read_dispatch_file(o->dispatch);  // a malformed table fails here, before any GPU work
      o->custom_config = "dispatch=" + o->dispatch;
    }
    CompareRequest req;
    std::vector<std::string> columns;
    for (const auto& text : o->backends) {
      BackendSpec b = parse_backend_spec(text);
      if (b.name == "custom" && b.options.empty()) b.options = o->custom_config;
      req.backends.push_back(b);
      columns.push_back(backend_column(b));
    }
    req.shapes = grid_shapes(o->grid);
    const DeviceInfo dev = require_device();
    const Ceilings ceilings = device_ceilings();
    fmt::print(stderr, "ceilings on {}: bf16 {:.0f} TFLOP/s, fp16 {:.0f} TFLOP/s, copy {:.0f} GB/s\n", dev.name,
               ceilings.bf16_tflops, ceilings.fp16_tflops, ceilings.copy_gbps);
    req.max_time_s = o->max_time;
    req.ceilings = &ceilings;
    req.arch = dev.arch();
    req.log = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
    const auto results = run_compare(req);
    fmt::print("{}", compare_table_text(req.shapes, columns, results));
    std::error_code ec;
    if (auto dir = std::filesystem::path(o->out).parent_path(); !dir.empty()) std::filesystem::create_directories(dir, ec);
    write_file_atomic(o->out, json_text(compare_document(o->grid, ceilings, results), 1) + "\n");
    if (!o->csv.empty()) write_file_atomic(o->csv, compare_csv(req.shapes, columns, results));
    fmt::print("wrote {} ({} results)\n", o->out, results.size());
  });
}

}  // namespace attnlab::cli
