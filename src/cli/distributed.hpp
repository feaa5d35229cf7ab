#pragma once
// --mpi, --mpi-reissue-after and --simulate of `attnlab campaign` and `attnlab tune` (docs/mpi.md): where the
// candidates are evaluated. Without --mpi: this GPU's worker process (or, with --simulate landscape, a synthetic
// landscape). With --mpi under mpirun: rank 0 runs the command (strategy, results database, checkpoints,
// outputs) and evaluates too; every other rank binds its local rank to a GPU of its host and serves rank 0's
// requests through its own worker process until rank 0 is done.
#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "runtime/device.hpp"
#include "search/rank_pool.hpp"

namespace attnlab::cli {

struct DistributedFlags {
  bool mpi = false;
  double reissue_after_s = 900;
  std::string simulate;  // "" | "landscape"
};

void add_distributed_options(CLI::App* cmd, DistributedFlags& f);
// Before any work: --mpi in a build without MPI, a malformed ATTNLAB_SIM_* variable: UserError (exit 2).
void check_distributed(const DistributedFlags& f);

// What a tune or campaign session is given: the device (none: this GPU) and the runner per session (none: a
// worker process on this GPU).
struct Evaluators {
  std::optional<DeviceInfo> device;
  RunnerFactory runner;
  // With --mpi: one evaluation on rank 0's own GPU (a campaign's finalists); null otherwise.
  std::function<Evaluation(const GpuEvalOptions&, const TileConfig&, double& cudnn_us)> on_rank0;
};

// Runs `body` in the process that owns the command (rank 0, or this one without --mpi); the other ranks serve
// evaluations until it is done. True where `body` ran (only that process writes the command's outputs).
bool run_distributed(const DistributedFlags& f, const std::function<void(const Evaluators&)>& body);

}  // namespace attnlab::cli
