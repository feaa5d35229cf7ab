#pragma once
// The GPU side of the tuner's Evaluator seam: compile -> gate -> measure.
//  - compile: the whole batch in parallel on a thread pool of NVRTC compilations (fills the disk cache);
//  - gate: two sets of fresh random inputs on two shapes with tails (one causal, GQA), NaN-poisoned
//    outputs, the outputs must change when the inputs change, inputs must stay unchanged, and the target
//    shape itself against its reference;
//  - measure: the timing core on the target shape with the timed launches verified against the gate's
//    outputs (measure/verified_timing); fitness = TFLOP/s, also as speedup vs cuDNN.
// Gating and timing run behind a runner (search/eval_runner.hpp), by default a worker process: a candidate
// that faults the CUDA context (a sticky error code) or does not answer within its time limit (compile:
// fixed; gate: from cuDNN's time on the target; timing: from the candidate's own gate time) is recorded as
// failed ("timed out after N s") and a fresh worker started; the tune carries on.
#include <nlohmann/json.hpp>

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "core/problem.hpp"
#include "search/eval_protocol.hpp"  // GpuEvalOptions, the messages
#include "search/eval_runner.hpp"
#include "search/evaluation.hpp"
#include "search/source_candidate.hpp"  // read_source_file
#include "search/strategies/strategy.hpp"

namespace attnlab {

// The gate's small shape (B1 H4:2 333x517): tails in both sequence lengths, GQA; also what the sanitizer runs.
AttnProblem gate_shape(DType dtype, int head_dim, bool causal);

// A worker's time limits, derived from kernel times: gate = max(floor, 50 x est x 64 launches) with est
// cuDNN's median on the target (or 1 ms when unknown); timing = max(floor, 50 x gate kernel time x 64
// planned launches) + 2 x (max_time_s + warm-up).
double gate_time_limit_s(const GpuEvalOptions& opt, double cudnn_us);
double timing_time_limit_s(const GpuEvalOptions& opt, double gate_kernel_s);
// The target's kernel time for the timing limit: cuDNN's median on the target (a candidate 50x slower than
// cuDNN is stopped as "timed out"); only without it the gate's wall time per launch scaled by the work ratio.
// That wall time is mostly host work (references, comparisons): used whenever cuDNN was known, it gave limits
// of hours, and a candidate that hung after the gate stalled the tune (H100, evidence/h100/gate/).
double target_kernel_estimate_s(double cudnn_us, double gate_wall_per_launch_s);

// One config in this process: what the worker runs for each request.
class InProcessEvaluator {
 public:
  explicit InProcessEvaluator(const GpuEvalOptions& opt);
  ~InProcessEvaluator();
  // kernel_source: a proposer's replacement for kernels/sm80/flash_fwd_kernel.cuh (empty: built-in).
  // progress (optional) hears ("compiled", gate limit s) and ("gated", timing limit s).
  using Progress = std::function<void(const std::string& phase, double next_limit_s)>;
  Evaluation evaluate(const TileConfig& cfg, const std::string& kernel_source = "", const Progress& progress = {});
  double cudnn_median_us() const { return cudnn_us_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  double cudnn_us_ = 0;
};

// The in-process runner (no isolation: tests, debugging).
class InProcessRunner : public EvalRunner {
 public:
  explicit InProcessRunner(const GpuEvalOptions& opt) : ev_(opt) {}
  double cudnn_median_us() const override { return ev_.cudnn_median_us(); }
  Evaluation run(const EvalRequest& r) override;

 private:
  InProcessEvaluator ev_;
};

// Compiles a batch in parallel (the disk cache), runs source candidates under compute-sanitizer, and hands
// each candidate to its runner (search/eval_runner.hpp): a worker process by default (isolate), this process
// otherwise, or any runner given (a replay, later other GPUs).
class GpuEvaluator : public Evaluator, public SourceEvaluator {
 public:
  explicit GpuEvaluator(const GpuEvalOptions& opt);
  GpuEvaluator(const GpuEvalOptions& opt, const std::string& arch, std::unique_ptr<EvalRunner> runner);
  ~GpuEvaluator() override;
  std::vector<Evaluation> evaluate(const std::vector<TileConfig>& configs) override;
  // Source candidates (docs/proposer-protocol.md): the same compile -> gate -> measure path.
  std::vector<Evaluation> evaluate_sources(const std::vector<Candidate>& candidates) override;
  double cudnn_median_us() const;

 private:
  std::vector<Evaluation> run_batch(const std::vector<Candidate>& batch);
  GpuEvalOptions opt_;
  std::string arch_;
  std::unique_ptr<EvalRunner> runner_;
  long requests_ = 0;
};

// Content hash that keys an evaluation: the embedded kernel sources, plus a proposer's source if any.
std::string evaluation_source_hash(const std::string& kernel_source);

// The worker loop (`attnlab eval-worker`), the line protocol of search/eval_protocol.hpp: a session line,
// then requests; per request progress lines and one reply. Returns 3 when the CUDA context is dead (the
// parent starts a fresh worker), 2 without a session.
int run_eval_worker(std::istream& in, std::ostream& out);

}  // namespace attnlab
