// Random search: each generation draws `population` distinct unevaluated valid configs uniformly. The
// baseline every other strategy has to beat in replay.
#include <algorithm>

#include "search/strategies/strategy.hpp"

namespace attnlab {

namespace {

class RandomSearch final : public Strategy {
 public:
  RandomSearch(const SearchSpace& space, const TuneOptions& opt) : space_(space), opt_(opt) {}
  std::string name() const override { return "random"; }

  std::vector<Candidate> propose(const History& history, int max, Rng& rng) override {
    auto pool = unevaluated(space_, history);
    const size_t n = std::min<size_t>(pool.size(), static_cast<size_t>(std::min(max, opt_.population)));
    // Partial Fisher-Yates: the first n entries become a uniform sample without replacement.
    std::vector<Candidate> out;
    for (size_t i = 0; i < n; ++i) {
      std::swap(pool[i], pool[i + uniform_index(rng, pool.size() - i)]);
      out.push_back({pool[i], {}, {}});
    }
    return out;
  }

 private:
  const SearchSpace& space_;
  TuneOptions opt_;
};

}  // namespace

std::unique_ptr<Strategy> make_random_search(const SearchSpace& space, const TuneOptions& opt) {
  return std::make_unique<RandomSearch>(space, opt);
}

}  // namespace attnlab
