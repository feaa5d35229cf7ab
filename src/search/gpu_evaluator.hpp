#pragma once
// The GPU side of the tuner's Evaluator seam: compile -> gate -> measure.
//  - compile: the whole batch in parallel on a thread pool of NVRTC compilations (fills the disk cache);
//  - gate: fresh random inputs on two shapes with tails (one causal, GQA), NaN-poisoned outputs, the
//    outputs must change when the inputs change, and the target shape itself against the GPU reference;
//  - measure: the timing core on the target shape; fitness = TFLOP/s, also as speedup vs cuDNN.
// Gating and timing run in a worker process (`attnlab eval-worker`), so a candidate that faults the CUDA
// context is recorded as failed and the worker restarted; the tune carries on.
#include <memory>
#include <string>

#include "core/problem.hpp"
#include "search/evaluation.hpp"
#include "search/source_candidate.hpp"  // read_source_file
#include "search/strategies/strategy.hpp"

namespace attnlab {

struct GpuEvalOptions {
  AttnProblem target;
  double max_time_s = 2.0;
  bool isolate = true;  // false: evaluate in this process (tests, debugging)
};

// One config in this process: what the worker runs for each request.
class InProcessEvaluator {
 public:
  explicit InProcessEvaluator(const GpuEvalOptions& opt);
  ~InProcessEvaluator();
  // kernel_source: a proposer's replacement for kernels/sm80/flash_fwd_kernel.cuh (empty: built-in).
  Evaluation evaluate(const TileConfig& cfg, const std::string& kernel_source = "");
  double cudnn_median_us() const { return cudnn_us_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  double cudnn_us_ = 0;
};

class GpuEvaluator : public Evaluator, public SourceEvaluator {
 public:
  explicit GpuEvaluator(const GpuEvalOptions& opt);
  ~GpuEvaluator() override;
  std::vector<Evaluation> evaluate(const std::vector<TileConfig>& configs) override;
  // Source candidates (docs/proposer-protocol.md): the same compile -> gate -> measure path.
  std::vector<Evaluation> evaluate_sources(const std::vector<Candidate>& candidates) override;
  double cudnn_median_us() const { return cudnn_us_; }

 private:
  struct Worker;
  void start_worker();
  std::vector<Evaluation> run_batch(const std::vector<Candidate>& batch);
  GpuEvalOptions opt_;
  std::string arch_;
  std::unique_ptr<Worker> worker_;
  std::unique_ptr<InProcessEvaluator> local_;
  double cudnn_us_ = 0;
};

// Content hash that keys an evaluation: the embedded kernel sources, plus a proposer's source if any.
std::string evaluation_source_hash(const std::string& kernel_source);

// The worker loop: reads {"config", "source_file"} JSON lines on stdin, writes one evaluation JSON per line.
int run_eval_worker(const GpuEvalOptions& opt);

}  // namespace attnlab
