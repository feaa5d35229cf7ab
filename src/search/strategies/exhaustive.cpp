// Exhaustive: every valid config once, in the space's stable order, `population` per generation. The
// ground truth for small spaces and the source of the recorded results replay runs against.
#include <algorithm>

#include "search/strategies/strategy.hpp"

namespace attnlab {

namespace {

class Exhaustive final : public Strategy {
 public:
  Exhaustive(const SearchSpace& space, const TuneOptions& opt) : space_(space), opt_(opt) {}
  std::string name() const override { return "exhaustive"; }

  std::vector<Candidate> propose(const History& history, int max, Rng& /*rng*/) override {
    auto pool = unevaluated(space_, history);
    pool.resize(std::min<size_t>(pool.size(), static_cast<size_t>(std::min(max, opt_.population))));
    std::vector<Candidate> out;
    for (auto& c : pool) out.push_back({c, {}, {}});
    return out;
  }

 private:
  const SearchSpace& space_;
  TuneOptions opt_;
};

}  // namespace

std::unique_ptr<Strategy> make_exhaustive(const SearchSpace& space, const TuneOptions& opt) {
  return std::make_unique<Exhaustive>(space, opt);
}

}  // namespace attnlab
