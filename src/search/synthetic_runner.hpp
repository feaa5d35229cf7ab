#pragma once
// A synthetic landscape in place of a GPU (`--simulate landscape`, a hidden option for tests: docs/mpi.md), so the
// CLI's campaign and tune paths, with or without MPI ranks, run on a machine without a GPU:
//  - the device is a made-up H100 per rank (UUID GPU-sim-rank<R>);
//  - a config's TFLOP/s: short prefills want 64-row tiles, long ones 128-row tiles, configs of one row count within
//    1 % of each other (deterministic by name); cuDNN at 550 TFLOP/s;
//  - faults for the MPI tests, from the environment (ATTNLAB_SIM_*, SimulatedFaults).
#include <functional>
#include <string>

#include "runtime/device.hpp"
#include "search/eval_runner.hpp"

namespace attnlab {

DeviceInfo simulated_device(int rank);
double synthetic_tflops(const TileConfig& c, const AttnProblem& p);

struct SimulatedFaults {
  std::string log;               // ATTNLAB_SIM_LOG=FILE: "rank<TAB>shape<TAB>config[<TAB>source_file]" per evaluation
  double eval_s = 0;             // ATTNLAB_SIM_EVAL_MS=N: each evaluation takes N ms
  int die_rank = -1, die_after = 0;  // ATTNLAB_SIM_DIE=R:K: rank R exits (status 17) at its evaluation K+1
  int slow_rank = -1;            // ATTNLAB_SIM_SLOW=R:S: rank R's first evaluation takes S seconds
  double slow_s = 0;
  int garbage_rank = -1;         // ATTNLAB_SIM_GARBAGE=R:malformed|wrong-id: rank R's replies are garbage
  std::string garbage;
  static SimulatedFaults from_env();  // UserError naming the variable when one is malformed
  // The reply rewriter of serve_rank for `rank` (empty unless it is the garbage rank).
  std::function<std::string(const std::string&)> tamper(int rank) const;
};

class SyntheticRunner : public EvalRunner {
 public:
  SyntheticRunner(const AttnProblem& target, int rank, SimulatedFaults faults);
  double cudnn_median_us() const override;
  bool launches_kernels() const override { return false; }
  Evaluation run(const EvalRequest& r) override;

 private:
  AttnProblem target_;
  int rank_;
  SimulatedFaults faults_;
};

}  // namespace attnlab
