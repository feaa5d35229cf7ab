#pragma once
// Runners: what GpuEvaluator hands each candidate to, behind one interface (search/eval_protocol.hpp):
//  - InProcessRunner (gpu_evaluator.hpp): this process, no isolation (tests, debugging);
//  - WorkerRunner: an `attnlab eval-worker` child speaking the line protocol, with a time limit per phase
//    (compile, gate, timing): a candidate that hangs, kills the worker, leaves its CUDA context dead or
//    answers something malformed is a failed Evaluation naming what happened, and a fresh worker starts;
//  - ReplayRunner: answers from recorded evaluations (a results database), for tests and simulation.
//  - MpiRunner (search/rank_pool.hpp): a batch spread over MPI ranks, each with its own WorkerRunner.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "search/eval_protocol.hpp"

namespace attnlab {

class ChildProcess;

class EvalRunner {
 public:
  virtual ~EvalRunner() = default;
  // cuDNN's median on the session's target, measured by the runner (0: unknown).
  virtual double cudnn_median_us() const = 0;
  // Whether GpuEvaluator compiles each batch into the kernel cache first (and sanitises source candidates):
  // true for runners that launch kernels; a replay answers from its recording and needs neither.
  virtual bool launches_kernels() const { return true; }
  // Whether GpuEvaluator's parallel NVRTC pre-compile runs here: false for runners whose candidates are
  // compiled elsewhere (MPI ranks compile on their own hosts' cores).
  virtual bool compiles_locally() const { return launches_kernels(); }
  // Never throws for what a candidate does; throws only when the runner itself cannot work (no worker
  // could be started at all).
  virtual Evaluation run(const EvalRequest& r) = 0;
  // A batch: the evaluations in the requests' order; on_result(index, evaluation) as each one arrives
  // (the results database stores it then). Default: run() one request after the other.
  using OnResult = std::function<void(size_t index, const Evaluation&)>;
  virtual std::vector<Evaluation> run_batch(const std::vector<EvalRequest>& requests, const OnResult& on_result);
};

class WorkerRunner : public EvalRunner {
 public:
  // argv: the worker's command line; empty: this executable's `eval-worker`.
  explicit WorkerRunner(EvalSession session, std::vector<std::string> argv = {});
  ~WorkerRunner() override;
  double cudnn_median_us() const override { return cudnn_us_; }
  Evaluation run(const EvalRequest& r) override;
  int starts() const { return starts_; }  // workers started so far (1 + restarts)

 private:
  void start();
  EvalSession session_;
  std::vector<std::string> argv_;
  std::unique_ptr<ChildProcess> worker_;
  double cudnn_us_ = 0;
  int starts_ = 0;
};

class ReplayRunner : public EvalRunner {
 public:
  ReplayRunner(const std::vector<Evaluation>& recorded, double cudnn_us);
  double cudnn_median_us() const override { return cudnn_us_; }
  bool launches_kernels() const override { return false; }
  // The recorded evaluation of (config, source hash); a failed one saying so when there is none.
  Evaluation run(const EvalRequest& r) override;

 private:
  std::map<std::string, Evaluation> by_key_;
  double cudnn_us_;
};

// The evaluation's content key (search/gpu_evaluator.hpp) of a request: embedded kernels + source text.
std::string request_source_hash(const EvalRequest& r);

}  // namespace attnlab
