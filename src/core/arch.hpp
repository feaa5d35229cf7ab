#pragma once
// The one table of architecture facts attnlab uses (CUDA programming guide, "Compute capabilities" table;
// cudaDeviceProp on the H100/H200 for sm_90): per-block and per-SM shared memory, SM residency limits, and the
// instruction sets a kernel family may need. ArchLimits (the kernels' constraints), SmLimits (occupancy) and
// the families' arch checks all read it.
#include <string>
#include <vector>

namespace attnlab {

struct ArchInfo {
  std::string name;          // "sm_90a"
  int smem_per_block_optin;  // bytes of dynamic shared memory a block may opt in to
  int smem_per_sm;           // bytes of shared memory per SM (carve-out maximum)
  int max_threads_per_sm;
  int max_blocks_per_sm;
  bool wgmma_tma;            // wgmma, TMA bulk tensor copies, setmaxnreg: sm_90a's arch-specific features
};

// UserError naming the supported ones for anything else.
const ArchInfo& arch_info(const std::string& arch);
const std::vector<ArchInfo>& known_archs();
std::string known_arch_names();  // "sm_80, sm_86, ..."

}  // namespace attnlab
