// attnlab bench: check, then time one backend on one shape with the measurement core. For the custom
// backend, --configs times several tile configs (or 'all') and ranks them.
#include <fmt/format.h>

#include <algorithm>

#include "backends/backend.hpp"
#include "check/inputs.hpp"
#include "backends/custom/dispatch_table.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/shape_options.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "measure/environment.hpp"
#include "measure/evaluate.hpp"
#include "runtime/device.hpp"

namespace attnlab::cli {

namespace {
struct Opts {
  std::string backend = "custom";
  std::string shape = "4,16,4096,4096,128";
  int heads_k = 0;
  bool causal = false;
  std::string dtype = "bf16";
  std::vector<std::string> configs;
  double max_time = 15;
  bool no_check = false;
  bool kernel_trace = false;
  int graph = 0;
  int repeat = 1;
  bool no_ceilings = false;
  std::string json;
  std::string family, dispatch;
};

void print_result(const EvalResult& r, const std::string& device) {
  if (!r.ok()) {
    fmt::print("{} {}: {} ({})\n", r.backend, r.problem.describe(), eval_status_name(r.status), r.reason);
    return;
  }
  const auto& s = r.timing->stats;
  fmt::print("{} [{}] {} on {}: median {:.1f} us (q1 {:.1f}, q3 {:.1f}, min {:.1f}), {} samples, rsd {:.2f}% ({}), "
             "SM {:.0f} MHz, {:.1f} TFLOP/s{}\n",
             r.backend, r.describe, r.problem.describe(), device, s.median, s.q1, s.q3, s.min, s.count, s.rel_stdev * 100,
             stop_reason_name(r.timing->stop), r.timing->mean_sm_clock_mhz, r.tflops,
             r.pct_of_peak > 0 ? fmt::format(" ({:.1f}% of measured peak)", r.pct_of_peak) : "");
  if (r.verified)
    fmt::print("  gate {:.2f} s; timed launches verified {} against the gate's outputs: {} of {} samples compared ({:.2f} s)\n",
               r.gate_s, verify_mode_name(r.verified->mode), r.verified->samples_checked, r.verified->samples,
               r.verified->cost_s);
  else if (!r.check)
    fmt::print("  not gated: the timed launches were not verified (--no-check)\n");
  if (!r.timing->kernel_us.empty())
    fmt::print("  kernels (CUPTI) median {:.2f} us per launch; {} samples beyond kernels x 1.15 + 3 us\n",
               r.timing->kernel_sum_us, r.timing->host_overhead_samples);
  if (!r.timing->warning.empty()) fmt::print(stderr, "warning: {}\n", r.timing->warning);
  std::fflush(stdout);
}
}  // namespace

void add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Check, then time one backend on one shape (cold L2, adaptive stop)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--backend,-b", o->backend, "custom, cudnn, unfused, cublas-qk, cutlass-qk")->capture_default_str();
  cmd->add_option("--shape", o->shape, "B,H,Sq,Sk,d or B,H,S,d")->capture_default_str();
  cmd->add_option("--heads-k", o->heads_k, "K/V heads for GQA/MQA (default: = heads)")->check(count_in(1, kMaxHeads));
  cmd->add_flag("--causal", o->causal, "causal mask (bottom-right aligned)");
  cmd->add_option("--dtype", o->dtype, "bf16 | fp16")->capture_default_str();
  cmd->add_option("--config,--configs", o->configs,
                  "custom backend: tile configs (comma-separated; key=value items of one config stay together), or 'all' "
                  "(default: the head dim's default)");
  auto* dispatch = cmd->add_option("--dispatch", o->dispatch,
                                   "dispatch table (docs/dispatch.md): the config it holds for the shape, else the default")
                       ->check(CLI::ExistingFile);
  dispatch->excludes("--config");
  add_family_option(cmd, o->family);
  cmd->add_option("--max-time", o->max_time, "timing limit per measurement, seconds")->check(seconds())->capture_default_str();
  cmd->add_option("--graph", o->graph, "time a CUDA graph of N launches (for kernels under ~10 us)")->check(count_in(0, 100000));
  cmd->add_option("--repeat", o->repeat, "measure N times in a row and report the spread of the medians")->check(count_in(1, 10000));
  cmd->add_flag("--no-check", o->no_check, "skip the correctness gate and the verification of timed launches (not recommended)");
  cmd->add_flag("--kernel-trace", o->kernel_trace, "CUPTI kernel durations next to each sample (also ATTNLAB_KERNEL_TRACE=1)");
  cmd->add_flag("--no-ceilings", o->no_ceilings, "do not measure/load the device ceilings");
  cmd->add_option("--json", o->json, "write the results (with environment) to this file");
  cmd->callback([o] {
    check_outputs({{"--json", o->json}});
    AttnProblem p = parse_shape(o->shape);
    if (o->heads_k) p.heads_k = o->heads_k;
    p.causal = o->causal;
    p.dtype = parse_dtype(o->dtype);
    p.validate_or_throw();
    const auto gemms = gemm_backend_names();
    const bool is_gemm = std::find(gemms.begin(), gemms.end(), o->backend) != gemms.end();
    if (!is_gemm) make_attention_backend(o->backend);  // unknown names fail before the GPU is touched
    o->configs = expand_config_args(o->configs);
    if (!o->dispatch.empty()) {
      if (o->backend != "custom") throw UserError("--dispatch applies to the custom backend only");
      read_dispatch_file(o->dispatch);  // a malformed table fails here, before any GPU work
      o->configs = {"dispatch=" + o->dispatch};
    }
    if (!o->configs.empty() && o->backend != "custom") throw UserError("--configs applies to the custom backend only");
    if (o->dispatch.empty() && !(o->configs.size() == 1 && o->configs[0] == "all"))
      for (auto& c : o->configs) parse_config_option("--configs", c, p.head_dim);
    const DeviceInfo dev = require_device();
    const ArchLimits limits{dev.arch(), dev.smem_per_block_optin};
    Ceilings ceilings;
    EvalOptions eo;
    eo.check = !o->no_check;
    eo.measure.kernel_trace = o->kernel_trace;
    eo.measure.stop.max_time_s = o->max_time;
    eo.measure.graph_reps = o->graph;
    if (!o->no_ceilings) {
      ceilings = device_ceilings();
      eo.ceilings = &ceilings;
    }
    std::vector<std::string> configs = o->configs;
    const Family family = resolve_family(o->family, limits);
    if (configs.size() == 1 && configs[0] == "all") {
      configs.clear();
      for (auto& c : valid_space(p.head_dim, limits, KnobValues::defaults(family))) configs.push_back(c.name());
    }
    if (configs.empty()) configs.push_back(o->family.empty() ? "" : "family=" + o->family);
    nlohmann::json results = nlohmann::json::array();
    std::vector<std::pair<double, std::string>> ranking;
    std::unique_ptr<CheckCase> inputs;
    if (!is_gemm) inputs = std::make_unique<CheckCase>(p, fresh_seed(), dev.arch());
    for (const auto& cfg : configs) {
      std::vector<double> medians;
      for (int rep = 0; rep < std::max(1, o->repeat); ++rep) {
        EvalResult r;
        if (is_gemm) {
          auto g = make_gemm_backend(o->backend);
          r = evaluate_gemm(*g, p, eo);
        } else {
          auto b = make_attention_backend(o->backend, cfg);
          r = evaluate_attention(*b, *inputs, eo);
        }
        print_result(r, dev.name);
        results.push_back(to_json(r));
        if (!r.ok()) {
          if (configs.size() == 1) throw CLI::RuntimeError(1);
          break;
        }
        medians.push_back(r.timing->stats.median);
        if (rep == 0) ranking.push_back({r.tflops, r.describe});
      }
      if (medians.size() > 1) {
        const auto [lo, hi] = std::minmax_element(medians.begin(), medians.end());
        fmt::print("repeat: {} medians, spread (max-min)/min = {:.2f}%\n", medians.size(), 100 * (*hi - *lo) / *lo);
      }
    }
    if (ranking.size() > 1) {
      std::sort(ranking.rbegin(), ranking.rend());
      fmt::print("ranking ({}):\n", p.describe());
      for (auto& [t, n] : ranking) fmt::print("  {:<28} {:7.1f} TFLOP/s\n", n, t);
    }
    if (!o->json.empty()) {
      nlohmann::json doc = {{"schema", "attnlab.bench/1"}, {"environment", capture_environment()}, {"results", results}};
      if (!o->no_ceilings) doc["ceilings"] = to_json(ceilings);
      write_file_atomic(o->json, json_text(doc, 1) + "\n");
    }
  });
}

}  // namespace attnlab::cli
