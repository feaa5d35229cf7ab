#pragma once
// The tune loop: strategy proposes -> drop anything already evaluated or invalid -> Evaluator ->
// record -> observer -> checkpoint, until the budget, the time limit, or the space runs out. The only
// place that calls an Evaluator during a tune, so every candidate (config or source) takes the same
// compile -> gate -> measure path.
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "search/evaluation.hpp"
#include "search/space.hpp"
#include "search/strategies/strategy.hpp"

namespace attnlab {

struct GenerationReport {
  int generation = 0;             // the one just evaluated (0-based)
  int batch = 0;                  // evaluations in it
  int evaluations = 0;            // total so far
  const Trial* best = nullptr;    // best so far (nullptr while nothing succeeded)
  double elapsed_s = 0;           // tune wall time, across resumes
  double evals_per_minute = 0;
};

struct TuneResult {
  // "budget" | "time limit" | "generation limit" | "space exhausted" (the strategy proposed nothing
  // and rejected nothing) | "all N proposals rejected: <first reason>" (by the strategy or the Tuner)
  std::string stop_reason;
  int generations = 0;
};

class Tuner {
 public:
  using Observer = std::function<void(const GenerationReport&)>;
  using CheckpointSink = std::function<void(const nlohmann::json&)>;

  // All four must outlive the Tuner.
  Tuner(const SearchSpace& space, Strategy& strategy, Evaluator& evaluator, const TuneOptions& options);

  void on_generation(Observer f) { observer_ = std::move(f); }
  // Called after every generation with checkpoint(); the CLI stores it with ResultsDb::save_checkpoint.
  void on_checkpoint(CheckpointSink f) { sink_ = std::move(f); }

  // Continue from checkpoint(): history, generation, RNG and strategy state. Call before run(). The
  // strategy and options must match the checkpointed ones (UserError otherwise), except budget and
  // time_limit_s, which may grow to extend a tune.
  void resume(const nlohmann::json& checkpoint);
  // Runs generations until a stop condition; `max_generations` >= 0 stops after that many more.
  TuneResult run(int max_generations = -1);

  // {"schema":"attnlab.tune_checkpoint/1", "strategy", "options", "generation", "rng",
  //  "strategy_state", "elapsed_s", "history":[{"generation", "source_file", "eval"}]}
  nlohmann::json checkpoint() const;
  const History& history() const { return history_; }
  // Candidates a generation dropped (duplicates, invalid), with the reason; cleared every generation.
  const std::vector<std::string>& dropped() const { return dropped_; }

 private:
  std::vector<Evaluation> evaluate(const std::vector<Candidate>& batch);

  const SearchSpace& space_;
  Strategy& strategy_;
  Evaluator& evaluator_;
  TuneOptions opt_;
  Rng rng_;
  History history_;
  int generation_ = 0;
  double elapsed_s_ = 0;  // tune wall time up to the last generation, across resumes
  std::vector<std::string> dropped_;
  Observer observer_;
  CheckpointSink sink_;
};

nlohmann::json options_to_json(const TuneOptions& o);

}  // namespace attnlab
