// attnlab profile: Nsight Compute on one backend and shape, with a verdict per kernel. The hidden
// subcommand profile-launch is what ncu runs: warm-up, then one launch inside the profiled NVTX range.
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "core/process.hpp"
#include "cli/common_options.hpp"
#include "cli/shape_options.hpp"
#include "core/error.hpp"
#include "profile/profile.hpp"

namespace attnlab::cli {

namespace {
struct LaunchOpts {
  std::string backend = "custom", shape = "4,16,4096,4096,128", dtype = "bf16", config;
  int heads_k = 0, warmup = 3;
  bool causal = false;
};

void add_launch_options(CLI::App* cmd, LaunchOpts& o) {
  cmd->add_option("--backend,-b", o.backend, "custom, cudnn, unfused, cublas-qk, cutlass-qk")->capture_default_str();
  cmd->add_option("--shape", o.shape, "B,H,Sq,Sk,d or B,H,S,d")->capture_default_str();
  cmd->add_option("--heads-k", o.heads_k, "K/V heads for GQA/MQA (default: = heads)")->check(count_in(1, kMaxHeads));
  cmd->add_flag("--causal", o.causal, "causal mask");
  cmd->add_option("--dtype", o.dtype, "bf16 | fp16")->capture_default_str();
  cmd->add_option("--config", o.config, "custom backend: tile config name (default: the head dim's default)");
  cmd->add_option("--warmup", o.warmup, "launches before the profiled one (outside the NVTX range)")
      ->check(count_in(0, kMaxCount))
      ->capture_default_str();
}

profile::LaunchSpec to_spec(const LaunchOpts& o) {
  profile::LaunchSpec s;
  s.backend = o.backend;
  s.problem = parse_shape(o.shape);
  if (o.heads_k) s.problem.heads_k = o.heads_k;
  s.problem.causal = o.causal;
  s.problem.dtype = parse_dtype(o.dtype);
  s.config = o.config;
  s.warmup = o.warmup;
  return s;
}
}  // namespace

void add_profile(CLI::App& app) {
  auto* cmd = app.add_subcommand("profile", "Profile one backend on one shape with Nsight Compute; verdict per kernel");
  struct Opts {
    LaunchOpts launch;
    std::string metrics = "brief", out = ".", db;
    bool no_ceilings = false;
    double timeout = 540;
  };
  auto o = std::make_shared<Opts>();
  add_launch_options(cmd, o->launch);
  cmd->add_option("--metrics", o->metrics, "brief or full")->check(CLI::IsMember({"brief", "full"}))->capture_default_str();
  cmd->add_option("--out", o->out, "folder for ncu_<run>.csv and profile_<run>.json")->capture_default_str();
  cmd->add_option("--db", o->db, "results DB to store the metrics in (default: not stored)");
  cmd->add_flag("--no-ceilings", o->no_ceilings, "no roofline (skip loading/measuring the device ceilings)");
  cmd->add_option("--timeout", o->timeout, "seconds before ncu is stopped")->check(seconds())->capture_default_str();
  cmd->callback([o] {
    check_outputs({{"--out", o->out, OutputKind::folder, true}, {"--db", o->db, OutputKind::file_in_folders}});
    profile::ProfileRequest req;
    req.launch = to_spec(o->launch);
    req.metric_set = o->metrics;
    req.out_dir = o->out;
    req.db = o->db;
    req.ceilings = !o->no_ceilings;
    req.timeout_s = o->timeout;
    const auto r = profile::run_profile(req, self_executable());
    profile::print_profile(r, stdout);
  });

  auto* launch = app.add_subcommand("profile-launch", "internal: the launch that `attnlab profile` runs under ncu");
  launch->group("");  // hidden from --help
  auto lo = std::make_shared<LaunchOpts>();
  add_launch_options(launch, *lo);
  launch->callback([lo] {
    const std::string d = profile::run_profiled_launch(to_spec(*lo));
    fmt::print("{}{}\n", profile::kDescribePrefix, d);
  });
}

}  // namespace attnlab::cli
