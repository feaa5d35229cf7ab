#pragma once
// The results database in front of an Evaluator (store/results_db.hpp keeps the records).
#include "search/evaluation.hpp"
#include "search/strategies/strategy.hpp"
#include "store/results_db.hpp"

namespace attnlab {

// An Evaluator that answers from the store what it has and asks `inner` for the rest, storing each new
// evaluation as soon as it finishes (Evaluator::on_evaluated) or the batch returns: "an evaluation whose key already exists is not recompiled or
// re-timed unless --fresh" (fresh = true re-evaluates and overwrites).
// Source candidates (a proposer's kernel variants) are forwarded to `inner` when it accepts them
// (SourceEvaluator), stored under their own source hash, and never answered from the cache.
class CachedEvaluator : public Evaluator, public SourceEvaluator {
 public:
  CachedEvaluator(Evaluator& inner, ResultsDb& db, EvalContext ctx, bool fresh = false)
      : inner_(inner), db_(db), ctx_(std::move(ctx)), fresh_(fresh) {}
  std::vector<Evaluation> evaluate(const std::vector<TileConfig>& configs) override;
  std::vector<Evaluation> evaluate_sources(const std::vector<Candidate>& candidates) override;
  int hits() const { return hits_; }
  int misses() const { return misses_; }

 private:
  Evaluator& inner_;
  ResultsDb& db_;
  EvalContext ctx_;
  bool fresh_;
  int hits_ = 0, misses_ = 0;
};

}  // namespace attnlab
