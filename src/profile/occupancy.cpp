#include "profile/occupancy.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "backends/custom/tile_config.hpp"  // ArchLimits: the per-block opt-in limit
#include "core/error.hpp"

namespace attnlab::profile {

namespace {
int round_up(int x, int unit) { return (x + unit - 1) / unit * unit; }
}  // namespace

SmLimits SmLimits::for_arch(const std::string& arch) {
  SmLimits s;
  s.arch = arch;
  if (arch == "sm_80" || arch == "sm_87") {  // A100, Orin: 164 KB smem per SM
    s.smem_per_sm = 167936;
  } else if (arch == "sm_86") {  // GA10x: 1536 threads, 16 blocks, 100 KB smem
    s.max_threads = 1536;
    s.max_blocks = 16;
    s.smem_per_sm = 102400;
  } else if (arch == "sm_89") {  // Ada: 1536 threads, 24 blocks, 100 KB smem
    s.max_threads = 1536;
    s.max_blocks = 24;
    s.smem_per_sm = 102400;
  } else if (arch == "sm_90" || arch == "sm_90a") {  // H100/H200: 228 KB smem per SM
    s.smem_per_sm = 233472;
  } else {
    throw UserError(fmt::format("no per-SM limits for arch '{}' (known: sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a)", arch));
  }
  s.smem_per_block_optin = ArchLimits::for_arch(arch).smem_optin;
  return s;
}

const char* limiter_name(OccupancyLimiter l) {
  switch (l) {
    case OccupancyLimiter::registers: return "registers";
    case OccupancyLimiter::shared_memory: return "smem";
    case OccupancyLimiter::threads: return "threads";
    case OccupancyLimiter::blocks: return "blocks";
    case OccupancyLimiter::none: return "none";
  }
  return "?";
}

Occupancy theoretical_occupancy(const SmLimits& sm, int threads, int regs, int smem_bytes) {
  Occupancy o;
  const int warps = (threads + 31) / 32;
  const int max_warps = sm.max_threads / 32;
  if (threads <= 0 || threads > 1024) o.why_zero = fmt::format("{} threads per block", threads);
  else if (regs > sm.max_regs_per_thread) o.why_zero = fmt::format("{} registers per thread > {}", regs, sm.max_regs_per_thread);
  else if (smem_bytes > sm.smem_per_block_optin)
    o.why_zero = fmt::format("{} B shared memory > {} B per block on {}", smem_bytes, sm.smem_per_block_optin, sm.arch);
  if (!o.why_zero.empty()) return o;
  // Registers: allocated per warp, rounded to the unit, and a warp's registers live in one sub-partition.
  const int regs_per_warp = round_up(std::max(regs, 1) * 32, sm.reg_alloc_unit);
  const int warps_per_part = (sm.registers / sm.sub_partitions) / regs_per_warp;
  o.blocks_by_regs = warps_per_part * sm.sub_partitions / warps;
  const int smem_per_block = round_up(smem_bytes + sm.smem_reserved_per_block, sm.smem_alloc_unit);
  o.blocks_by_smem = sm.smem_per_sm / smem_per_block;
  o.blocks_by_threads = max_warps / warps;
  o.blocks_per_sm = std::min({o.blocks_by_regs, o.blocks_by_smem, o.blocks_by_threads, sm.max_blocks});
  if (o.blocks_per_sm == 0) {
    o.why_zero = o.blocks_by_regs == 0 ? "registers" : "shared memory";
    o.limiter = o.blocks_by_regs == 0 ? OccupancyLimiter::registers : OccupancyLimiter::shared_memory;
    return o;
  }
  // The limiter is the resource that binds (ties: registers, then smem, then threads, then blocks).
  if (o.blocks_per_sm == o.blocks_by_regs) o.limiter = OccupancyLimiter::registers;
  else if (o.blocks_per_sm == o.blocks_by_smem) o.limiter = OccupancyLimiter::shared_memory;
  else if (o.blocks_per_sm == o.blocks_by_threads) o.limiter = OccupancyLimiter::threads;
  else o.limiter = OccupancyLimiter::blocks;
  o.warps_per_sm = o.blocks_per_sm * warps;
  o.fraction = double(o.warps_per_sm) / max_warps;
  return o;
}

}  // namespace attnlab::profile
