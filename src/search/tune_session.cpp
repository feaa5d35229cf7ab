#include "search/tune_session.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "measure/environment.hpp"
#include "runtime/device.hpp"
#include "runtime/embedded_kernels.hpp"
#include "search/cached_evaluator.hpp"
#include "search/gpu_evaluator.hpp"
#include "search/proposer.hpp"
#include "search/tune_log.hpp"
#include "store/results_db.hpp"

namespace fs = std::filesystem;

namespace attnlab {

TuneSessionResult run_tune_session(const TuneSessionOptions& o) {
  auto log = [&](const std::string& s) {
    if (o.log) o.log(s);
  };
  const AttnProblem& p = o.target;
  const DeviceInfo dev = o.device ? *o.device : require_device();
  const ArchLimits limits{dev.arch(), dev.smem_per_block_optin};
  const Family family = o.family.empty() ? limits.best_family() : parse_family(o.family);
  SearchSpace space(p.head_dim, limits, KnobValues::of(family, o.space));
  if (o.strategy == "seeded" && o.tune.seeds.empty()) throw UserError("--strategy seeded needs --seed-from micro_best.json");
  std::unique_ptr<Strategy> strategy;
  const ProposerStrategy* proposer = nullptr;  // its rejections and repairs are reported each generation
  if (o.strategy == "proposer") {
    if (o.proposer.empty()) throw UserError("--strategy proposer needs --proposer CMD");
    auto ps = std::make_unique<ProposerStrategy>(space, ProposerOptions{o.proposer});
    proposer = ps.get();
    strategy = std::move(ps);
  } else {
    strategy = make_strategy(o.strategy, space, o.tune);
  }
  fs::create_directories(o.out_dir);
  auto db = ResultsDb::open(o.db);
  EvalContext ctx{dev.arch(), dev.uuid, std::to_string(dev.driver_version), shape_key(p),
                  std::string(dtype_name(p.dtype)), embedded_kernels_hash()};
  GpuEvalOptions go;
  go.target = p;
  go.max_time_s = o.max_time_s;
  go.sanitize_timeout_s = o.sanitize_timeout_s;
  std::unique_ptr<GpuEvaluator> gpu = o.runner ? std::make_unique<GpuEvaluator>(go, dev.arch(), o.runner(go))
                                               : std::make_unique<GpuEvaluator>(go);
  CachedEvaluator cached(*gpu, db, ctx, o.fresh);
  Tuner tuner(space, *strategy, cached, o.tune);
  TuneSessionResult res;
  res.run_id = o.run_id.empty() ? fmt::format("{}-{}-seed{}", o.strategy, shape_key(p), o.tune.rng_seed) : o.run_id;
  bool resumed = false;
  if (o.resume) {
    if (auto cp = db.load_checkpoint(res.run_id)) {
      with_context(fmt::format("{}: checkpoint '{}'", o.db, res.run_id), [&] { tuner.resume(*cp); });
      resumed = true;
      log(fmt::format("resumed run '{}' at {} evaluations", res.run_id, tuner.history().size()));
    } else {
      log(fmt::format("no checkpoint for run '{}': starting fresh", res.run_id));
    }
  }
  res.log_path = (fs::path(o.out_dir) / "evo_log.csv").string();
  res.best_path = (fs::path(o.out_dir) / "evo_best.json").string();
  EvoLogWriter evo(res.log_path, resumed);
  size_t logged = tuner.history().size();
  tuner.on_checkpoint([&](const nlohmann::json& cp) { db.save_checkpoint(res.run_id, cp); });
  res.cudnn_us = gpu->cudnn_median_us();
  tuner.on_generation([&](const GenerationReport& r) {
    if (proposer) {
      for (auto& why : proposer->rejections()) log("proposer candidate rejected: " + why);
      for (auto& what : proposer->repairs()) log("proposer candidate repaired: " + what);
    }
    const auto& trials = tuner.history().trials();
    for (; logged < trials.size(); ++logged) evo.write(trials[logged]);
    std::string best = "none yet";
    if (r.best)
      best = fmt::format("{} {:.1f} TFLOP/s ({:.2f}x cuDNN)", r.best->eval.config.name(), r.best->eval.tflops,
                         r.best->eval.speedup_vs_cudnn);
    log(fmt::format("gen {} | evals {} | best {} | {:.1f} evals/min | cache hits {}", r.generation, r.evaluations, best,
                    r.evals_per_minute, cached.hits()));
  });
  log(fmt::format("tune: {} on {} ({}), {} valid configs, budget {}, cuDNN {:.1f} us on the target", o.strategy,
                  p.describe(), dev.name, space.all_valid().size(), o.tune.budget, res.cudnn_us));
  res.result = tuner.run();
  auto env = capture_environment();
  env["cudnn_median_us"] = res.cudnn_us;
  env["target"] = shape_key(p);
  write_evo_best(res.best_path, tuner.history(), o.top_k, env, o.strategy);
  res.history = tuner.history();
  res.cache_hits = cached.hits();
  if (const Trial* b = res.history.best()) res.best = *b;
  return res;
}

std::string tune_summary_text(const TuneSessionResult& r) {
  std::string s = fmt::format("tune stopped ({}) after {} evaluations in {} generations\n", r.result.stop_reason,
                              r.history.size(), r.result.generations);
  if (r.best)
    s += fmt::format("best: {} {:.1f} TFLOP/s, {:.1f} us, {:.2f}x cuDNN\n", r.best->eval.config.name(), r.best->eval.tflops,
                     r.best->eval.median_us, r.best->eval.speedup_vs_cudnn);
  s += fmt::format("wrote {}, {}\n", r.log_path, r.best_path);
  return s;
}

}  // namespace attnlab
