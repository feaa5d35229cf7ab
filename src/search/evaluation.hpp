#pragma once
// The seam between search and measurement (Kernel Tuner's "cost function"): a strategy proposes tile
// configs, an Evaluator turns one into an Evaluation (compile -> gate -> measure on the GPU, or a lookup
// in recorded results for replay). Strategies never see the GPU.
#include <optional>
#include <string>
#include <vector>

#include "backends/custom/tile_config.hpp"

namespace attnlab {

struct Evaluation {
  TileConfig config;
  std::string source_hash;   // content hash of the kernel sources (+ proposer source, if any)
  bool compiled = false;
  int registers = -1, spill_bytes = 0, smem_bytes = 0;
  bool correct = false;      // passed the gate
  double max_error = 0;      // worst O max-abs error over the gate's shapes
  double median_us = 0;      // on the target shape; 0 when not timed
  double tflops = 0;         // fitness (0 when failed)
  double speedup_vs_cudnn = 0;  // median_cudnn / median_us on the target shape (0 when unknown)
  std::string error;         // compile log excerpt, gate failure or fault
  bool ok() const { return compiled && correct && tflops > 0; }
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Evaluates a batch (the GPU evaluator compiles them in parallel, then gates and times serially).
  virtual std::vector<Evaluation> evaluate(const std::vector<TileConfig>& configs) = 0;
};

}  // namespace attnlab
