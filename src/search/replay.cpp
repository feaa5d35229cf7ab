#include "search/replay.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <numeric>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/json_text.hpp"
#include "search/tune_log.hpp"
#include "search/tuner.hpp"

namespace attnlab {

ReplayEvaluator::ReplayEvaluator(const std::vector<Evaluation>& records) {
  for (auto& r : records) by_name_[r.config.name()] = r;
}

std::vector<Evaluation> ReplayEvaluator::evaluate(const std::vector<TileConfig>& configs) {
  std::vector<Evaluation> out;
  for (auto& c : configs) {
    ++calls_;
    auto it = by_name_.find(c.name());
    if (it != by_name_.end()) {
      out.push_back(it->second);
    } else {
      Evaluation e;
      e.config = c;
      e.error = "not in the recorded results";
      out.push_back(e);
    }
  }
  return out;
}

std::vector<Evaluation> load_records(const std::string& path) {
  const auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  for (auto& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "csv") {
    std::vector<Evaluation> out;
    for (auto& row : read_evo_log(path)) out.push_back(row.eval);
    return out;
  }
  if (ext != "json")
    throw UserError("recorded results '" + path + "': not a results database, and not a .json or .csv file of records");
  const nlohmann::json j = read_json_file(path);
  return with_context("recorded results '" + path + "'", [&] {
    std::vector<Evaluation> out;
    if (j.is_object() && j.contains("history")) {
      const History h = history_from_json(j["history"]);  // named: a temporary would die before the loop
      for (auto& t : h.trials()) out.push_back(t.eval);
      return out;
    }
    const auto& list = j.is_object() && j.contains("evaluations") ? j["evaluations"] : j;
    if (!list.is_array()) throw UserError("expected an array of evaluations");
    for (auto& r : list) out.push_back(evaluation_from_json(r));
    return out;
  });
}

namespace {
double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One run's best-so-far curve as its steps: (evaluation index, new best). A run evaluates at most the
// space's configs, so this is small whatever the budget.
using Steps = std::vector<std::pair<size_t, double>>;

Steps best_so_far_steps(const std::vector<Trial>& trials) {
  Steps steps;
  double so_far = 0;
  for (size_t i = 0; i < trials.size(); ++i)
    if (fitness(trials[i].eval) > so_far) steps.emplace_back(i, so_far = fitness(trials[i].eval));
  return steps;
}

// The median over runs of their best-so-far after i + 1 evaluations, i < budget, from the runs' steps:
// one sweep over the steps with a Fenwick tree counting the runs at each distinct value, so memory and
// time grow with budget + steps, never with budget x runs (10,000 seeds x a budget of 10^6 is 80 GB as
// a matrix).
std::vector<double> median_curve(const std::vector<Steps>& runs, size_t budget) {
  std::vector<double> values{0.0};
  for (auto& r : runs)
    for (auto& [i, v] : r) values.push_back(v);
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  const size_t m = values.size();
  std::vector<int64_t> tree(m + 1, 0);
  const auto add = [&](size_t rank, int64_t d) {
    for (size_t k = rank + 1; k <= m; k += k & (~k + 1)) tree[k] += d;
  };
  const auto kth = [&](int64_t k) {  // the value of rank k (0-based) among all runs' current values
    size_t pos = 0;
    for (size_t step = std::bit_floor(m); step; step >>= 1)
      if (pos + step <= m && tree[pos + step] <= k) k -= tree[pos += step];
    return values[pos];
  };
  const auto rank_of = [&](double v) { return size_t(std::lower_bound(values.begin(), values.end(), v) - values.begin()); };
  struct Move {
    size_t at, from, to;
  };
  std::vector<Move> moves;
  for (auto& r : runs) {
    size_t from = 0;
    for (auto& [i, v] : r) {
      moves.push_back({i, from, rank_of(v)});
      from = moves.back().to;
    }
  }
  std::sort(moves.begin(), moves.end(), [](const Move& a, const Move& b) { return a.at < b.at; });
  const int64_t n = int64_t(runs.size());
  add(0, n);
  std::vector<double> curve(budget, 0.0);
  size_t next = 0;
  for (size_t i = 0; i < budget && n > 0; ++i) {
    for (; next < moves.size() && moves[next].at == i; ++next) add(moves[next].from, -1), add(moves[next].to, 1);
    curve[i] = n % 2 ? kth(n / 2) : 0.5 * (kth(n / 2 - 1) + kth(n / 2));
  }
  return curve;
}
}  // namespace

double best_recorded(const SearchSpace& space, const std::vector<Evaluation>& records) {
  double best = 0;
  for (auto& r : records)
    if (space.valid(r.config)) best = std::max(best, fitness(r));
  return best;
}

std::vector<ReplayStats> replay_compare(const SearchSpace& space, const std::vector<Evaluation>& records,
                                        const ReplayOptions& opt) {
  const double best = best_recorded(space, records);
  if (best <= 0) throw UserError("replay: no recorded evaluation in this space succeeded, nothing to find");
  // Records are deduplicated the way ReplayEvaluator does it (last wins), so the target is reachable.
  const double target = (1.0 - opt.within) * best;
  std::vector<ReplayStats> out;
  for (auto& name : opt.strategies) {
    ReplayStats st;
    st.strategy = name;
    std::vector<Steps> runs;
    for (int seed = 1; seed <= opt.n_rng_seeds; ++seed) {
      TuneOptions o = opt.base;
      o.budget = opt.budget;
      o.time_limit_s = 0;
      o.rng_seed = static_cast<uint64_t>(seed);
      if (name == "seeded") o.seeds = opt.seeds;  // the others search cold: what they find without a microbenchmark
      auto strategy = make_strategy(name, space, o);
      ReplayEvaluator eval(records);
      Tuner tuner(space, *strategy, eval, o);
      tuner.run();
      int hit = opt.budget + 1;
      const auto& trials = tuner.history().trials();
      for (size_t i = 0; i < trials.size(); ++i)
        if (fitness(trials[i].eval) >= target && fitness(trials[i].eval) > 0) {
          hit = static_cast<int>(i) + 1;
          break;
        }
      st.evals_to_target.push_back(hit);
      runs.push_back(best_so_far_steps(trials));
    }
    st.median_best_so_far = median_curve(runs, static_cast<size_t>(std::max(0, opt.budget)));
    std::vector<double> sorted(st.evals_to_target.begin(), st.evals_to_target.end());
    const size_t n = sorted.size();
    if (n > 0) {
      st.median = median_of(sorted);
      st.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(n);
      st.success_rate = static_cast<double>(std::count_if(sorted.begin(), sorted.end(), [&](double v) {
                          return v <= static_cast<double>(opt.budget);
                        })) / static_cast<double>(n);
    }
    out.push_back(std::move(st));
  }
  return out;
}

nlohmann::json replay_to_json(const std::vector<ReplayStats>& stats, const ReplayOptions& opt, double best) {
  nlohmann::json strategies = nlohmann::json::array();
  for (auto& s : stats)
    strategies.push_back({{"strategy", s.strategy}, {"evals_to_target", s.evals_to_target}, {"median", s.median},
                          {"mean", s.mean}, {"success_rate", s.success_rate},
                          {"median_best_so_far", s.median_best_so_far}});
  return {{"schema", "attnlab.replay/1"}, {"best_recorded_tflops", best}, {"within", opt.within},
          {"target_tflops", (1.0 - opt.within) * best}, {"budget", opt.budget}, {"rng_seeds", opt.n_rng_seeds},
          {"strategies", strategies}};
}

std::string format_replay_table(const std::vector<ReplayStats>& stats, int budget) {
  std::ostringstream os;
  os << fmt::format("{:<12} {:>6} {:>8} {:>8} {:>9} {:>6}\n", "strategy", "seeds", "median", "mean", "success", "worst");
  for (auto& s : stats) {
    const int worst = s.evals_to_target.empty() ? 0 : *std::max_element(s.evals_to_target.begin(), s.evals_to_target.end());
    os << fmt::format("{:<12} {:>6} {:>8.1f} {:>8.1f} {:>8.0f}% {:>6}\n", s.strategy, s.evals_to_target.size(), s.median,
                      s.mean, 100.0 * s.success_rate, worst > budget ? "never" : std::to_string(worst));
  }
  os << fmt::format("(evaluations until a config within the target of the recorded best; budget {})\n", budget);
  return os.str();
}

}  // namespace attnlab
