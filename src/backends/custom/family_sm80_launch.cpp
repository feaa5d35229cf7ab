// The sm80 family's launch side (family_launch.hpp): grid shape, workspace, device parameters.
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "backends/custom/family_launch.hpp"
#include "backends/custom/flash_params.hpp"
#include "backends/custom/sm80_knobs.hpp"
#include "core/error.hpp"

namespace attnlab {

namespace {
using sm80_family::Knobs;
int tile_rows(const TileConfig& c) { return Knobs(c).block_m; }

bool resident_grid(const TileConfig&) { return false; }

// One CTA per (m-block, head, batch) tile.
LaunchDims launch_shape(const TileConfig& cfg, const AttnProblem& p, long long) {
  const long long m_blocks = (p.seqlen_q + tile_rows(cfg) - 1) / tile_rows(cfg);
  if (m_blocks > INT32_MAX) throw UserError(fmt::format("{} query tiles exceed the grid's x range", m_blocks));
  return {dim3(unsigned(m_blocks), unsigned(p.heads), unsigned(p.batch))};
}

size_t workspace_bytes(const TileConfig&) { return 0; }

KernelArgs kernel_args(const TileConfig&, const AttnProblem& p, const AttnTensors& t, const LaunchExtras& x) {
  FlashFwdParams params = make_flash_params(p, t);
  params.micro_cycles = x.micro_cycles;
  return KernelArgs::of(params);
}

}  // namespace

const FamilyLaunch& sm80_family_launch() {
  static const FamilyLaunch launch{resident_grid, launch_shape, workspace_bytes, kernel_args};
  return launch;
}

}  // namespace attnlab
