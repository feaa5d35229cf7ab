#include "profile/occupancy.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/arch.hpp"

namespace attnlab::profile {

namespace {
int round_up(int x, int unit) { return (x + unit - 1) / unit * unit; }
}  // namespace

SmLimits SmLimits::for_arch(const std::string& arch) {
  const ArchInfo& a = arch_info(arch);  // core/arch.hpp: the one table
  SmLimits s;
  s.arch = arch;
  s.max_threads = a.max_threads_per_sm;
  s.max_blocks = a.max_blocks_per_sm;
  s.smem_per_sm = a.smem_per_sm;
  s.smem_per_block_optin = a.smem_per_block_optin;
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
