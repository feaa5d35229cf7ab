#include "search/cached_evaluator.hpp"

#include <stdexcept>

namespace attnlab {

std::vector<Evaluation> CachedEvaluator::evaluate(const std::vector<TileConfig>& configs) {
  std::vector<Evaluation> out(configs.size());
  std::vector<size_t> missing;
  std::vector<TileConfig> todo;
  for (size_t i = 0; i < configs.size(); ++i) {
    std::optional<Evaluation> hit;
    if (!fresh_) hit = db_.find(ctx_, configs[i]);
    if (hit) {
      out[i] = std::move(*hit);
      ++hits_;
    } else {
      missing.push_back(i);
      todo.push_back(configs[i]);
    }
  }
  if (todo.empty()) return out;
  // Stored as each finishes when the inner evaluator says so, else when the batch returns.
  size_t streamed = 0;
  inner_.on_evaluated = [&](const Evaluation& e) {
    db_.put(ctx_, e, ResultsDb::measured_on_json(e));
    ++streamed;
  };
  std::vector<Evaluation> fresh;
  try {
    fresh = inner_.evaluate(todo);
  } catch (...) {
    inner_.on_evaluated = nullptr;
    throw;
  }
  inner_.on_evaluated = nullptr;
  if (fresh.size() != todo.size()) throw std::logic_error("evaluator returned a different number of evaluations");
  for (size_t j = 0; j < fresh.size(); ++j) {
    if (streamed != fresh.size()) db_.put(ctx_, fresh[j], ResultsDb::measured_on_json(fresh[j]));
    out[missing[j]] = std::move(fresh[j]);
    ++misses_;
  }
  return out;
}

std::vector<Evaluation> CachedEvaluator::evaluate_sources(const std::vector<Candidate>& candidates) {
  std::vector<Evaluation> out;
  if (auto* inner = dynamic_cast<SourceEvaluator*>(&inner_)) {
    size_t streamed = 0;
    inner_.on_evaluated = [&](const Evaluation& e) {
      db_.put(ctx_, e, ResultsDb::measured_on_json(e));  // keyed by e.source_hash (the variant's own)
      ++streamed;
    };
    try {
      out = inner->evaluate_sources(candidates);
    } catch (...) {
      inner_.on_evaluated = nullptr;
      throw;
    }
    inner_.on_evaluated = nullptr;
    if (streamed != out.size())
      for (auto& e : out) db_.put(ctx_, e, ResultsDb::measured_on_json(e));
    misses_ += int(out.size());
    return out;
  }
  for (auto& c : candidates) {
    Evaluation e;
    e.config = c.config;
    e.error = "this evaluator does not accept source candidates";
    out.push_back(e);
  }
  return out;
}

}  // namespace attnlab
