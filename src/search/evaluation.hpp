#pragma once
// The seam between search and measurement (Kernel Tuner's "cost function"): a strategy proposes tile
// configs, an Evaluator turns one into an Evaluation (compile -> gate -> measure on the GPU, or a lookup
// in recorded results for replay). Strategies never see the GPU.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/evaluation.hpp"  // the record

namespace attnlab {


class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Evaluates a batch (the GPU evaluator compiles them in parallel, then gates and times serially).
  virtual std::vector<Evaluation> evaluate(const std::vector<TileConfig>& configs) = 0;
  // Called by evaluators that finish a batch one candidate at a time, as each finishes (the results
  // database stores it then: a campaign or tune that dies mid-batch repeats none of the finished ones).
  std::function<void(const Evaluation&)> on_evaluated;
};

}  // namespace attnlab
