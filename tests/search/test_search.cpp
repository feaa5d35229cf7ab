// Search space, strategies, tuner (determinism, no duplicates, exact resume), tune logs and replay —
// all on a synthetic objective, no GPU.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include "core/error.hpp"
#include "search/replay.hpp"
#include "search/space.hpp"
#include "search/tune_log.hpp"
#include "search/tuner.hpp"
#include "store/results_db.hpp"

namespace attnlab {
namespace {

const char* const kOptimum = "m128n64w8s3-swz-qreg";

// A deterministic objective of the knobs with a unique optimum (kOptimum, 400) inside the d=128 sm_90a
// space; the runner-up is 2.5% lower, so "within 2%" means exactly the optimum. Padded configs with
// BLOCK_N 128 "fail to compile", so strategies also meet failures.
Evaluation synthetic(const TileConfig& c) {
  Evaluation e;
  e.config = c;
  e.source_hash = "synthetic";
  if (c.knob("block_n") == 128 && !c.knob("swizzle")) {
    e.error = "synthetic compile failure";
    return e;
  }
  e.compiled = e.correct = true;
  e.registers = 96 + c.accumulator_registers(128) / 2;
  e.smem_bytes = c.smem_bytes(128);
  e.max_error = 1e-3 / c.knob("num_warps");
  e.tflops = 400 - 35 * std::abs(std::log2(c.knob("block_m")) - 7) - 25 * std::abs(std::log2(c.knob("block_n")) - 6) -
             20 * (c.knob("num_warps") != 8) - 15 * (c.knob("stages") != 3) - 30 * !c.knob("swizzle") - 10 * !c.knob("q_in_regs");
  e.median_us = 1e5 / e.tflops;
  e.speedup_vs_cudnn = e.tflops / 380;
  return e;
}

struct SyntheticEvaluator : Evaluator {
  int batches = 0, crash_at_batch = -1;  // throw on that batch (0-based): a simulated crash
  std::vector<Evaluation> evaluate(const std::vector<TileConfig>& configs) override {
    if (batches++ == crash_at_batch) throw std::runtime_error("simulated crash");
    std::vector<Evaluation> out;
    for (auto& c : configs) out.push_back(synthetic(c));
    return out;
  }
};

SearchSpace h100_d128() { return SearchSpace(128, ArchLimits::for_arch("sm_90a")); }

std::vector<std::string> names(const History& h) {
  std::vector<std::string> out;
  for (auto& t : h.trials()) out.push_back(std::to_string(t.generation) + ":" + t.eval.config.name());
  return out;
}

History tune(const SearchSpace& space, const std::string& strategy, TuneOptions opt, TuneResult* result = nullptr) {
  auto s = make_strategy(strategy, space, opt);
  SyntheticEvaluator eval;
  Tuner tuner(space, *s, eval, opt);
  auto r = tuner.run();
  if (result) *result = r;
  return tuner.history();
}

std::vector<Evaluation> all_records(const SearchSpace& space) {
  std::vector<Evaluation> out;
  for (auto& c : space.all_valid()) out.push_back(synthetic(c));
  return out;
}

TEST(SearchSpace, ValidMatchesConstraints) {
  auto space = h100_d128();
  EXPECT_EQ(space.size(), valid_space(128, ArchLimits::for_arch("sm_90a")).size());
  EXPECT_EQ(space.size(), 54u);
  for (auto& c : space.all_valid()) EXPECT_EQ(c.constraint_violation(128, space.limits()), "") << c.name();
  EXPECT_TRUE(space.valid(TileConfig::parse(kOptimum)));
  EXPECT_FALSE(space.valid(TileConfig::parse("m64n64w8s2-swz-qsm")));   // 8 rows per warp
  EXPECT_FALSE(space.valid(TileConfig::parse("m128n64w4s2-swz-qreg")));  // registers
  EXPECT_NE(space.why_invalid(TileConfig::parse("m256n64w8s2-swz-qsm")).find("block_m=256"), std::string::npos);
  EXPECT_THROW(SearchSpace(128, ArchLimits::for_arch("sm_90a"), KnobValues(Family::sm80, {{512}, {64}, {4}, {2}, {1}, {0}})),
               UserError);
}

TEST(SearchSpace, RepairIsNearestValid) {
  auto space = h100_d128();
  const auto ok = TileConfig::parse(kOptimum);
  EXPECT_EQ(space.repair(ok), ok);
  for (const char* bad : {"m128n64w4s2-swz-qreg", "m64n64w8s2-swz-qsm", "m256n64w8s3-swz-qreg", "m128n512w8s4-pad-qreg"}) {
    const auto c = TileConfig::parse(bad);
    const auto r = space.repair(c);
    EXPECT_TRUE(space.valid(r)) << bad;
    int best = 1 << 30;
    for (auto& v : space.all_valid()) best = std::min(best, space.distance(c, v));
    EXPECT_EQ(space.distance(c, r), best) << bad << " -> " << r.name();
  }
  // One knob away: the registers constraint is fixed by going to 8 warps or dropping Q from registers.
  const auto r = space.repair(TileConfig::parse("m128n64w4s2-swz-qreg"));
  EXPECT_EQ(space.distance(TileConfig::parse("m128n64w4s2-swz-qreg"), r), 2) << r.name();
}

TEST(SearchSpace, OperatorsOnlyProduceValidConfigs) {
  auto space = h100_d128();
  Rng rng(7);
  for (int i = 0; i < 2000; ++i) {
    auto a = space.random_valid(rng), b = space.random_valid(rng);
    auto m = space.mutate(a, rng), x = space.crossover(a, b, rng);
    ASSERT_TRUE(space.valid(m)) << m.name();
    ASSERT_TRUE(space.valid(x)) << x.name();
    EXPECT_NE(m, a) << a.name();
    EXPECT_LE(space.distance(a, m), 2 * 4) << a.name() << " -> " << m.name();  // local move (+ repair)
  }
}

TEST(SearchSpace, RngStateRoundTrip) {
  Rng a(42);
  for (int i = 0; i < 1000; ++i) a();
  Rng b = rng_from_string(rng_to_string(a));
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a(), b());
  EXPECT_THROW(rng_from_string("not a state"), UserError);
  Rng c(1);
  for (int i = 0; i < 10000; ++i) ASSERT_LT(uniform_index(c, 7), 7u);
}

TEST(SearchStrategies, NoDuplicatesValidAndWithinBudget) {
  auto space = h100_d128();
  for (std::string name : {"random", "exhaustive", "genetic", "seeded", "bayes"}) {
    TuneOptions opt;
    opt.budget = 45;
    opt.population = 8;
    opt.seeds = {TileConfig::parse("m64n64w4s2-swz-qsm")};
    const auto h = tune(space, name, opt);
    EXPECT_EQ(h.size(), 45u) << name;
    std::set<std::string> seen;
    for (auto& t : h.trials()) {
      EXPECT_TRUE(seen.insert(t.eval.config.name()).second) << name << " repeated " << t.eval.config.name();
      EXPECT_TRUE(space.valid(t.eval.config)) << name;
    }
  }
  EXPECT_THROW(make_strategy("annealing", space, {}), UserError);
  EXPECT_THROW(make_strategy("seeded", space, {}), UserError);  // no seeds
}

TEST(SearchStrategies, StopWhenTheSpaceIsExhausted) {
  auto space = h100_d128();
  for (std::string name : {"exhaustive", "random", "genetic"}) {
    TuneOptions opt;
    opt.budget = 500;
    TuneResult r;
    const auto h = tune(space, name, opt, &r);
    EXPECT_EQ(h.size(), 54u) << name;
    EXPECT_EQ(r.stop_reason, "space exhausted") << name;
  }
}

// Issue 9, item 10: a generation whose every proposal was turned down ended the tune as if the space
// were exhausted. Now the stop reason says what happened, with the first rejection.
struct FixedProposal : Strategy {
  std::vector<Candidate> proposal;
  std::string name() const override { return "fixed"; }
  std::vector<Candidate> propose(const History&, int, Rng&) override { return proposal; }
};

TEST(SearchTuner, AllProposalsRejectedIsNotAnExhaustedSpace) {
  auto space = h100_d128();
  SyntheticEvaluator eval;
  TuneOptions opt;
  opt.budget = 10;
  FixedProposal again;  // valid: evaluated once, then only "already evaluated"
  again.proposal = {{TileConfig::parse("m64n64w4s2-swz-qsm"), {}, {}}};
  Tuner first(space, again, eval, opt);
  auto r = first.run();
  EXPECT_EQ(first.history().size(), 1u);
  EXPECT_EQ(r.stop_reason, "all 1 proposals rejected: m64n64w4s2-swz-qsm: already evaluated");

  FixedProposal invalid;  // outside the space (registers), twice
  const TileConfig too_big = TileConfig::parse("m128n64w4s2-swz-qreg");
  ASSERT_FALSE(space.valid(too_big));
  invalid.proposal = {{too_big, {}, {}}, {too_big, {}, {}}};
  Tuner second(space, invalid, eval, opt);
  r = second.run();
  EXPECT_EQ(second.history().size(), 0u);
  EXPECT_EQ(r.stop_reason.rfind("all 2 proposals rejected: m128n64w4s2-swz-qreg: ", 0), 0u) << r.stop_reason;

  FixedProposal nothing;  // an empty proposal without rejections: the strategy has nothing left
  Tuner third(space, nothing, eval, opt);
  EXPECT_EQ(third.run().stop_reason, "space exhausted");
}

TEST(SearchGenetic, DeterministicWithSeed) {
  auto space = h100_d128();
  TuneOptions opt;
  opt.budget = 40;
  opt.population = 8;
  EXPECT_EQ(names(tune(space, "genetic", opt)), names(tune(space, "genetic", opt)));
  auto other = opt;
  other.rng_seed = 2;
  EXPECT_NE(names(tune(space, "genetic", opt)), names(tune(space, "genetic", other)));
}

TEST(SearchGenetic, FindsTheSyntheticOptimum) {
  auto space = h100_d128();
  int found = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    TuneOptions opt;
    opt.budget = 40;  // of 54 configs
    opt.population = 8;
    opt.rng_seed = seed;
    const auto h = tune(space, "genetic", opt);
    ASSERT_NE(h.best(), nullptr);
    found += h.best()->eval.config.name() == kOptimum;
  }
  EXPECT_GE(found, 8);
}

TEST(SearchGenetic, FailedConfigsAreNeverElite) {
  auto space = h100_d128();
  TuneOptions opt;
  opt.budget = 54;
  opt.population = 6;
  opt.elitism = 3;
  auto ga = make_strategy("genetic", space, opt);
  SyntheticEvaluator eval;
  Tuner tuner(space, *ga, eval, opt);
  int elites = 0;
  tuner.on_generation([&](const GenerationReport& r) {
    // Members evaluated in an earlier generation were carried over, i.e. are elites: all successful.
    const auto state = ga->state();  // named: a temporary would die before the loop body
    for (auto& n : state.at("population")) {
      const auto name = n.get<std::string>();
      for (auto& t : tuner.history().trials())
        if (t.eval.config.name() == name && t.generation < r.generation) {
          EXPECT_TRUE(t.eval.ok()) << name << " kept as elite in generation " << r.generation;
          ++elites;
        }
    }
  });
  tuner.run();
  EXPECT_GT(elites, 0);
  int failures = 0;
  for (auto& t : tuner.history().trials()) failures += !t.eval.ok();
  EXPECT_GT(failures, 0);  // the GA did meet failed configs
}

TEST(SearchTuner, ObserverAndCheckpointEveryGeneration) {
  auto space = h100_d128();
  TuneOptions opt;
  opt.budget = 20;
  opt.population = 8;
  auto s = make_strategy("random", space, opt);
  SyntheticEvaluator eval;
  Tuner tuner(space, *s, eval, opt);
  std::vector<int> batches;
  int checkpoints = 0;
  tuner.on_generation([&](const GenerationReport& r) {
    batches.push_back(r.batch);
    EXPECT_EQ(r.generation + 1, (int)batches.size());
    ASSERT_NE(r.best, nullptr);
    EXPECT_GT(r.evals_per_minute, 0);
  });
  tuner.on_checkpoint([&](const nlohmann::json& cp) {
    ++checkpoints;
    EXPECT_EQ(cp["schema"], "attnlab.tune_checkpoint/1");
    EXPECT_EQ(cp["history"].size(), tuner.history().size());
  });
  auto r = tuner.run();
  EXPECT_EQ(batches, (std::vector<int>{8, 8, 4}));  // the last generation is cut to the budget
  EXPECT_EQ(checkpoints, 3);
  EXPECT_EQ(r.stop_reason, "budget");
}

// Run 3 generations, crash in the 4th (checkpoints stored in a ResultsDb, as the CLI does), resume from
// the stored checkpoint with fresh objects: the history equals that of a run never interrupted.
TEST(SearchTuner, ResumeAfterInterruptionIsExact) {
  auto space = h100_d128();
  for (std::string name : {"genetic", "seeded", "random"}) {
    TuneOptions opt;
    opt.budget = 48;
    opt.population = 8;
    opt.rng_seed = 11;
    opt.seeds = {TileConfig::parse("m64n32w4s2-swz-qsm"), TileConfig::parse("m128n32w8s2-pad-qsm")};
    const auto uninterrupted = history_to_json(tune(space, name, opt));

    auto db = ResultsDb::open(":memory:");
    {
      auto s = make_strategy(name, space, opt);
      SyntheticEvaluator eval;
      eval.crash_at_batch = 3;
      Tuner tuner(space, *s, eval, opt);
      tuner.on_checkpoint([&](const nlohmann::json& cp) { db.save_checkpoint("run-" + name, cp); });
      EXPECT_THROW(tuner.run(), std::runtime_error);
    }
    auto cp = db.load_checkpoint("run-" + name);
    ASSERT_TRUE(cp.has_value());
    EXPECT_EQ((*cp)["generation"], 3);
    auto s = make_strategy(name, space, opt);
    SyntheticEvaluator eval;
    Tuner tuner(space, *s, eval, opt);
    tuner.resume(*cp);
    tuner.run();
    EXPECT_EQ(history_to_json(tuner.history()), uninterrupted) << name;

    // A stop at a generation limit resumes exactly too (the checkpoint() of a stopped tuner).
    auto s2 = make_strategy(name, space, opt);
    Tuner part(space, *s2, eval, opt);
    EXPECT_EQ(part.run(2).stop_reason, "generation limit");
    auto s3 = make_strategy(name, space, opt);
    Tuner rest(space, *s3, eval, opt);
    rest.resume(nlohmann::json::parse(part.checkpoint().dump()));
    rest.run();
    EXPECT_EQ(history_to_json(rest.history()), uninterrupted) << name;
  }
}

TEST(SearchTuner, TimeLimitSpansResumes) {
  struct SlowEvaluator : SyntheticEvaluator {
    std::vector<Evaluation> evaluate(const std::vector<TileConfig>& configs) override {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      return SyntheticEvaluator::evaluate(configs);
    }
  };
  auto space = h100_d128();
  TuneOptions opt;
  opt.population = 4;
  opt.time_limit_s = 0.1;
  auto s = make_strategy("random", space, opt);
  SlowEvaluator eval;
  Tuner tuner(space, *s, eval, opt);
  auto r = tuner.run();
  EXPECT_EQ(r.stop_reason, "time limit");
  EXPECT_GE(r.generations, 2);
  EXPECT_LT(tuner.history().size(), 54u);
  const auto cp = tuner.checkpoint();
  EXPECT_GE(cp["elapsed_s"].get<double>(), 0.1);
  auto s2 = make_strategy("random", space, opt);
  Tuner again(space, *s2, eval, opt);
  again.resume(cp);
  EXPECT_EQ(again.run().generations, 0);  // the time was already spent before the interruption
}

TEST(SearchTuner, ResumeChecksTheCheckpoint) {
  auto space = h100_d128();
  TuneOptions opt;
  opt.budget = 16;
  opt.population = 8;
  auto s = make_strategy("genetic", space, opt);
  SyntheticEvaluator eval;
  Tuner t(space, *s, eval, opt);
  t.run(1);
  const auto cp = t.checkpoint();
  auto other = opt;
  other.mutation_rate = 0.9;
  auto s2 = make_strategy("genetic", space, other);
  EXPECT_THROW(Tuner(space, *s2, eval, other).resume(cp), UserError);
  auto s3 = make_strategy("random", space, opt);
  EXPECT_THROW(Tuner(space, *s3, eval, opt).resume(cp), UserError);
  auto longer = opt;
  longer.budget = 32;  // extending a tune is allowed
  auto s4 = make_strategy("genetic", space, longer);
  Tuner t4(space, *s4, eval, longer);
  t4.resume(cp);
  t4.run();
  EXPECT_EQ(t4.history().size(), 32u);
  EXPECT_THROW(Tuner(space, *s4, eval, opt).resume({{"schema", "x"}}), UserError);
}

TEST(SearchTuneLog, CsvRoundTripAndBestJson) {
  auto space = h100_d128();
  TuneOptions opt;
  opt.budget = 30;
  auto h = tune(space, "random", opt);
  History with_source = h;
  Evaluation odd = synthetic(TileConfig::parse(kOptimum));
  odd.error = "line one, with \"quotes\"\nline two";
  with_source.add({9, "/tmp/variant.cuh", odd});
  const auto dir = std::filesystem::temp_directory_path() / ("attnlab-tunelog-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto csv = (dir / "evo_log.csv").string();
  {
    EvoLogWriter w(csv);
    w.write_all(h);
  }
  {
    EvoLogWriter w(csv, /*append=*/true);  // a resumed tune continues the file without a second header
    w.write(with_source.trials().back());
  }
  auto rows = read_evo_log(csv);
  ASSERT_EQ(rows.size(), with_source.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& a = rows[i];
    const auto& b = with_source.trials()[i];
    EXPECT_EQ(a.generation, b.generation);
    EXPECT_EQ(a.source_file, b.source_file);
    EXPECT_EQ(a.eval.config, b.eval.config);
    EXPECT_EQ(a.eval.error, b.eval.error);
    EXPECT_EQ(a.eval.tflops, b.eval.tflops);  // exact: 17 significant digits
    EXPECT_EQ(a.eval.median_us, b.eval.median_us);
    EXPECT_EQ(a.eval.ok(), b.eval.ok());
  }

  const nlohmann::json env = {{"gpu", "NVIDIA H100"}, {"driver", "580"}};
  write_evo_best((dir / "evo_best.json").string(), h, 5, env, "random");
  std::ifstream in(dir / "evo_best.json");
  auto best = nlohmann::json::parse(in);
  EXPECT_EQ(best["schema"], "attnlab.evo_best/1");
  EXPECT_EQ(best["environment"], env);
  ASSERT_EQ(best["top"].size(), 5u);
  for (size_t i = 1; i < 5; ++i) EXPECT_GE(best["top"][i - 1]["tflops"], best["top"][i]["tflops"]);
  EXPECT_EQ(best["top"][0]["config"], h.best()->eval.config.name());
  std::filesystem::remove_all(dir);
}

TEST(Replay, EvaluatorAnswersFromTheRecords) {
  std::vector<Evaluation> records = {synthetic(TileConfig::parse(kOptimum))};
  ReplayEvaluator r(records);
  auto out = r.evaluate({TileConfig::parse(kOptimum), TileConfig::parse("m64n32w4s2-swz-qsm")});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].tflops, 400);
  EXPECT_FALSE(out[1].ok());
  EXPECT_EQ(out[1].error, "not in the recorded results");
  EXPECT_EQ(r.calls(), 2);
}

TEST(Replay, LoadsJsonAndCsvRecords) {
  auto space = h100_d128();
  const auto dir = std::filesystem::temp_directory_path() / ("attnlab-replay-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  nlohmann::json arr = nlohmann::json::array();
  for (auto& e : all_records(space)) arr.push_back(evaluation_to_json(e));
  std::ofstream(dir / "rec.json") << arr.dump();
  TuneOptions all;
  all.budget = 100;
  auto h = tune(space, "exhaustive", all);
  EvoLogWriter((dir / "rec.csv").string()).write_all(h);
  for (const char* f : {"rec.json", "rec.csv"}) {
    auto recs = load_records((dir / f).string());
    EXPECT_EQ(recs.size(), 54u) << f;
    EXPECT_EQ(best_recorded(space, recs), 400) << f;
  }
  std::ofstream(dir / "bad.json") << "{nope";
  EXPECT_THROW(load_records((dir / "bad.json").string()), UserError);
  EXPECT_THROW(load_records((dir / "rec.txt").string()), UserError);
  std::filesystem::remove_all(dir);
}

// The point of replay: compare strategies over many seeds for free. Seeded from configs near the
// optimum must beat random search on the synthetic objective.
TEST(Replay, SeededNearOptimumBeatsRandom) {
  auto space = h100_d128();
  ReplayOptions opt;
  opt.strategies = {"random", "genetic", "seeded", "exhaustive"};
  opt.seeds = {TileConfig::parse("m128n64w8s2-swz-qreg"), TileConfig::parse("m128n64w8s3-swz-qsm"),
               TileConfig::parse("m128n32w8s3-swz-qreg")};
  opt.n_rng_seeds = 30;
  opt.budget = 54;
  opt.base.population = 8;
  auto stats = replay_compare(space, all_records(space), opt);
  ASSERT_EQ(stats.size(), 4u);
  std::cout << format_replay_table(stats, opt.budget);
  const auto& random = stats[0];
  const auto& seeded = stats[2];
  EXPECT_EQ(random.strategy, "random");
  EXPECT_EQ(random.evals_to_target.size(), 30u);
  EXPECT_EQ(random.success_rate, 1.0);  // budget = the whole space
  EXPECT_EQ(seeded.success_rate, 1.0);
  EXPECT_LT(seeded.median, random.median);
  EXPECT_LT(seeded.mean, random.mean);
  EXPECT_LT(seeded.median, 0.75 * random.median);
  // Convergence curves: one point per evaluation, never decreasing, never above the best recorded; random
  // (which always reached the target) ends within it.
  const double best = best_recorded(space, all_records(space));
  for (auto& st : stats) {
    ASSERT_EQ(st.median_best_so_far.size(), static_cast<size_t>(opt.budget)) << st.strategy;
    EXPECT_TRUE(std::is_sorted(st.median_best_so_far.begin(), st.median_best_so_far.end())) << st.strategy;
    EXPECT_LE(st.median_best_so_far.back(), best) << st.strategy;
  }
  EXPECT_GE(random.median_best_so_far.back(), 0.98 * best);
  const auto j = replay_to_json(stats, opt, best);
  EXPECT_EQ(j.at("schema"), "attnlab.replay/1");
  EXPECT_EQ(j.at("strategies").size(), 4u);
  EXPECT_NEAR(j.at("target_tflops").get<double>(), 0.98 * best, 1e-9);
  // A target nobody can reach (records with nothing successful) is a user error.
  std::vector<Evaluation> failed = {Evaluation{}};
  EXPECT_THROW(replay_compare(space, failed, opt), UserError);
}

TEST(Replay, BayesSearchesColdBetterThanRandomOnTheRecordedSm80Landscape) {
  // The committed H100 sm80 sweep (184 configs): the Gaussian-process strategy without seeds reaches 2 % of the
  // best on every seed and in fewer evaluations on average than random search (issue 19's model-based strategy).
  const std::string db = std::string(ATTNLAB_SOURCE_DIR) + "/evidence/h100/tune/exhaustive.db";
  const AttnProblem p = AttnProblem::make(4, 16, 16, 4096, 4096, 128, DType::bf16, false);
  auto rdb = ResultsDb::open_readonly(db);
  EvalContext ctx;
  ctx.shape = shape_key(p);
  ctx.dtype = "bf16";
  const auto records = rdb.all(ctx);
  ASSERT_GE(records.size(), 100u);
  SearchSpace space(128, ArchLimits::for_arch("sm_90a"), KnobValues::of(Family::sm80, "tuning"));
  ReplayOptions opt;
  opt.strategies = {"random", "bayes"};
  opt.n_rng_seeds = 20;
  opt.budget = 64;
  auto stats = replay_compare(space, records, opt);
  std::cout << format_replay_table(stats, opt.budget);
  EXPECT_EQ(stats[1].strategy, "bayes");
  EXPECT_EQ(stats[1].success_rate, 1.0);
  EXPECT_LT(stats[1].mean, 0.8 * stats[0].mean);
  EXPECT_GT(stats[0].success_rate, 0.5) << "random finds it too, more slowly: the landscape is not trivial";
}

TEST(SearchStrategies, BayesStartsFromItsSeedsAndModelsTheRest) {
  auto space = h100_d128();
  TuneOptions opt;
  opt.budget = 20;
  opt.population = 8;
  opt.seeds = {TileConfig::parse("m64n64w4s2-swz-qsm")};
  const auto h = tune(space, "bayes", opt);
  ASSERT_EQ(h.size(), 20u);
  EXPECT_EQ(h.trials()[0].eval.config.name(), "m64n64w4s2-swz-qsm");
  // After the initial design (8), generations of 4.
  EXPECT_EQ(h.trials()[8].generation, 1);
  EXPECT_EQ(h.trials()[12].generation, 2);
}

}  // namespace
}  // namespace attnlab
