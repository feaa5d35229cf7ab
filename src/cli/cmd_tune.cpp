// attnlab tune: search the tile-config space on the GPU (compile -> gate -> measure, every evaluation
// stored in the results DB, resumable), or with --replay compare strategies against recorded results
// with no GPU. Also the hidden `eval-worker` subcommand the GPU evaluator runs candidates in.
#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/distributed.hpp"
#include "cli/shape_options.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "core/parse.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "measure/environment.hpp"
#include "profile/finalists.hpp"
#include "profile/ncu.hpp"
#include "runtime/device.hpp"
#include "runtime/embedded_kernels.hpp"
#include "search/cached_evaluator.hpp"
#include "search/gpu_evaluator.hpp"
#include "search/microbench.hpp"
#include "search/proposer.hpp"
#include "search/replay.hpp"
#include "search/source_edits.hpp"
#include "search/space.hpp"
#include "search/strategies/strategy.hpp"
#include "search/tune_log.hpp"
#include "search/tune_session.hpp"
#include "search/tuner.hpp"
#include "store/results_db.hpp"

namespace fs = std::filesystem;

namespace attnlab::cli {

namespace {
struct Opts {
  std::string shape = "4,16,4096,4096,128";
  int heads_k = 0;
  bool causal = false;
  std::string dtype = "bf16";
  std::string strategy = "seeded";
  int budget = 64;
  double time_limit = 0;
  uint64_t rng_seed = 1;
  int population = 16;
  std::string seed_from, proposer, db = "attnlab.db", out_dir = ".", run_id, replay, replay_json, arch;
  bool fresh = false, resume = false;
  double max_time = 2.0;
  double sanitize_timeout = 300;
  int replay_seeds = 20, top_k = 8, profile_top = 0;
  std::string profile_metrics = "brief";
  std::string export_run;
  std::string family, space = "tuning";
};

AttnProblem target_of(const Opts& o) {
  AttnProblem p = parse_shape(o.shape);
  if (o.heads_k) p.heads_k = o.heads_k;
  p.causal = o.causal;
  p.dtype = parse_dtype(o.dtype);
  p.validate_or_throw();
  return p;
}

// What this invocation writes: replay writes only --replay-json; export and a tune write the two files of
// --out-dir (a tune also the database, and with --profile-top the profile folder).
std::vector<OutputOption> outputs_of(const Opts& o) {
  const bool exporting = !o.export_run.empty();  // --export wins over --replay (see the callback)
  if (!exporting && !o.replay.empty()) return {{"--replay-json", o.replay_json}};
  const auto in_out_dir = [&](const char* name) { return (fs::path(o.out_dir) / name).string(); };
  std::vector<OutputOption> out = {{"--out-dir", o.out_dir, OutputKind::folder, true},
                                   {"--out-dir", in_out_dir("evo_log.csv"), OutputKind::file_in_folders},
                                   {"--out-dir", in_out_dir("evo_best.json"), OutputKind::file_in_folders}};
  if (!exporting) out.push_back({"--db", o.db, OutputKind::file_in_folders, true});
  if (!exporting && o.profile_top > 0) out.push_back({"--out-dir", in_out_dir("profile"), OutputKind::folder});
  return out;
}

// What it reads: replay its records and seeds, export the database, a tune its seeds (the database of a
// tune is read and written: the one file it may write while reading).
std::vector<InputOption> inputs_of(const Opts& o) {
  if (!o.export_run.empty()) return {{"--db", o.db}};
  if (!o.replay.empty()) return {{"--replay", o.replay}, {"--seed-from", o.seed_from}};
  return {{"--seed-from", o.seed_from}};
}

std::vector<Evaluation> load_replay_records(const std::string& path, const AttnProblem& p) {
  if (!fs::exists(path)) throw UserError(path + ": cannot open (No such file or directory)");
  std::string ext = fs::path(path).extension().string();
  for (auto& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  // By content, whatever the name (.DB, .sqlite, none); a .db that is not one is said so by open_readonly.
  if (ResultsDb::is_database_file(path) || ext == ".db" || ext == ".sqlite" || ext == ".sqlite3") {
    auto db = ResultsDb::open_readonly(path);  // replay reads; it never changes the file
    EvalContext ctx;
    ctx.shape = shape_key(p);
    ctx.dtype = std::string(dtype_name(p.dtype));
    auto recs = db.all(ctx);
    if (recs.empty()) throw UserError(fmt::format("{}: no recorded evaluations for {} {}", path, ctx.shape, ctx.dtype));
    return recs;
  }
  auto recs = load_records(path);
  if (recs.empty()) throw UserError("no records in " + path);
  return recs;
}

void run_replay(const Opts& o, const AttnProblem& p) {
  const auto records = load_replay_records(o.replay, p);
  const ArchLimits limits = ArchLimits::for_arch(o.arch.empty() ? "sm_90a" : o.arch);
  // The family of the recorded configs unless named.
  Family family = o.family.empty() ? records.front().config.family : parse_family(o.family);
  SearchSpace space(p.head_dim, limits, KnobValues::of(family, o.space));
  ReplayOptions ro;
  ro.n_rng_seeds = o.replay_seeds;
  ro.budget = o.budget;
  ro.base.population = o.population;
  if (!o.seed_from.empty()) ro.seeds = read_micro_best(o.seed_from);
  else ro.strategies = {"random", "genetic", "bayes"};
  fmt::print("replay: {} records from {}, best {:.1f} TFLOP/s, target within 2%, budget {}, {} rng seeds\n",
             records.size(), o.replay, best_recorded(space, records), o.budget, o.replay_seeds);
  auto stats = replay_compare(space, records, ro);
  fmt::print("{}", format_replay_table(stats, o.budget));
  if (!o.replay_json.empty()) {
    auto j = replay_to_json(stats, ro, best_recorded(space, records));
    j["records"] = o.replay;
    j["seed_from"] = o.seed_from;
    write_file_atomic(o.replay_json, json_text(j, 1) + "\n");
    fmt::print("wrote {}\n", o.replay_json);
  }
}

// Rewrites evo_log.csv and evo_best.json of a stored run from its checkpoint (no GPU).
void export_run(const Opts& o) {
  auto db = ResultsDb::open_readonly(o.db);  // export reads; it never changes the file
  auto cp = db.load_checkpoint(o.export_run);
  if (!cp) throw UserError(fmt::format("{}: no checkpoint named '{}'", o.db, o.export_run));
  const History h = with_context(fmt::format("{}: checkpoint '{}'", o.db, o.export_run),
                                 [&] { return history_from_json(cp->at("history")); });
  fs::create_directories(o.out_dir);
  const auto log_path = (fs::path(o.out_dir) / "evo_log.csv").string();
  {
    EvoLogWriter log(log_path, false);
    log.write_all(h);
  }
  nlohmann::json env = {{"exported_from", o.db}, {"run_id", o.export_run},
                        {"note", "measurement environment: gpu_uuid/driver/arch columns of the database rows"}};
  write_evo_best((fs::path(o.out_dir) / "evo_best.json").string(), h, o.top_k, env, cp->value("strategy", ""));
  fmt::print("exported {} evaluations of '{}' to {} and evo_best.json\n", h.size(), o.export_run, log_path);
}

// --profile-top N: Nsight Compute on the N best configs; verdicts go into evo_best.json, metrics into the DB.
void profile_top(const Opts& o, const AttnProblem& p) {
  const std::string path = (fs::path(o.out_dir) / "evo_best.json").string();
  nlohmann::json best = read_json_file(path);
  profile::ProfileRequest base;
  base.launch.problem = p;
  base.metric_set = o.profile_metrics;
  base.out_dir = (fs::path(o.out_dir) / "profile").string();
  base.db = o.db;
  const std::string self = self_executable();
  const int n = profile::profile_finalists(best, o.profile_top, base, [&](const profile::ProfileRequest& r) {
    auto res = profile::run_profile(r, self);
    profile::print_profile(res, stdout);
    return res;
  });
  write_file_atomic(path, json_text(best, 2) + "\n", Naming::by_attnlab);
  fmt::print("profiled {} of the top {} configs; verdicts in {}\n", n, o.profile_top, path);
}

void run_tune(const Opts& o, const AttnProblem& p, const Evaluators& ev) {
  TuneSessionOptions t;
  t.device = ev.device;
  t.runner = ev.runner;
  t.target = p;
  t.family = o.family;
  t.space = o.space;
  t.strategy = o.strategy;
  t.proposer = o.proposer;
  t.tune.budget = o.budget;
  t.tune.time_limit_s = o.time_limit;
  t.tune.rng_seed = o.rng_seed;
  t.tune.population = o.population;
  if (!o.seed_from.empty()) t.tune.seeds = read_micro_best(o.seed_from);
  t.db = o.db;
  t.out_dir = o.out_dir;
  t.run_id = o.run_id;
  t.fresh = o.fresh;
  t.resume = o.resume;
  t.max_time_s = o.max_time;
  t.sanitize_timeout_s = o.sanitize_timeout;
  t.top_k = o.top_k;
  t.log = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  fmt::print("{}", tune_summary_text(run_tune_session(t)));
  if (o.profile_top > 0) profile_top(o, p);
}
}  // namespace

void add_tune(CLI::App& app) {
  auto* cmd = app.add_subcommand("tune", "Search tile configs (GPU), or compare strategies on recorded results (--replay)");
  auto o = std::make_shared<Opts>();
  auto dist = std::make_shared<DistributedFlags>();
  cmd->add_option("--shape", o->shape, "target B,H,Sq,Sk,d or B,H,S,d")->capture_default_str();
  cmd->add_option("--heads-k", o->heads_k, "K/V heads (GQA)")->check(count_in(1, kMaxHeads));
  cmd->add_flag("--causal", o->causal, "causal target");
  cmd->add_option("--dtype", o->dtype, "bf16 | fp16")->capture_default_str();
  cmd->add_option("--strategy", o->strategy, "random | exhaustive | genetic | seeded | bayes | proposer")
      ->check(CLI::IsMember({"random", "exhaustive", "genetic", "seeded", "bayes", "proposer"}))
      ->capture_default_str();
  cmd->add_option("--budget", o->budget, "max evaluations")->check(count_in(1, kMaxCount))->capture_default_str();
  cmd->add_option("--time", o->time_limit, "wall-clock limit, seconds (0: none)")->check(seconds(true));
  cmd->add_option("--rng-seed", o->rng_seed, "RNG seed (reproducible search)")->check(count_in(0, INT64_MAX))->capture_default_str();
  cmd->add_option("--population", o->population, "GA population / batch size")->check(count_in(1, 4096))->capture_default_str();
  cmd->add_option("--seed-from", o->seed_from, "micro_best.json: Gen 0 of the seeded GA");
  cmd->add_option("--proposer", o->proposer, "external proposer command (docs/proposer-protocol.md)");
  cmd->add_option("--db", o->db, "results database")->capture_default_str();
  cmd->add_flag("--fresh", o->fresh, "re-evaluate configs already in the database");
  cmd->add_option("--run-id", o->run_id, "checkpoint name (default: strategy, shape and seed)");
  cmd->add_flag("--resume", o->resume, "continue the run's checkpoint");
  cmd->add_option("--out-dir", o->out_dir, "where evo_log.csv and evo_best.json go")->capture_default_str();
  cmd->add_option("--max-time", o->max_time, "timing limit per candidate, seconds")->check(seconds())->capture_default_str();
  cmd->add_option("--sanitize-timeout", o->sanitize_timeout,
                  "per compute-sanitizer tool and source candidate, seconds (a tool past it rejects the candidate)")
      ->check(seconds())->capture_default_str();
  cmd->add_option("--replay", o->replay, "results .db or records JSON/CSV: simulate, no GPU");
  cmd->add_option("--replay-json", o->replay_json, "with --replay: write the table and convergence curves (JSON)");
  cmd->add_option("--replay-seeds", o->replay_seeds, "RNG seeds per strategy in replay")->check(count_in(1, 10000))->capture_default_str();
  cmd->add_option("--arch", o->arch, "arch of the space in replay (default sm_90a)");
  cmd->add_option("--top-k", o->top_k, "configs in evo_best.json")->check(count_in(1, kMaxCount))->capture_default_str();
  add_family_option(cmd, o->family);
  cmd->add_option("--space", o->space, "tuning (default) or default: the knob values searched")
      ->check(CLI::IsMember({"default", "tuning"}));
  cmd->add_option("--profile-top", o->profile_top, "after the tune, profile the N best configs with ncu (verdicts in evo_best.json)")
      ->check(count_in(0, kMaxCount));
  cmd->add_option("--profile-metrics", o->profile_metrics, "brief or full, for --profile-top")
      ->check(CLI::IsMember({"brief", "full"}));
  cmd->add_option("--export", o->export_run, "write evo_log.csv / evo_best.json of a stored run (by run id) and exit");
  add_distributed_options(cmd, *dist);
  cmd->callback([o, dist] {
    const AttnProblem p = target_of(*o);
    check_outputs(outputs_of(*o), inputs_of(*o));
    if (o->replay.empty() && o->export_run.empty()) {  // argument errors before the GPU is touched
      if (o->strategy == "seeded" && o->seed_from.empty()) throw UserError("--strategy seeded needs --seed-from micro_best.json");
      if (o->strategy == "proposer" && o->proposer.empty()) throw UserError("--strategy proposer needs --proposer CMD");
      if (!o->seed_from.empty()) read_micro_best(o->seed_from);
      if (o->profile_top > 0) profile::require_ncu();  // not after an hour of tuning
    }
    const bool searching = o->replay.empty() && o->export_run.empty();
    if ((dist->mpi || !dist->simulate.empty()) && !searching)
      throw UserError(std::string(dist->mpi ? "--mpi" : "--simulate") + " is for a search, not --replay or --export");
    if (dist->mpi && o->strategy == "proposer")
      throw UserError("--mpi does not run source candidates (--strategy proposer): they are sanitised where they compile");
    if (!dist->simulate.empty() && o->profile_top > 0) throw UserError("--profile-top needs the GPU, not --simulate");
    check_distributed(*dist);
    if (!o->export_run.empty()) export_run(*o);
    else if (!o->replay.empty()) run_replay(*o, p);
    else run_distributed(*dist, [&](const Evaluators& ev) { run_tune(*o, p, ev); });
  });

  // The worker of search/eval_runner.hpp: its settings arrive as the first line on stdin (eval_protocol.hpp).
  auto* worker = app.add_subcommand("eval-worker", "")->group("");  // hidden from --help
  worker->callback([] {
    const int rc = run_eval_worker(std::cin, std::cout);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  // The full source candidate of an edits file (tests/adversarial/*.cuh, search/source_edits.hpp).
  auto* variant = app.add_subcommand("variant-source", "Print the built-in kernel shell with a file of //@@ edits applied");
  auto edits = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  variant->add_option("edits", *edits, "file of //@@ prelude / replace / with / end blocks")->required();
  variant->add_option("--out,-o", *out, "write here instead of stdout");
  variant->callback([edits, out] {
    check_outputs({{"--out", *out}}, {{"edits", *edits}});
    const std::string text = builtin_kernel_with_edits(read_source_file(*edits));
    if (out->empty()) {
      fmt::print("{}", text);
      return;
    }
    write_file_atomic(*out, text);
  });
}

}  // namespace attnlab::cli
