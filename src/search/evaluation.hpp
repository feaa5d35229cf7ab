#pragma once
// The seam between search and measurement (Kernel Tuner's "cost function"): a strategy proposes tile
// configs, an Evaluator turns one into an Evaluation (compile -> gate -> measure on the GPU, or a lookup
// in recorded results for replay). Strategies never see the GPU.
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
};

}  // namespace attnlab
