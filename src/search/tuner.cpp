#include "search/tuner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/json_text.hpp"

namespace attnlab {

namespace {
// Why a generation has nothing to evaluate: the strategy has nothing left, or everything proposed was
// turned down (by the strategy itself or by the Tuner). Telling them apart keeps a proposer whose every
// answer is unusable from looking like a search that covered its space.
std::string empty_generation_reason(const std::vector<std::string>& by_strategy, const std::vector<std::string>& by_tuner) {
  const size_t n = by_strategy.size() + by_tuner.size();
  if (n == 0) return "space exhausted";
  return fmt::format("all {} proposals rejected: {}", n, by_strategy.empty() ? by_tuner.front() : by_strategy.front());
}
}  // namespace

// ---- History and its JSON forms (declared in strategies/strategy.hpp) ----

void History::add(Trial t) {
  const auto key = t.key();
  if (index_.count(key)) throw std::logic_error("History: " + key + " evaluated twice");
  index_.emplace(key, trials_.size());
  trials_.push_back(std::move(t));
}

const Evaluation* History::find(const TileConfig& c) const {
  auto it = index_.find(c.name());
  return it == index_.end() ? nullptr : &trials_[it->second].eval;
}

const Trial* History::best() const {
  const Trial* best = nullptr;
  for (auto& t : trials_)
    if (fitness(t.eval) > 0 && (!best || fitness(t.eval) > fitness(best->eval))) best = &t;
  return best;
}

nlohmann::json history_to_json(const History& h) {
  nlohmann::json out = nlohmann::json::array();
  for (auto& t : h.trials())
    out.push_back({{"generation", t.generation}, {"source_file", t.source_file}, {"eval", evaluation_to_json(t.eval)}});
  return out;
}

History history_from_json(const nlohmann::json& j) {
  History h;
  try {
    for (auto& t : j) h.add({json_int(t, "generation", -1, 0), t.value("source_file", ""), evaluation_from_json(t.at("eval"))});
  } catch (const nlohmann::json::exception& ex) {
    throw UserError(std::string("malformed history: ") + ex.what());
  } catch (const std::logic_error& ex) {
    throw UserError(std::string("malformed history: ") + ex.what());
  }
  return h;
}

std::vector<TileConfig> unevaluated(const SearchSpace& space, const History& history,
                                    const std::vector<std::string>& taken) {
  std::unordered_set<std::string> skip(taken.begin(), taken.end());
  std::vector<TileConfig> out;
  for (auto& c : space.all_valid())
    if (!history.contains(c) && !skip.count(c.name())) out.push_back(c);
  return out;
}

std::unique_ptr<Strategy> make_strategy(const std::string& name, const SearchSpace& space, const TuneOptions& opt) {
  if (name == "random") return make_random_search(space, opt);
  if (name == "exhaustive") return make_exhaustive(space, opt);
  if (name == "genetic") return make_genetic(space, opt);
  if (name == "seeded") return make_seeded(space, opt);
  if (name == "bayes") return make_bayes(space, opt);
  throw UserError("unknown strategy '" + name + "' (random, exhaustive, genetic, seeded, bayes, or --proposer CMD)");
}

// ---- Tuner ----

nlohmann::json options_to_json(const TuneOptions& o) {
  nlohmann::json seeds = nlohmann::json::array();
  for (auto& s : o.seeds) seeds.push_back(s.name());
  return {{"budget", o.budget},          {"time_limit_s", o.time_limit_s},     {"rng_seed", o.rng_seed},
          {"population", o.population},  {"tournament", o.tournament},         {"mutation_rate", o.mutation_rate},
          {"crossover_rate", o.crossover_rate}, {"elitism", o.elitism},       {"seeds", seeds}};
}

Tuner::Tuner(const SearchSpace& space, Strategy& strategy, Evaluator& evaluator, const TuneOptions& options)
    : space_(space), strategy_(strategy), evaluator_(evaluator), opt_(options), rng_(options.rng_seed) {
  if (opt_.budget < 0) throw UserError("budget must be >= 0");
  if (opt_.population < 1) throw UserError("population must be >= 1");
}

nlohmann::json Tuner::checkpoint() const {
  return {{"schema", "attnlab.tune_checkpoint/1"},
          {"strategy", strategy_.name()},
          {"options", options_to_json(opt_)},
          {"generation", generation_},
          {"rng", rng_to_string(rng_)},
          {"strategy_state", strategy_.state()},
          {"elapsed_s", elapsed_s_},
          {"history", history_to_json(history_)}};
}

void Tuner::resume(const nlohmann::json& cp) {
  try {
    if (cp.value("schema", "") != "attnlab.tune_checkpoint/1")
      throw UserError("not a tune checkpoint (schema " + cp.value("schema", "?") + ")");
    if (cp.at("strategy") != strategy_.name())
      throw UserError(fmt::format("checkpoint is of strategy '{}', not '{}'", cp.at("strategy").get<std::string>(), strategy_.name()));
    // Everything that shapes the search must match, or the resumed tune would not be the same tune.
    auto saved = cp.at("options"), now = options_to_json(opt_);
    for (auto* k : {"budget", "time_limit_s"}) saved.erase(k), now.erase(k);
    if (saved != now)
      throw UserError("checkpoint options differ from this tune's: " + json_text(saved) + " vs " + json_text(now));
    history_ = history_from_json(cp.at("history"));
    generation_ = cp.at("generation").get<int>();
    rng_ = rng_from_string(cp.at("rng").get<std::string>());
    elapsed_s_ = cp.value("elapsed_s", 0.0);
    strategy_.restore(cp.at("strategy_state"));
  } catch (const nlohmann::json::exception& e) {
    throw UserError(std::string("malformed tune checkpoint: ") + e.what());
  }
}

std::vector<Evaluation> Tuner::evaluate(const std::vector<Candidate>& batch) {
  std::vector<TileConfig> configs;
  std::vector<Candidate> sources;
  for (auto& c : batch) {
    if (c.source_file.empty()) configs.push_back(c.config);
    else sources.push_back(c);
  }
  std::vector<Evaluation> by_config, by_source;
  if (!configs.empty()) by_config = evaluator_.evaluate(configs);
  if (!sources.empty()) {
    if (auto* se = dynamic_cast<SourceEvaluator*>(&evaluator_)) {
      by_source = se->evaluate_sources(sources);
    } else {
      for (auto& c : sources) {
        Evaluation e;
        e.config = c.config;
        e.error = "this evaluator does not accept source candidates";
        by_source.push_back(e);
      }
    }
  }
  if (by_config.size() != configs.size() || by_source.size() != sources.size())
    throw std::logic_error("evaluator returned a different number of evaluations than configs");
  std::vector<Evaluation> out;  // back in batch order
  size_t ic = 0, is = 0;
  for (auto& c : batch) {
    Evaluation e = c.source_file.empty() ? by_config[ic++] : by_source[is++];
    if (!(e.config == c.config)) throw std::logic_error("evaluator returned evaluations out of order");
    out.push_back(std::move(e));
  }
  return out;
}

TuneResult Tuner::run(int max_generations) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const double elapsed_at_start = elapsed_s_;
  auto elapsed = [&] { return elapsed_at_start + std::chrono::duration<double>(clock::now() - start).count(); };
  const size_t evals_at_start = history_.size();
  TuneResult result;
  for (;;) {
    if (static_cast<int>(history_.size()) >= opt_.budget) { result.stop_reason = "budget"; break; }
    if (opt_.time_limit_s > 0 && elapsed() >= opt_.time_limit_s) { result.stop_reason = "time limit"; break; }
    if (max_generations >= 0 && result.generations >= max_generations) { result.stop_reason = "generation limit"; break; }

    const int remaining = opt_.budget - static_cast<int>(history_.size());
    auto proposed = strategy_.propose(history_, std::min(opt_.population, remaining), rng_);
    // Defence in depth: whatever a strategy (or an external proposer) returns, nothing is evaluated
    // twice and nothing unvalidated reaches the evaluator.
    dropped_.clear();
    std::vector<Candidate> batch;
    std::unordered_set<std::string> keys;
    for (auto& c : proposed) {
      std::string why = space_.why_invalid(c.config);
      if (why.empty() && history_.contains(c)) why = "already evaluated";
      if (why.empty() && !keys.insert(c.key()).second) why = "proposed twice";
      if (why.empty() && static_cast<int>(batch.size()) >= remaining) why = "over budget";
      if (why.empty()) batch.push_back(c);
      else dropped_.push_back(c.key() + ": " + why);
    }
    if (batch.empty()) {
      result.stop_reason = empty_generation_reason(strategy_.rejections(), dropped_);
      break;
    }

    auto evals = evaluate(batch);
    for (size_t i = 0; i < batch.size(); ++i) history_.add({generation_, batch[i].source_file, std::move(evals[i])});
    ++generation_;
    ++result.generations;

    const double now = elapsed();
    elapsed_s_ = now;  // the checkpoint carries the time spent so far, so a time limit spans resumes
    if (observer_) {
      GenerationReport r;
      r.generation = generation_ - 1;
      r.batch = static_cast<int>(batch.size());
      r.evaluations = static_cast<int>(history_.size());
      r.best = history_.best();
      r.elapsed_s = now;
      const double dt = now - elapsed_at_start;
      r.evals_per_minute = dt > 0 ? 60.0 * static_cast<double>(history_.size() - evals_at_start) / dt : 0.0;
      observer_(r);
    }
    if (sink_) sink_(checkpoint());
  }
  elapsed_s_ = elapsed();
  return result;
}

}  // namespace attnlab
