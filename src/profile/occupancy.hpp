#pragma once
// Theoretical occupancy from the documented per-SM limits of each architecture (CUDA C++ Programming
// Guide, "Technical Specifications per Compute Capability"; the allocation rules of cuda_occupancy.h).
// The one table of per-SM limits in attnlab's profile code.
#include <string>

namespace attnlab::profile {

struct SmLimits {
  std::string arch;              // "sm_90a"
  int max_threads = 2048;        // resident threads per SM
  int max_blocks = 32;           // resident blocks per SM
  int registers = 65536;         // 32-bit registers per SM
  int max_regs_per_thread = 255;
  int reg_alloc_unit = 256;      // registers are allocated per warp in units of this many
  int sub_partitions = 4;        // register file split across the SM's 4 schedulers
  int smem_per_sm = 0;           // bytes of shared memory per SM (carve-out max)
  int smem_per_block_optin = 0;  // bytes a block may opt in to
  int smem_reserved_per_block = 1024;  // the driver reserves 1 KB per block (sm_80+)
  int smem_alloc_unit = 128;
  static SmLimits for_arch(const std::string& arch);  // sm_80/86/87/89/90/90a; UserError otherwise
};

enum class OccupancyLimiter { registers, shared_memory, threads, blocks, none };
const char* limiter_name(OccupancyLimiter l);

struct Occupancy {
  int blocks_per_sm = 0;   // 0: the block cannot run on this arch at all
  int warps_per_sm = 0;
  double fraction = 0;     // active warps / max warps
  OccupancyLimiter limiter = OccupancyLimiter::none;
  int blocks_by_regs = 0, blocks_by_smem = 0, blocks_by_threads = 0;
  std::string why_zero;    // when blocks_per_sm == 0
};

// threads: per block; smem_bytes: static + dynamic per block.
Occupancy theoretical_occupancy(const SmLimits& sm, int threads, int registers_per_thread, int smem_bytes);

}  // namespace attnlab::profile
