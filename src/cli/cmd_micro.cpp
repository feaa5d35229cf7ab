// attnlab micro: the tile microbenchmark over the config space; ranks configs, writes micro_best.json
// (Top-K) and, unless --no-full, times the full kernel on the target shape for every config and reports
// the Spearman rank correlation between the two rankings.
#include <fmt/format.h>

#include <cmath>

#include "check/inputs.hpp"
#include "backends/custom/flash_kernel.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/shape_options.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "measure/environment.hpp"
#include "measure/evaluate.hpp"
#include "runtime/device.hpp"
#include "search/micro_session.hpp"

namespace attnlab::cli {

namespace {
struct Opts {
  int head_dim = 128;
  std::string dtype = "bf16";
  int keys = 4096;
  int top_k = 8;
  std::string out = "micro_best.json";
  std::string full_shape = "4,16,4096,4096,128";
  bool no_full = false;
  double max_time = 1.0;
  std::string space = "default";
  std::string family;
};
}  // namespace

void add_micro(CLI::App& app) {
  auto* cmd = app.add_subcommand("micro", "Tile microbenchmark: rank every config, write micro_best.json (Top-K)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--head-dim,-d", o->head_dim, "head dim")->check(count_in(1, 1024))->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "bf16 | fp16")->capture_default_str();
  cmd->add_option("--keys", o->keys, "K/V length each CTA walks")->check(count_in(1, kMaxSeqlen))->capture_default_str();
  cmd->add_option("--top-k,-k", o->top_k, "how many configs micro_best.json keeps")->check(count_in(1, kMaxCount))->capture_default_str();
  cmd->add_option("--out,-o", o->out, "output file")->capture_default_str();
  cmd->add_option("--full-shape", o->full_shape, "shape B,H,Sq,Sk,d of the full-kernel ranking")->capture_default_str();
  cmd->add_flag("--no-full", o->no_full, "skip the full-kernel ranking and the correlation");
  add_family_option(cmd, o->family);
  cmd->add_option("--max-time", o->max_time, "timing limit per config, seconds")->check(seconds())->capture_default_str();
  cmd->add_option("--space", o->space, "default, or tuning (the space `attnlab tune` searches: seed it from this)")
      ->check(CLI::IsMember({"default", "tuning"}))
      ->capture_default_str();
  cmd->callback([o] {
    check_outputs({{"--out", o->out, OutputKind::file, true}});
    MicroOptions mo;
    mo.head_dim = o->head_dim;
    mo.dtype = parse_dtype(o->dtype);
    mo.keys = o->keys;
    mo.max_time_s = o->max_time;
    if (!is_supported_head_dim(o->head_dim))
      throw UserError(fmt::format("unsupported head dim {} (supported: {})", o->head_dim, supported_head_dims()));
    AttnProblem full = parse_shape(o->full_shape);
    full.dtype = mo.dtype;
    full.validate_or_throw();
    if (!o->no_full && full.head_dim != o->head_dim)
      throw UserError(fmt::format("--full-shape head dim {} differs from --head-dim {}", full.head_dim, o->head_dim));
    const DeviceInfo dev = require_device();
    const ArchLimits limits{dev.arch(), dev.smem_per_block_optin};
    MicroRankingRequest req;
    req.micro = mo;
    req.configs = valid_space(o->head_dim, limits, KnobValues::of(resolve_family(o->family, limits), o->space));
    if (!o->no_full) req.full = full;
    req.arch = dev.arch();
    req.log = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
    fmt::print(stderr, "micro: {} configs, d={} {}, {} keys per CTA, one wave on {} SMs\n", req.configs.size(), o->head_dim,
               o->dtype, o->keys, dev.sm_count);
    const MicroRanking ranking = run_micro_ranking(req);
    fmt::print("{}", micro_table_text(ranking));
    const auto& results = ranking.results;
    const nlohmann::json& corr = ranking.correlation;
    write_file_atomic(o->out, json_text(micro_json(results, o->top_k, mo, capture_environment(), corr), 1) + "\n");
    fmt::print("wrote {} (top {})\n", o->out, o->top_k);
  });
}

}  // namespace attnlab::cli
