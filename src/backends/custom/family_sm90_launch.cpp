// The sm90 family's launch side (family_launch.hpp): grid shape, workspace, device parameters.
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "backends/custom/family_launch.hpp"
#include "backends/custom/sm90_params.hpp"
#include "backends/custom/sm90_knobs.hpp"
#include "core/error.hpp"

namespace attnlab {

namespace {
using sm90_family::Knobs;


bool resident_grid(const TileConfig& c) { return Knobs(c).persistent; }

// Grid scheduler: one CTA per (m-block, head, batch) tile, grid.x padded up to a multiple of the cluster size
// (cluster=2: a padded CTA's m-block is past the end; it loads its half of the K/V blocks for its peer and writes
// nothing). Persistent: one CTA per resident slot, at most one per tile.
LaunchDims launch_shape(const TileConfig& cfg, const AttnProblem& p, long long resident_slots) {
  const Knobs c(cfg);
  const long long m_blocks = (p.seqlen_q + c.block_m - 1) / c.block_m;
  if (c.persistent) {
    if (resident_slots < 1) throw std::logic_error("launch_dims: a persistent config needs the resident CTA slots");
    const long long tiles = m_blocks * p.heads * p.batch;
    return {dim3(unsigned(std::min(resident_slots, tiles)), 1, 1)};
  }
  if (c.cluster < 1) throw std::logic_error("launch_dims: cluster size < 1");
  const long long grid_x = (m_blocks + c.cluster - 1) / c.cluster * c.cluster;
  if (grid_x > INT32_MAX) throw UserError(fmt::format("{} query tiles exceed the grid's x range", grid_x));
  return {dim3(unsigned(grid_x), unsigned(p.heads), unsigned(p.batch)), dim3(unsigned(c.cluster), 1, 1)};
}

// Persistent: the dynamic tile counter (two ints; kernels/sm90/scheduler.cuh), zero between launches.
size_t workspace_bytes(const TileConfig& c) { return Knobs(c).persistent ? 2 * sizeof(int) : 0; }

KernelArgs kernel_args(const TileConfig& cfg, const AttnProblem& p, const AttnTensors& t, const LaunchExtras& x) {
  Sm90FwdParams params = make_sm90_params(p, t, cfg);
  params.base.micro_cycles = x.micro_cycles;
  params.tile_counter = static_cast<int*>(x.workspace);  // null unless persistent
  return KernelArgs::of(params);
}

}  // namespace

const FamilyLaunch& sm90_family_launch() {
  static const FamilyLaunch launch{resident_grid, launch_shape, workspace_bytes, kernel_args};
  return launch;
}

}  // namespace attnlab
