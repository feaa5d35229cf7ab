#include "cli/distributed.hpp"

#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "search/gpu_evaluator.hpp"
#include "search/mpi_link.hpp"
#include "search/synthetic_runner.hpp"

namespace attnlab::cli {

namespace {
constexpr const char* kRetimeTag = "retime";  // the request's source_file (messages only): the simulation's log says so

void to_stderr(const std::string& line) { fmt::print(stderr, "{}\n", line); }

// Local rank -> one of this host's GPUs (round robin when ranks outnumber them). This process reads the device
// with its own numbering; the worker processes it starts see only that GPU (CUDA_VISIBLE_DEVICES=its UUID).
// nullopt with the reason when the host has none.
std::optional<DeviceInfo> bind_local_gpu(int local_rank, std::string& why) {
  int count = 0;
  while (count < 64 && query_device(count, count ? nullptr : &why)) ++count;
  if (count == 0) return std::nullopt;
  auto d = query_device(local_rank % count, &why);
  if (d) ::setenv("CUDA_VISIBLE_DEVICES", d->uuid.c_str(), 1);
  return d;
}

RunnerFactory worker_factory() {
  return [](const GpuEvalOptions& go) { return std::make_unique<WorkerRunner>(EvalSession{go}); };
}

RunnerFactory synthetic_factory(int rank, const SimulatedFaults& faults) {
  return [rank, faults](const GpuEvalOptions& go) { return std::make_unique<SyntheticRunner>(go.target, rank, faults); };
}

int serve(MpiWorld& world, const DistributedFlags& f, const SimulatedFaults& faults) {
  RankIdentity id;
  id.host = world.host();
  if (!f.simulate.empty()) {
    const DeviceInfo d = simulated_device(world.rank());
    id.gpu_uuid = d.uuid;
    id.arch = d.arch();
    return serve_rank(world, id, synthetic_factory(world.rank(), faults), faults.tamper(world.rank()));
  }
  std::string why;
  const auto dev = bind_local_gpu(world.local_rank(), why);
  if (dev) {
    id.gpu_uuid = dev->uuid;
    id.arch = dev->arch();
  }
  RunnerFactory make = worker_factory();
  if (!dev) make = [why](const GpuEvalOptions&) -> std::unique_ptr<EvalRunner> { throw UserError("no CUDA device: " + why); };
  return serve_rank(world, id, make);
}
}  // namespace

void add_distributed_options(CLI::App* cmd, DistributedFlags& f) {
  cmd->add_flag("--mpi", f.mpi,
                "under mpirun: rank 0 runs the search and the database, every rank evaluates on its own GPU (docs/mpi.md)");
  cmd->add_option("--mpi-reissue-after", f.reissue_after_s,
                  "with --mpi: a request pending this long on one rank is sent to another too (first answer wins), s")
      ->check(seconds())
      ->capture_default_str();
  cmd->add_option("--simulate", f.simulate,
                  "testing: a synthetic landscape instead of the GPU (no GPU needed; docs/mpi.md)")
      ->check(CLI::IsMember({"landscape"}));
}

void check_distributed(const DistributedFlags& f) {
  if (f.mpi) require_mpi();  // built without MPI, or the plugin or the MPI library cannot be loaded
  if (!f.simulate.empty()) SimulatedFaults::from_env();
}

bool run_distributed(const DistributedFlags& f, const std::function<void(const Evaluators&)>& body) {
  const SimulatedFaults faults = f.simulate.empty() ? SimulatedFaults{} : SimulatedFaults::from_env();
  if (!f.mpi) {
    Evaluators ev;
    if (!f.simulate.empty()) {
      ev.device = simulated_device(0);
      ev.runner = synthetic_factory(0, faults);
    }
    body(ev);
    return true;
  }
  const auto world = start_mpi();
  if (world->rank() != 0) {
    const int rc = serve(*world, f, faults);
    if (rc != 0) throw std::runtime_error(fmt::format("rank {} stopped serving ({})", world->rank(), rc));
    return false;
  }
  Evaluators ev;
  RankPoolOptions po;
  po.reissue_after_s = f.reissue_after_s;
  po.log = to_stderr;
  if (!f.simulate.empty()) {
    ev.device = simulated_device(0);
    po.local = synthetic_factory(0, faults);
  } else {
    std::string why;
    ev.device = bind_local_gpu(world->local_rank(), why);
    if (!ev.device) {
      if (world->size() > 1) RankPool(*world, RankPoolOptions{}).stop();  // the other ranks leave their loops first
      throw UserError("no CUDA device on rank 0: " + why);
    }
    po.local = worker_factory();
  }
  po.arch = ev.device->arch();
  po.local_uuid = ev.device->uuid;
  RankPool pool(*world, po);
  ev.runner = [&pool](const GpuEvalOptions& go) { return std::make_unique<MpiRunner>(pool, go); };
  ev.on_rank0 = [&pool](const GpuEvalOptions& go, const TileConfig& c, double& cudnn_us) {
    return pool.run_on_rank0(go, EvalRequest{0, c, "", kRetimeTag}, &cudnn_us);
  };
  fmt::print(stderr, "mpi: {} ranks; rank 0 ({}) owns the search and the database, every rank evaluates\n", world->size(),
             po.local_uuid);
  body(ev);
  pool.stop();
  fmt::print(stderr, "{}", pool.stats_text());
  return true;
}

}  // namespace attnlab::cli
