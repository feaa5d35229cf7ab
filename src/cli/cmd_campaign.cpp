// attnlab campaign: tune every shape of a workload (docs/campaign.md), cut each group into length buckets
// where the best config changes, write dispatch.json (docs/dispatch.md), campaign.json and campaign.txt.
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/distributed.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "runtime/device.hpp"
#include "search/campaign.hpp"

namespace fs = std::filesystem;

namespace attnlab::cli {

namespace {
struct Opts {
  std::string workload, out = "campaign", db;
  std::string family, space = "tuning";
  int budget = 12, population = 8, micro_top = 4;
  double max_time = 0.3, tolerance = 0.02;
  bool no_micro = false, no_refine = false, fresh = false, plan = false;
  uint64_t rng_seed = 1;
};
}  // namespace

void add_campaign(CLI::App& app) {
  auto* cmd = app.add_subcommand("campaign", "Tune every shape of a workload; write dispatch.json (a config per bucket)");
  auto o = std::make_shared<Opts>();
  auto dist = std::make_shared<DistributedFlags>();
  cmd->add_option("--workload,-w", o->workload, "workload file (docs/campaign.md, schema attnlab.workload/1)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out,-o", o->out, "folder for dispatch.json, campaign.json, campaign.txt, probes/")->capture_default_str();
  cmd->add_option("--db", o->db, "results database (default: <out>/campaign.db); a campaign run again resumes from it");
  add_family_option(cmd, o->family);
  cmd->add_option("--space", o->space, "the space every probe searches")
      ->check(CLI::IsMember({"default", "tuning"}))
      ->capture_default_str();
  cmd->add_option("--budget", o->budget, "evaluations per probe")->check(count_in(1, kMaxCount))->capture_default_str();
  cmd->add_option("--population", o->population, "batch size of each probe's tune")
      ->check(count_in(1, kMaxCount))
      ->capture_default_str();
  cmd->add_option("--max-time", o->max_time, "timing window per evaluation, seconds")->check(seconds())->capture_default_str();
  cmd->add_option("--tolerance", o->tolerance, "a config within this fraction of a probe's best serves it")
      ->check(CLI::Range(0.0, 0.5))
      ->capture_default_str();
  cmd->add_option("--micro-top", o->micro_top, "microbenchmark Top-K that seeds every probe")
      ->check(count_in(1, kMaxCount))
      ->capture_default_str();
  cmd->add_flag("--no-micro", o->no_micro, "no microbenchmark seeds (the default and transfer only)");
  cmd->add_flag("--no-refine", o->no_refine, "no refinement probes between neighbours whose best configs differ");
  cmd->add_flag("--fresh", o->fresh, "re-measure instead of reusing the database's evaluations");
  cmd->add_option("--seed", o->rng_seed, "RNG seed of every probe's tune")->capture_default_str();
  cmd->add_flag("--plan", o->plan, "print the probe groups and shapes, run nothing");
  add_distributed_options(cmd, *dist);
  cmd->callback([o, dist] {
    const Workload w = read_workload_file(o->workload);
    if (o->plan) {
      for (auto& g : w.groups) {
        fmt::print("{} ({} probes)\n", g.name, g.problems.size());
        for (auto& p : g.problems) fmt::print("  {}\n", p.describe());
      }
      fmt::print("{} probes in {} groups\n", w.problems(), w.groups.size());
      return;
    }
    if (o->db.empty()) o->db = (fs::path(o->out) / "campaign.db").string();
    check_outputs({{"--out", o->out, OutputKind::folder}, {"--db", o->db, OutputKind::file_in_folders}},
                  {{"--workload", o->workload}});
    check_distributed(*dist);
    CampaignOptions c;
    c.workload = w;
    c.family = o->family;
    c.space = o->space;
    c.budget = o->budget;
    c.population = o->population;
    c.max_time_s = o->max_time;
    c.tolerance = o->tolerance;
    c.micro = !o->no_micro && dist->simulate.empty();  // the microbenchmark needs the GPU
    c.micro_top = o->micro_top;
    c.refine = !o->no_refine;
    c.fresh = o->fresh;
    c.rng_seed = o->rng_seed;
    c.db = o->db;
    c.out_dir = o->out;
    run_distributed(*dist, [&](const Evaluators& ev) {
      c.device = ev.device ? *ev.device : require_device();  // "no CUDA device" before any line of progress
      c.runner = ev.runner;
      c.retime = ev.on_rank0;  // --mpi: the finalists on rank 0's GPU
      c.log = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
      fmt::print(stderr, "campaign '{}': {} probes in {} groups, budget {} per probe\n", w.name, w.problems(),
                 w.groups.size(), o->budget);
      const CampaignResult r = run_campaign(c);
      const fs::path out(o->out);
      write_file_atomic((out / "dispatch.json").string(), json_text(to_json(r.table), 1) + "\n");
      write_file_atomic((out / "campaign.json").string(), json_text(campaign_to_json(r, r.table.environment), 1) + "\n");
      const std::string table = campaign_table_text(r);
      write_file_atomic((out / "campaign.txt").string(), table);
      fmt::print("{}", table);
      fmt::print("wrote {}, {}, {}\n", (out / "dispatch.json").string(), (out / "campaign.json").string(),
                 (out / "campaign.txt").string());
    });
  });
}

}  // namespace attnlab::cli
