// Model-based search ("bayes"): a Gaussian process over the knobs (each knob's value position in the space's list,
// scaled to [0, 1]; squared-exponential kernel, Eigen's Cholesky) predicts TFLOP/s of every unevaluated valid
// config, and each generation takes the configs of highest expected improvement over the best so far. For when
// there is no microbenchmark and no neighbouring shape to seed from (issue 19); Kernel Tuner's bayes_opt is the
// reference it is measured against in replay (experiments/search-strength-replay).
//  - first generation: the seeds (if any), then random valid configs up to kInitial;
//  - later generations: up to kBatch configs by "kriging believer" (each pick enters the model at its predicted
//    mean before the next pick), so one generation's compile batch is still several configs;
//  - failed evaluations enter the model at 0 TFLOP/s (a config that fails the gate is a bad config);
//  - hyperparameters: fitness normalised by the best so far, length scale chosen per generation from a small grid
//    by the marginal likelihood, noise 1e-3 (timing noise is ~1 %).
#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "search/strategies/strategy.hpp"

namespace attnlab {

namespace {

constexpr int kInitial = 8;
constexpr int kBatch = 4;
constexpr double kNoise = 1e-3;
constexpr double kXi = 0.01;  // exploration margin of the expected improvement, in units of the best

double normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI); }
double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

class GaussianProcess {
 public:
  GaussianProcess(const std::vector<Eigen::VectorXd>& x, const Eigen::VectorXd& y, double length) : x_(x), l_(length) {
    const int n = int(x.size());
    mean_ = y.mean();
    Eigen::MatrixXd k(n, n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) k(i, j) = kernel(x[i], x[j]) + (i == j ? kNoise : 0.0);
    llt_.compute(k);
    const Eigen::VectorXd centred = (y.array() - mean_).matrix();
    alpha_ = llt_.solve(centred);
    const Eigen::MatrixXd l = llt_.matrixL();
    log_likelihood_ = -0.5 * centred.dot(alpha_) - l.diagonal().array().log().sum();
  }
  double kernel(const Eigen::VectorXd& a, const Eigen::VectorXd& b) const {
    return std::exp(-0.5 * (a - b).squaredNorm() / (l_ * l_));
  }
  std::pair<double, double> predict(const Eigen::VectorXd& q) const {
    Eigen::VectorXd ks(x_.size());
    for (size_t i = 0; i < x_.size(); ++i) ks(long(i)) = kernel(q, x_[i]);
    const double mu = mean_ + ks.dot(alpha_);
    const double var = std::max(1e-12, 1.0 + kNoise - ks.dot(llt_.solve(ks)));
    return {mu, std::sqrt(var)};
  }
  double log_likelihood() const { return log_likelihood_; }

 private:
  std::vector<Eigen::VectorXd> x_;
  double l_, mean_ = 0, log_likelihood_ = 0;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::VectorXd alpha_;
};

class BayesSearch final : public Strategy {
 public:
  BayesSearch(const SearchSpace& space, const TuneOptions& opt) : space_(space), opt_(opt) {}
  std::string name() const override { return "bayes"; }

  std::vector<Candidate> propose(const History& history, int max, Rng& rng) override {
    std::vector<Candidate> out;
    std::vector<std::string> taken;
    auto take = [&](const TileConfig& c) {
      out.push_back({c, {}, {}});
      taken.push_back(c.name());
    };
    if (history.size() == 0) {  // the initial design: seeds, then random
      for (auto& s : opt_.seeds) {
        const TileConfig c = space_.repair(s);
        if (int(out.size()) < std::min(max, kInitial) && std::find(taken.begin(), taken.end(), c.name()) == taken.end()) take(c);
      }
      auto pool = unevaluated(space_, history, taken);
      while (int(out.size()) < std::min(max, kInitial) && !pool.empty()) {
        const size_t i = uniform_index(rng, pool.size());
        take(pool[i]);
        pool.erase(pool.begin() + long(i));
      }
      return out;
    }
    std::vector<Eigen::VectorXd> x;
    std::vector<double> y;
    double best = 0;
    for (auto& t : history.trials()) {
      if (!t.source_file.empty()) continue;
      x.push_back(features(t.eval.config));
      y.push_back(fitness(t.eval));
      best = std::max(best, fitness(t.eval));
    }
    const double scale = best > 0 ? best : 1.0;
    auto pool = unevaluated(space_, history);
    const int n = std::min({max, kBatch, int(pool.size())});
    for (int pick = 0; pick < n; ++pick) {
      Eigen::VectorXd yv(long(y.size()));
      for (size_t i = 0; i < y.size(); ++i) yv(long(i)) = y[i] / scale;
      const GaussianProcess gp = fit(x, yv);
      const double incumbent = *std::max_element(y.begin(), y.end()) / scale;
      double best_ei = -1;
      size_t best_i = 0;
      for (size_t i = 0; i < pool.size(); ++i) {
        const auto [mu, sigma] = gp.predict(features(pool[i]));
        const double z = (mu - incumbent - kXi) / sigma;
        const double ei = (mu - incumbent - kXi) * normal_cdf(z) + sigma * normal_pdf(z);
        if (ei > best_ei) best_ei = ei, best_i = i;
      }
      const auto [mu, _] = gp.predict(features(pool[best_i]));
      x.push_back(features(pool[best_i]));  // kriging believer: the pick at its predicted mean
      y.push_back(std::max(0.0, mu) * scale);
      take(pool[best_i]);
      pool.erase(pool.begin() + long(best_i));
    }
    return out;
  }

 private:
  Eigen::VectorXd features(const TileConfig& c) const {
    const auto& values = space_.knobs().values;
    Eigen::VectorXd f(long(values.size()));
    for (size_t k = 0; k < values.size(); ++k) {
      const auto& vs = values[k];
      const auto it = std::find(vs.begin(), vs.end(), c.knobs.at(k));
      const double pos = it == vs.end() ? 0.0 : double(it - vs.begin());
      f(long(k)) = vs.size() > 1 ? pos / double(vs.size() - 1) : 0.0;
    }
    return f;
  }
  static GaussianProcess fit(const std::vector<Eigen::VectorXd>& x, const Eigen::VectorXd& y) {
    std::optional<GaussianProcess> best;
    for (double l : {0.15, 0.25, 0.4, 0.6, 1.0}) {
      GaussianProcess gp(x, y, l);
      if (!best || gp.log_likelihood() > best->log_likelihood()) best.emplace(gp);
    }
    return *best;
  }
  const SearchSpace& space_;
  TuneOptions opt_;
};

}  // namespace

std::unique_ptr<Strategy> make_bayes(const SearchSpace& space, const TuneOptions& opt) {
  return std::make_unique<BayesSearch>(space, opt);
}

}  // namespace attnlab
