#pragma once
// The tile configuration of the custom kernel family as a runtime value: naming, parsing, resource
// estimates, validity constraints per architecture, the search space, and the one place where a runtime
// config becomes template arguments (instantiation()).
#include <string>
#include <vector>

#include "core/dtype.hpp"

namespace attnlab {

// Limits of a target architecture that decide whether a config can run there.
struct ArchLimits {
  std::string arch;        // "sm_90a"
  int smem_optin = 0;      // bytes of dynamic shared memory a block may opt in to
  static ArchLimits for_arch(const std::string& arch);  // table for sm_80/86/87/89/90/90a; UserError otherwise
};

struct TileConfig {
  int block_m = 128;
  int block_n = 64;
  int num_warps = 4;
  int stages = 2;
  bool swizzle = true;     // XOR-swizzled smem rows (else padded rows)
  bool q_in_regs = false;  // Q fragments kept in registers for the whole mainloop

  // "m128n64w4s2-swz-qsm": block_m, block_n, warps, stages, smem layout (swz|pad), Q (qreg|qsm).
  std::string name() const;
  // Accepts name() output or "block_m=128,block_n=64,num_warps=4,stages=2,swizzle=1,q_in_regs=0"
  // (any subset, rest default). UserError on anything else.
  static TileConfig parse(const std::string& text);

  int threads() const { return num_warps * 32; }
  int smem_bytes(int head_dim) const;
  // Per-thread fp32 accumulators + Q fragments: what drives register pressure.
  int accumulator_registers(int head_dim) const;
  // Empty when this config compiles and fits for head_dim on the arch; else a one-line reason.
  std::string constraint_violation(int head_dim, const ArchLimits& limits) const;
  // "attnlab::sm80::FlashConfig<true, 128, 128, 64, 4, 2, true, false>"
  std::string instantiation(DType dtype, int head_dim) const;

  bool operator==(const TileConfig&) const = default;
};

// The default space (what `attnlab check`, `micro` and CI compile cover) and the larger tuning space.
struct KnobValues {
  std::vector<int> block_m{64, 128}, block_n{32, 64, 128}, num_warps{4, 8}, stages{2, 3};
  std::vector<bool> swizzle{true, false}, q_in_regs{false, true};
  // `attnlab tune`: also BLOCK_M 256 (8 warps x 32 rows), non-power-of-two BLOCK_N, 4 stages.
  static KnobValues tuning() {
    KnobValues k;
    k.block_m = {64, 128, 256};
    k.block_n = {32, 48, 64, 80, 96, 112, 128};
    k.stages = {2, 3, 4};
    return k;
  }
};

// Every combination of the knob values (valid or not).
std::vector<TileConfig> full_space(const KnobValues& knobs = {});
// The configs of full_space() that satisfy the constraints for (head_dim, arch), in a stable order.
std::vector<TileConfig> valid_space(int head_dim, const ArchLimits& limits, const KnobValues& knobs = {});
// A good starting point per head dim (FlashAttention-2's choices for sm80).
TileConfig default_config(int head_dim, const ArchLimits& limits);

}  // namespace attnlab
