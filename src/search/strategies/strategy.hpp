#pragma once
// Search strategies (Kernel Tuner style: one per file, options with defaults, tested by replay). A
// strategy only proposes; the Tuner (search/tuner.hpp) evaluates, records, checkpoints and stops.
// Contract: a strategy proposes only configs valid in its SearchSpace that are not yet in the history,
// and draws randomness only from the Rng it is handed, so a tune is a pure function of (options, seed,
// evaluator) and a checkpoint of (history, strategy state, RNG state) resumes it exactly.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "search/evaluation.hpp"
#include "search/space.hpp"

namespace attnlab {

struct TuneOptions {
  int budget = 64;              // max evaluations (the whole tune, across resumes)
  double time_limit_s = 0;      // wall clock of the tune, across resumes; 0 = none
  uint64_t rng_seed = 1;
  int population = 16;          // GA population; batch size of every strategy
  int tournament = 3;           // GA tournament size
  double mutation_rate = 0.5;   // GA: probability that a child is mutated
  double crossover_rate = 0.7;  // GA: probability that a child is bred from two parents
  int elitism = 2;              // GA: best evaluated members carried over unchanged (never failed ones)
  std::vector<TileConfig> seeds;  // seeded: Gen 0 (e.g. the microbenchmark Top-K)
};

// What a strategy proposes. source_file is set only by external proposers (a kernel source variant);
// such a candidate must go through the same compile -> gate -> measure path, see SourceEvaluator.
struct Candidate {
  TileConfig config;
  std::string source_file;
  std::string note;  // why it looks like this (e.g. "repaired from m256...: reason"), for logs
  // Identity in the history: the config, plus the source for source candidates.
  std::string key() const { return source_file.empty() ? config.name() : config.name() + "@" + source_file; }
};

// An Evaluator that can also evaluate source candidates. The Tuner hands source candidates only to an
// evaluator implementing this (found by dynamic_cast); otherwise they are recorded as failures. The
// implementation MUST gate them exactly like config candidates: a proposer can never skip the gate.
class SourceEvaluator {
 public:
  virtual ~SourceEvaluator() = default;
  virtual std::vector<Evaluation> evaluate_sources(const std::vector<Candidate>& candidates) = 0;
};


// Fitness of one evaluation: TFLOP/s, 0 for anything that failed.
inline double fitness(const Evaluation& e) { return e.ok() ? e.tflops : 0.0; }

// Every evaluation of a tune, in evaluation order.
class History {
 public:
  void add(Trial t);
  const std::vector<Trial>& trials() const { return trials_; }
  size_t size() const { return trials_.size(); }
  bool contains(const Candidate& c) const { return index_.count(c.key()) != 0; }
  bool contains(const TileConfig& c) const { return contains(Candidate{c, {}, {}}); }
  // The config candidate's evaluation, if any.
  const Evaluation* find(const TileConfig& c) const;
  // Highest fitness among successful trials (first one on ties); nullptr when none succeeded.
  const Trial* best() const;

 private:
  std::vector<Trial> trials_;
  std::unordered_map<std::string, size_t> index_;
};

// JSON forms used by checkpoints, replay files and the proposer protocol. Lossless (doubles round trip).
nlohmann::json history_to_json(const History& h);
History history_from_json(const nlohmann::json& j);

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string name() const = 0;
  // Up to `max` (> 0) candidates for the next generation, none in `history`, no duplicates. Empty with
  // no rejections() means the strategy has nothing new to propose (the space is exhausted for it).
  virtual std::vector<Candidate> propose(const History& history, int max, Rng& rng) = 0;
  // "<candidate>: <reason>" for each candidate the last propose() turned down itself (an external
  // proposer's unusable answers): an empty proposal with rejections is not an exhausted space.
  virtual const std::vector<std::string>& rejections() const {
    static const std::vector<std::string> none;
    return none;
  }
  // State beyond history and RNG (e.g. the GA population), for checkpoints; restore() inverts it.
  virtual nlohmann::json state() const { return nullptr; }
  virtual void restore(const nlohmann::json& /*state*/) {}
};

// One per file in search/strategies/. Each keeps a reference to `space`, which must outlive it.
std::unique_ptr<Strategy> make_random_search(const SearchSpace& space, const TuneOptions& opt);
std::unique_ptr<Strategy> make_exhaustive(const SearchSpace& space, const TuneOptions& opt);
std::unique_ptr<Strategy> make_genetic(const SearchSpace& space, const TuneOptions& opt);
std::unique_ptr<Strategy> make_seeded(const SearchSpace& space, const TuneOptions& opt);  // needs opt.seeds
// A Gaussian process over the knobs, expected improvement (seeds optional): for no microbenchmark, no neighbour.
std::unique_ptr<Strategy> make_bayes(const SearchSpace& space, const TuneOptions& opt);
// The GA with a given Gen 0 (repaired, deduplicated, padded with random valid configs); what
// make_genetic (no seeds) and make_seeded (opt.seeds) both build.
std::unique_ptr<Strategy> make_genetic_with_gen0(const SearchSpace& space, const TuneOptions& opt,
                                                 const std::vector<TileConfig>& gen0, const std::string& name);
// "random" | "exhaustive" | "genetic" | "seeded" | "bayes"; UserError otherwise (proposer: see proposer.hpp).
std::unique_ptr<Strategy> make_strategy(const std::string& name, const SearchSpace& space, const TuneOptions& opt);

// Shared by the GA and random search: the valid configs not in `history` nor in `taken` (keys).
std::vector<TileConfig> unevaluated(const SearchSpace& space, const History& history,
                                    const std::vector<std::string>& taken = {});

}  // namespace attnlab
