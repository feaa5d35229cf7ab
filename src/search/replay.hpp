#pragma once
// Simulation mode: any strategy against recorded results, no GPU, so strategies are compared over many
// random seeds at no device cost (Kernel Tuner's simulation runner). The records come from
// ResultsDb::all(), a JSON file of evaluations, or an evo_log.csv written by search/tune_log.hpp.
#include <nlohmann/json.hpp>

#include <string>
#include <unordered_map>
#include <vector>

#include "search/evaluation.hpp"
#include "search/space.hpp"
#include "search/strategies/strategy.hpp"

namespace attnlab {

class ReplayEvaluator : public Evaluator {
 public:
  // A config recorded more than once keeps its last record (the newest, in ResultsDb::all order).
  explicit ReplayEvaluator(const std::vector<Evaluation>& records);
  // The recorded evaluation; a config missing from the records is a failure "not in the recorded results".
  std::vector<Evaluation> evaluate(const std::vector<TileConfig>& configs) override;
  int calls() const { return calls_; }  // configs asked for so far

 private:
  std::unordered_map<std::string, Evaluation> by_name_;
  int calls_ = 0;
};

// JSON: an array of evaluation records (evaluation_to_json), or {"evaluations": [...]} / a tune
// checkpoint's {"history": [{"eval": ...}]}. CSV: evo_log.csv. Chosen by extension; UserError otherwise.
std::vector<Evaluation> load_records(const std::string& path);

struct ReplayStats {
  std::string strategy;
  std::vector<int> evals_to_target;  // per RNG seed; budget + 1 when the target was never reached
  double median = 0, mean = 0;       // over evals_to_target
  double success_rate = 0;           // fraction of seeds that reached the target within the budget
  // Convergence curve: median over RNG seeds of the best fitness after i + 1 evaluations (budget entries).
  std::vector<double> median_best_so_far;
};

struct ReplayOptions {
  std::vector<std::string> strategies{"random", "genetic", "seeded", "bayes"};
  std::vector<TileConfig> seeds;  // for "seeded"
  int n_rng_seeds = 50;           // RNG seeds 1..n
  int budget = 64;
  double within = 0.02;           // target: fitness >= (1 - within) * best recorded fitness
  TuneOptions base;               // GA knobs (population, rates, ...); budget/rng_seed/seeds overridden
};

// Best fitness among the records that are valid in `space`; 0 when none succeeded.
double best_recorded(const SearchSpace& space, const std::vector<Evaluation>& records);
// For each strategy and RNG seed: a full tune against the records, and how many evaluations it took to
// first reach the target. UserError when no record in the space succeeded (no target to reach).
std::vector<ReplayStats> replay_compare(const SearchSpace& space, const std::vector<Evaluation>& records,
                                        const ReplayOptions& opt);
// attnlab.replay/1: target, budget, and per strategy the table's numbers and the convergence curve.
nlohmann::json replay_to_json(const std::vector<ReplayStats>& stats, const ReplayOptions& opt, double best);
// Fixed-width table: strategy, median, mean, success rate, worst.
std::string format_replay_table(const std::vector<ReplayStats>& stats, int budget);

}  // namespace attnlab
