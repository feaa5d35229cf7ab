// attnlab bench: time the custom kernel on one shape with the measurement core, after the correctness
// gate on the same shape (a kernel that fails the check is not timed).
#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "backends/custom/flash_kernel.hpp"
#include "check/checker.hpp"
#include "check/inputs.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "measure/timer.hpp"
#include "runtime/device.hpp"

namespace attnlab::cli {

namespace {
struct Opts {
  std::string shape = "4,16,4096,4096,128";
  int heads_k = 0;
  bool causal = false;
  std::string dtype = "bf16";
  std::vector<std::string> configs;
  double max_time = 15;
  bool no_check = false;
};

AttnProblem parse_shape(const std::string& text) {
  std::vector<int> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      v.push_back(std::stoi(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UserError(fmt::format("--shape '{}': '{}' is not an integer", text, item));
    }
  }
  AttnProblem p;
  if (v.size() == 4) v.insert(v.begin() + 3, v[2]);  // B,H,S,d -> B,H,S,S,d
  if (v.size() != 5) throw UserError(fmt::format("--shape '{}': expected B,H,Sq,Sk,d or B,H,S,d", text));
  p.batch = v[0];
  p.heads = p.heads_k = v[1];
  p.seqlen_q = v[2];
  p.seqlen_k = v[3];
  p.head_dim = v[4];
  return p;
}
}  // namespace

void add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Check, then time the custom kernel on one shape (cold L2, median)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--shape", o->shape, "B,H,Sq,Sk,d or B,H,S,d")->capture_default_str();
  cmd->add_option("--heads-k", o->heads_k, "K/V heads for GQA/MQA (default: = heads)");
  cmd->add_flag("--causal", o->causal, "causal mask");
  cmd->add_option("--dtype", o->dtype, "bf16 | fp16")->capture_default_str();
  cmd->add_option("--config,--configs", o->configs, "tile config names, or 'all' for the valid space (default: the head dim's default)")
      ->delimiter(',');
  cmd->add_option("--max-time", o->max_time, "timing limit in seconds")->capture_default_str();
  cmd->add_flag("--no-check", o->no_check, "skip the correctness gate (not recommended)");
  cmd->callback([o] {
    AttnProblem p = parse_shape(o->shape);
    if (o->heads_k) p.heads_k = o->heads_k;
    p.causal = o->causal;
    p.dtype = parse_dtype(o->dtype);
    p.validate_or_throw();
    const DeviceInfo dev = require_device();
    const auto limits = ArchLimits{dev.arch(), dev.smem_per_block_optin};
    std::vector<TileConfig> configs;
    if (o->configs.empty()) configs = {default_config(p.head_dim, limits)};
    else if (o->configs.size() == 1 && o->configs[0] == "all") configs = valid_space(p.head_dim, limits);
    else
      for (auto& n : o->configs) configs.push_back(TileConfig::parse(n));
    const uint64_t seed = fresh_seed();
    CheckCase cc(p, seed, dev.arch());
    DeviceBuffer out(p.q_elems() * 2), lse(p.lse_elems() * 4);
    const auto tensors = cc.tensors(out.get(), lse.as<float>());
    MeasureOptions mo;
    mo.stop.max_time_s = o->max_time;
    std::vector<std::pair<double, std::string>> ranking;
    for (const auto& cfg : configs) {
      FlashKernel kernel(cfg, p.dtype, p.head_dim, dev.arch());
      if (!o->no_check) {
        CheckResult r = cc.check(kernel);
        if (!r.pass) {
          const std::string msg = fmt::format("{} fails the check on {} (seed {}): O max-abs {:.2e} rel-L2 {:.2e}, deterministic {}{}",
                                              cfg.name(), p.describe(), seed, r.o.max_abs, r.o.rel_l2, r.deterministic,
                                              r.error.empty() ? "" : ", " + r.error);
          if (configs.size() == 1) throw UserError(msg);
          fmt::print("{}: not timed\n", msg);
          continue;
        }
        fmt::print("check: pass (O max-abs {:.2e}, rel-L2 {:.2e}, {} reference, seed {})\n", r.o.max_abs, r.o.rel_l2,
                   r.reference, seed);
      }
      // Timed on the checked inputs (random data, never zeros); outputs are overwritten each run.
      Measurement m = measure([&](cudaStream_t s) { kernel.run(p, tensors, s); }, mo);
      const double tflops = p.flops() / (m.stats.median * 1e-6) / 1e12;
      const auto& res = kernel.compiled().resources;
      fmt::print("{} {} on {}: median {:.1f} us (q1 {:.1f}, q3 {:.1f}, min {:.1f}), {} samples, rsd {:.2f}% ({}), "
                 "{} regs, {} B spilled, {:.1f} TFLOP/s\n",
                 cfg.name(), p.describe(), dev.name, m.stats.median, m.stats.q1, m.stats.q3, m.stats.min, m.stats.count,
                 m.stats.rel_stdev * 100, stop_reason_name(m.stop), res.registers, res.spill_stores, tflops);
      if (!m.warning.empty()) fmt::print(stderr, "warning: {}\n", m.warning);
      std::fflush(stdout);
      ranking.push_back({tflops, cfg.name()});
    }
    if (ranking.size() > 1) {
      std::sort(ranking.rbegin(), ranking.rend());
      fmt::print("ranking ({}):\n", p.describe());
      for (auto& [t, n] : ranking) fmt::print("  {:<22} {:7.1f} TFLOP/s\n", n, t);
    }
  });
}

}  // namespace attnlab::cli
