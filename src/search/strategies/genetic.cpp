// Genetic algorithm: a population of evaluated configs; each generation keeps the `elitism` best
// successful members and breeds the rest by tournament selection, uniform crossover and neighbour
// mutation (SearchSpace operators, so children are always valid). A child already evaluated is mutated
// further, and if the GA cannot find anything new (late in a small space) it takes random unevaluated
// configs, so no config is ever evaluated twice and the budget is never wasted.
#include <algorithm>
#include <unordered_set>

#include "core/error.hpp"
#include "search/strategies/strategy.hpp"

namespace attnlab {

namespace {

class Genetic final : public Strategy {
 public:
  Genetic(const SearchSpace& space, const TuneOptions& opt, std::vector<TileConfig> gen0, std::string name)
      : space_(space), opt_(opt), gen0_(std::move(gen0)), name_(std::move(name)) {
    if (opt_.population < 2) throw UserError("genetic: population must be at least 2");
    if (opt_.tournament < 1) throw UserError("genetic: tournament size must be at least 1");
    if (opt_.elitism < 0 || opt_.elitism >= opt_.population)
      throw UserError("genetic: elitism must be in [0, population)");
  }
  std::string name() const override { return name_; }

  std::vector<Candidate> propose(const History& history, int max, Rng& rng) override {
    return population_.empty() ? first_generation(history, max, rng) : next_generation(history, max, rng);
  }

  nlohmann::json state() const override {
    nlohmann::json pop = nlohmann::json::array();
    for (auto& c : population_) pop.push_back(c.name());
    return {{"population", pop}};
  }
  void restore(const nlohmann::json& state) override {
    population_.clear();
    if (state.is_null()) return;
    try {
      for (auto& n : state.at("population")) population_.push_back(TileConfig::parse(n.get<std::string>()));
    } catch (const nlohmann::json::exception& e) {
      throw UserError(std::string("genetic: malformed checkpoint state: ") + e.what());
    }
  }

 private:
  // Gen 0: the given configs first, then random valid ones up to the population size. Members already
  // in the history (a resumed or pre-filled tune) join the population without being re-proposed.
  std::vector<Candidate> first_generation(const History& history, int max, Rng& rng) {
    std::vector<TileConfig> pop;
    std::vector<std::string> taken;
    auto add = [&](const TileConfig& c) {
      if (std::find(pop.begin(), pop.end(), c) != pop.end()) return;
      pop.push_back(c);
      taken.push_back(c.name());
    };
    for (auto& s : gen0_)
      if (static_cast<int>(pop.size()) < opt_.population) add(space_.repair(s));
    while (static_cast<int>(pop.size()) < opt_.population) {
      auto pool = unevaluated(space_, history, taken);
      if (pool.empty()) break;
      add(pool[uniform_index(rng, pool.size())]);
    }
    return adopt(history, std::move(pop), max);
  }

  std::vector<Candidate> next_generation(const History& history, int max, Rng& rng) {
    std::vector<std::pair<TileConfig, double>> scored;
    for (auto& c : population_) {
      const Evaluation* e = history.find(c);
      scored.push_back({c, e ? fitness(*e) : 0.0});
    }
    // Elites: the best successful members, stable on ties; failed configs are never kept.
    std::vector<size_t> order(scored.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scored[a].second > scored[b].second; });
    std::vector<TileConfig> next;
    for (size_t i = 0; i < order.size() && static_cast<int>(next.size()) < opt_.elitism; ++i)
      if (scored[order[i]].second > 0) next.push_back(scored[order[i]].first);

    std::unordered_set<std::string> seen;
    for (auto& t : history.trials()) seen.insert(t.key());
    for (auto& c : next) seen.insert(c.name());
    std::vector<TileConfig> children;
    const int want = std::min(opt_.population - static_cast<int>(next.size()), max);
    for (int attempt = 0; static_cast<int>(children.size()) < want && attempt < 20 * opt_.population; ++attempt) {
      TileConfig child = select(scored, rng);
      if (uniform01(rng) < opt_.crossover_rate) child = space_.crossover(child, select(scored, rng), rng);
      if (uniform01(rng) < opt_.mutation_rate) child = space_.mutate(child, rng);
      for (int k = 0; k < 4 && seen.count(child.name()); ++k) child = space_.mutate(child, rng);
      if (seen.count(child.name())) continue;
      seen.insert(child.name());
      children.push_back(child);
    }
    while (static_cast<int>(children.size()) < want) {  // immigrants when breeding finds nothing new
      std::vector<std::string> taken(seen.begin(), seen.end());
      auto pool = unevaluated(space_, history, taken);
      if (pool.empty()) break;
      children.push_back(pool[uniform_index(rng, pool.size())]);
      seen.insert(children.back().name());
    }
    for (auto& c : children) next.push_back(c);
    return adopt(history, std::move(next), max);
  }

  // Tournament selection: the fittest of `tournament` members drawn with replacement (first on ties).
  const TileConfig& select(const std::vector<std::pair<TileConfig, double>>& scored, Rng& rng) {
    size_t best = uniform_index(rng, scored.size());
    for (int i = 1; i < opt_.tournament; ++i) {
      size_t j = uniform_index(rng, scored.size());
      if (scored[j].second > scored[best].second) best = j;
    }
    return scored[best].first;
  }

  // The new population is what is evaluated or about to be: members beyond `max` unevaluated ones are
  // dropped, so the population never holds a config without a fitness.
  std::vector<Candidate> adopt(const History& history, std::vector<TileConfig> pop, int max) {
    std::vector<Candidate> out;
    population_.clear();
    for (auto& c : pop) {
      if (history.contains(c)) {
        population_.push_back(c);
      } else if (static_cast<int>(out.size()) < max) {
        population_.push_back(c);
        out.push_back({c, {}, {}});
      }
    }
    return out;
  }

  const SearchSpace& space_;
  TuneOptions opt_;
  std::vector<TileConfig> gen0_;
  std::string name_;
  std::vector<TileConfig> population_;
};

}  // namespace

std::unique_ptr<Strategy> make_genetic_with_gen0(const SearchSpace& space, const TuneOptions& opt,
                                                 const std::vector<TileConfig>& gen0, const std::string& name) {
  return std::make_unique<Genetic>(space, opt, gen0, name);
}

std::unique_ptr<Strategy> make_genetic(const SearchSpace& space, const TuneOptions& opt) {
  return make_genetic_with_gen0(space, opt, {}, "genetic");
}

}  // namespace attnlab
