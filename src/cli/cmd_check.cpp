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

std::string shape_label(const AttnProblem& p) {
  return fmt::format("B{} H{}:{} {}x{}", p.batch, p.heads, p.heads_k, p.seqlen_q, p.seqlen_k);
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
    std::vector<bool> masks;
    if (o->mask != "causal") masks.push_back(false);
    if (o->mask != "none") masks.push_back(true);
    fmt::print("attnlab check on {} ({}), tolerances: bf16 O max-abs {} rel-L2 {}, fp16 O max-abs {} rel-L2 {}, LSE {}\n",
               dev.name, dev.arch(), tolerance_for(DType::bf16).o_max_abs, tolerance_for(DType::bf16).o_rel_l2,
               tolerance_for(DType::f16).o_max_abs, tolerance_for(DType::f16).o_rel_l2,
               tolerance_for(DType::bf16).lse_max_abs);
    fmt::print("{:<5} {:>4} {:<6} {:<20} {:>8} {:>10} {:>10} {:>10} {:<9} {}\n", "dtype", "d", "mask", "shape",
               "pass", "O maxabs", "O relL2", "LSE maxabs", "ref", "seed");
    {  // compile the whole matrix in parallel first (cached on disk); FlashKernel then only loads
      std::vector<CompileJob> jobs;
      for (const auto& dt_name : o->dtypes)
        for (int d : o->head_dims)
          for (auto& c : select_configs(*o, d, limits)) jobs.push_back({c, parse_dtype(dt_name), d});
      const auto t0 = std::chrono::steady_clock::now();
      precompile(jobs, dev.arch());
      fmt::print("compiled {} kernels in {:.1f} s\n", jobs.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    nlohmann::json all = nlohmann::json::array();
    int total = 0, failed = 0;
    std::vector<CheckResult> failures;
    for (const auto& dt_name : o->dtypes) {
      const DType dt = parse_dtype(dt_name);
      for (int d : o->head_dims) {
        std::vector<std::unique_ptr<FlashKernel>> kernels;
        for (auto& c : select_configs(*o, d, limits)) kernels.push_back(std::make_unique<FlashKernel>(c, dt, d, dev.arch()));
        for (bool causal : masks) {
          for (const auto& p : check_shapes(dt, d, causal)) {
            const uint64_t seed = o->seed ? o->seed : fresh_seed();
            CheckCase cc(p, seed, dev.arch());
            int pass = 0;
            double o_abs = 0, o_rel = 0, l_abs = 0;
            for (auto& k : kernels) {
              CheckResult r = check_kernel(cc, *k);
              all.push_back(to_json(r));
              ++total;
              pass += r.pass;
              o_abs = std::max(o_abs, r.o.max_abs);
              o_rel = std::max(o_rel, r.o.rel_l2);
              l_abs = std::max(l_abs, r.lse.max_abs);
              if (!r.pass) {
                ++failed;
                failures.push_back(r);
              }
            }
            fmt::print("{:<5} {:>4} {:<6} {:<20} {:>4}/{:<3} {:>10.2e} {:>10.2e} {:>10.2e} {:<9} {}\n", dt_name, d,
                       causal ? "causal" : "none", shape_label(p), pass, kernels.size(), o_abs, o_rel, l_abs,
                       cc.reference_kind(), seed);
            std::fflush(stdout);
          }
        }
      }
    }
    for (auto& r : failures)
      fmt::print("FAIL {} {} {} seed={}: O maxabs {:.2e} relL2 {:.2e} bad {}, LSE maxabs {:.2e} bad {}, deterministic {}{}\n",
                 r.config, r.problem.describe(), shape_label(r.problem), r.seed, r.o.max_abs, r.o.rel_l2, r.o.bad,
                 r.lse.max_abs, r.lse.bad, r.deterministic, r.error.empty() ? "" : ", error: " + r.error);
    if (!o->json.empty()) write_file_atomic(o->json, json_text(all, 1) + "\n");
    fmt::print("{} of {} checks passed\n", total - failed, total);
    if (failed) throw CLI::RuntimeError(1);
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
