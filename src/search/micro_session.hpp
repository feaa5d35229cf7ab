#pragma once
// The microbenchmark ranking as a library call (`attnlab micro`, the campaign): compile every config (micro and
// full variants, in parallel), run the tile microbenchmark, and unless no full problem is given time the full
// kernel of every config on it (gated and verified like any timing) for Spearman's rank correlation.
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "search/microbench.hpp"

namespace attnlab {

struct MicroRankingRequest {
  MicroOptions micro;
  std::vector<TileConfig> configs;
  std::optional<AttnProblem> full;  // the full-kernel ranking's problem (none: micro only)
  std::string arch;
  std::function<void(const std::string&)> log;
};

struct MicroRanking {
  std::vector<MicroResult> results;  // in the request's config order
  std::vector<double> full_tflops;   // 0 where not timed or failed
  nlohmann::json correlation;        // {"spearman", "pairs", "full_problem", "full_tflops"}; null without `full`
};

MicroRanking run_micro_ranking(const MicroRankingRequest& req);

// The table (best micro TFLOP/s first) and the correlation line.
std::string micro_table_text(const MicroRanking& r);

}  // namespace attnlab
