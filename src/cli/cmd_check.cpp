// attnlab check: the correctness matrix (dtypes x head dims x masks x shapes x configs) against the
// CPU fp64 / GPU fp32 references; prints a summary table and exits non-zero on any failure.
// `check --sanitize`: the selected configs under compute-sanitizer instead (search/sanitize_candidate);
// the hidden `sanitize-run` is the child it runs.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <map>

#include <nlohmann/json.hpp>

#include "backends/custom/flash_kernel.hpp"
#include "check/check_matrix.hpp"
#include "check/checker.hpp"
#include "check/inputs.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "core/records_json.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "runtime/device.hpp"
#include "search/sanitize_candidate.hpp"

namespace attnlab::cli {

namespace {
struct Opts {
  std::vector<std::string> dtypes{"bf16", "fp16"};
  std::vector<int> head_dims{64, 128, 256};
  std::string mask = "both";
  std::vector<std::string> configs{"all"};
  uint64_t seed = 0;
  std::string json;
  std::string family;
  bool sanitize = false;
};

std::vector<TileConfig> select_configs(const Opts& o, int d, const ArchLimits& limits) {
  const Family family = resolve_family(o.family, limits);
  if (o.configs.size() == 1 && o.configs[0] == "all") return valid_space(d, limits, KnobValues::defaults(family));
  if (o.configs.size() == 1 && o.configs[0] == "default") return {default_config(d, limits, family)};
  // A named config invalid for this head dim is skipped with a note (a list usually spans head dims); a
  // head dim for which none is valid is an error.
  std::vector<TileConfig> out;
  std::string why_none;
  for (auto& name : o.configs) {
    auto c = parse_config_option("--configs", name);
    if (auto why = c.constraint_violation(d, limits); !why.empty()) {
      fmt::print(stderr, "check: skipping {} for d={}: {}\n", name, d, why);
      why_none += fmt::format("; {}: {}", name, why);
      continue;
    }
    out.push_back(c);
  }
  if (out.empty()) throw UserError(fmt::format("no given config is valid for d={} on {}{}", d, limits.arch, why_none));
  return out;
}

// Every selected config under compute-sanitizer; throws CLI::RuntimeError(1) on any finding.
void run_sanitize(const Opts& o, const DeviceInfo& dev, const ArchLimits& limits) {
  int total = 0, failed = 0;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& dt_name : o.dtypes)
    for (int d : o.head_dims)
      for (auto& c : select_configs(o, d, limits)) {
        const SanitizeResult r = sanitize_candidate(c, parse_dtype(dt_name), d, "");
        if (!r.ran) throw UserError(r.error);
        ++total;
        failed += !r.clean;
        fmt::print("{:<5} {:>4} {:<24} {:<6} {:>6.1f} s  {}\n", dt_name, d, c.name(), r.clean ? "clean" : "FAIL", r.seconds,
                   r.clean ? "" : r.error);
        std::fflush(stdout);
        all.push_back(nlohmann::json{{"config", c.name()}, {"dtype", dt_name}, {"head_dim", d}, {"clean", r.clean},
                       {"error", r.error}, {"seconds", r.seconds}, {"device", dev.name}});
      }
  if (!o.json.empty()) write_file_atomic(o.json, json_text(all, 1) + "\n");
  fmt::print("{} of {} configs clean under {}\n", total - failed, total, fmt::join(sanitizer_tools(), ", "));
  if (failed) throw CLI::RuntimeError(1);
}


}  // namespace

void add_check(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "Check every config against the fp64/fp32 references on the shape matrix");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--dtype", o->dtypes, "dtypes (bf16 fp16)")->delimiter(',');
  cmd->add_option("--head-dim,-d", o->head_dims, "head dims (64 128 256)")->delimiter(',')->check(count_in(1, 1024));
  cmd->add_option("--mask", o->mask, "causal | none | both")->check(CLI::IsMember({"causal", "none", "both"}));
  cmd->add_option("--configs", o->configs, "'all' (the family's valid default space), 'default', or config names "
                                           "(comma-separated; key=value items of one config stay together)");
  add_family_option(cmd, o->family);
  cmd->add_option("--seed", o->seed, "input seed to reproduce a run (default: fresh per case)")->check(count_in(0, INT64_MAX));
  cmd->add_option("--json", o->json, "write every result to this JSON file");
  cmd->add_flag("--sanitize", o->sanitize,
                "instead: run each config under compute-sanitizer (memcheck, racecheck, synccheck, initcheck)");
  cmd->callback([o] {
    // Validate every argument before touching the GPU.
    check_outputs({{"--json", o->json}});
    for (const auto& dt : o->dtypes) parse_dtype(dt);
    for (int d : o->head_dims)
      if (!is_supported_head_dim(d)) throw UserError(fmt::format("unsupported head dim {} (supported: {})", d, supported_head_dims()));
    o->configs = expand_config_args(o->configs);
    if (!(o->configs.size() == 1 && (o->configs[0] == "all" || o->configs[0] == "default")))
      for (auto& name : o->configs) parse_config_option("--configs", name);
    const DeviceInfo dev = require_device();
    const auto limits = ArchLimits{dev.arch(), dev.smem_per_block_optin};
    if (o->sanitize) return run_sanitize(*o, dev, limits);
    CheckMatrixRequest req;
    req.dtypes.clear();
    for (const auto& dt : o->dtypes) req.dtypes.push_back(parse_dtype(dt));
    req.head_dims = o->head_dims;
    req.masks.clear();
    if (o->mask != "causal") req.masks.push_back(false);
    if (o->mask != "none") req.masks.push_back(true);
    req.seed = o->seed;
    req.arch = dev.arch();
    fmt::print("{}", check_matrix_header(dev.name, dev.arch()));
    {  // compile the whole matrix in parallel first (cached on disk); FlashKernel then only loads
      std::vector<CompileJob> jobs;
      for (DType dt : req.dtypes)
        for (int d : o->head_dims)
          for (auto& c : select_configs(*o, d, limits)) jobs.push_back({c, dt, d});
      const auto t0 = std::chrono::steady_clock::now();
      precompile(jobs, dev.arch());
      fmt::print("compiled {} kernels in {:.1f} s\n", jobs.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::vector<std::unique_ptr<FlashKernel>> kernels;  // of the (dtype, head dim) being checked
    req.targets = [&](DType dt, int d) {
      kernels.clear();
      std::vector<CheckTarget> t;
      for (auto& c : select_configs(*o, d, limits)) {
        kernels.push_back(std::make_unique<FlashKernel>(c, dt, d, dev.arch()));
        const FlashKernel& k = *kernels.back();
        t.push_back({c.name(), [&k](const AttnProblem& p, const AttnTensors& x, cudaStream_t s) { k.run(p, x, s); }});
      }
      return t;
    };
    const CheckMatrixResult res = run_check_matrix(req, [](const CheckRow& r) {
      fmt::print("{}", check_row_line(r));
      std::fflush(stdout);
    });
    fmt::print("{}", check_failures_text(res));
    if (!o->json.empty()) write_file_atomic(o->json, json_text(check_matrix_json(res), 1) + "\n");
    fmt::print("{}", check_summary_line(res));
    if (res.failed()) throw CLI::RuntimeError(1);
  });

  auto* run = app.add_subcommand("sanitize-run", "")->group("");  // hidden from --help
  auto cfg = std::make_shared<std::string>();
  auto dtype = std::make_shared<std::string>("bf16");
  auto head_dim = std::make_shared<int>(128);
  auto source = std::make_shared<std::string>();
  run->add_option("--config", *cfg)->required();
  run->add_option("--dtype", *dtype);
  run->add_option("--head-dim", *head_dim);
  run->add_option("--source-file", *source);
  run->callback([=] {
    const int rc = run_sanitize_target(TileConfig::parse(*cfg), parse_dtype(*dtype), *head_dim, *source);
    if (rc) throw CLI::RuntimeError(rc);
  });
}

}  // namespace attnlab::cli
