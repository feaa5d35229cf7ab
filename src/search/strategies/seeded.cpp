// Seeded GA: the genetic algorithm whose Gen 0 is given (e.g. the microbenchmark Top-K), padded with
// random valid configs up to the population size. Seeds that are invalid here (measured for another
// arch or head dim) are repaired to the nearest valid config rather than rejected: a seed only says
// where to start looking.
#include "core/error.hpp"
#include "search/strategies/strategy.hpp"

namespace attnlab {

std::unique_ptr<Strategy> make_seeded(const SearchSpace& space, const TuneOptions& opt) {
  if (opt.seeds.empty()) throw UserError("the seeded strategy needs seed configs (e.g. --seeds micro_best.json)");
  return make_genetic_with_gen0(space, opt, opt.seeds, "seeded");
}

}  // namespace attnlab
