// The sm80 family (kernels/sm80/): FlashAttention-2 style, mma.sync + ldmatrix + cp.async.
#include <regex>

#include <fmt/format.h>

#include "backends/custom/family.hpp"
#include "backends/custom/sm80_knobs.hpp"
#include "core/error.hpp"
#include "core/problem.hpp"

namespace attnlab {

namespace {

using sm80_family::Knobs;


std::string name(const TileConfig& cfg) {
  const Knobs c(cfg);
  return fmt::format("m{}n{}w{}s{}-{}-{}", c.block_m, c.block_n, c.num_warps, c.stages, c.swizzle ? "swz" : "pad",
                     c.q_in_regs ? "qreg" : "qsm");
}

std::optional<std::vector<int>> parse_name(const std::string& text) {
  static const std::regex named(R"(m(\d+)n(\d+)w(\d+)s(\d+)-(swz|pad)-(qreg|qsm))");
  std::smatch m;
  if (!std::regex_match(text, m, named)) return std::nullopt;
  return std::vector<int>{knob_value(text, m[1]), knob_value(text, m[2]), knob_value(text, m[3]),
                          knob_value(text, m[4]), m[5] == "swz",          m[6] == "qreg"};
}

std::string arch_problem(const ArchLimits&) { return {}; }  // every arch of the table is sm_80+

int threads(const TileConfig& c) { return Knobs(c).num_warps * 32; }
int tile_rows(const TileConfig& c) { return Knobs(c).block_m; }
int tile_cols(const TileConfig& c) { return Knobs(c).block_n; }

int smem_bytes(const TileConfig& cfg, int head_dim) {
  const Knobs c(cfg);
  const int row = c.swizzle ? head_dim : head_dim + 8;  // kernels/sm80/tile_config.cuh kRowElems
  return 2 * (c.block_m * row + 2 * c.stages * c.block_n * row);
}

int accumulator_registers(const TileConfig& cfg, int head_dim) {
  const Knobs c(cfg);
  const int m_tiles = c.block_m / (16 * c.num_warps);
  return m_tiles * head_dim / 2 + m_tiles * c.block_n / 2 + (c.q_in_regs ? m_tiles * head_dim / 4 : 0);
}

// The tile limits kernels/sm80/tile_config.cuh asserts, and the resource limits the device cannot check.
std::string constraint_violation(const TileConfig& cfg, int head_dim, const ArchLimits& limits) {
  const Knobs c(cfg);
  if (!is_supported_head_dim(head_dim)) return fmt::format("unsupported head dim {}", head_dim);
  if (c.num_warps != 4 && c.num_warps != 8) return "num_warps must be 4 or 8";
  if (c.block_m % (16 * c.num_warps) != 0) return fmt::format("block_m {} must be a multiple of 16*num_warps", c.block_m);
  if (c.block_m / (16 * c.num_warps) > 2) return "more than 2 m16 tiles per warp does not fit in registers";
  if (c.block_n < 16 || c.block_n % 16 != 0 || c.block_n > 256) return "block_n must be a multiple of 16 in [16, 256]";
  if (c.stages < 2 || c.stages > 4) return "stages must be 2..4";
  if ((c.block_n * head_dim / 8) % threads(cfg) != 0 || (c.block_m * head_dim / 8) % threads(cfg) != 0)
    return "tile loads must split evenly over the threads";
  // Above ~200 live fp32 accumulators per thread ptxas spills (255-register cap minus addressing).
  if (accumulator_registers(cfg, head_dim) > 200)
    return fmt::format("needs ~{} accumulator registers per thread (> 200)", accumulator_registers(cfg, head_dim));
  if (smem_bytes(cfg, head_dim) > limits.smem_optin)
    return fmt::format("needs {} B shared memory, {} allows {}", smem_bytes(cfg, head_dim), limits.arch, limits.smem_optin);
  return {};
}

std::string instantiation(const TileConfig& cfg, DType dtype, int head_dim) {
  const Knobs c(cfg);
  return fmt::format("attnlab::sm80::FlashConfig<{}, {}, {}, {}, {}, {}, {}, {}>", dtype == DType::bf16 ? "true" : "false",
                     head_dim, c.block_m, c.block_n, c.num_warps, c.stages, c.swizzle ? "true" : "false",
                     c.q_in_regs ? "true" : "false");
}

std::vector<const char*> default_prefs(int head_dim, bool /*causal*/, int64_t /*seqlen_k*/) {
  // The fastest non-spilling tile measured on the H100 (docs/perf-notes.md), then smaller tiles for
  // architectures with less shared memory.
  if (head_dim == 64) return {"m128n64w4s2-swz-qsm", "m64n64w4s2-swz-qsm"};
  if (head_dim == 128) return {"m128n64w4s2-swz-qsm", "m64n64w4s2-swz-qsm", "m64n32w4s2-swz-qsm"};
  return {"m128n64w8s2-swz-qsm", "m64n64w4s2-swz-qsm", "m64n32w4s2-swz-qsm"};
}

}  // namespace

const FamilySpec& sm80_family_spec() {
  static const FamilySpec spec{
      "sm80",
      1,
      // name, base value (a config given as key=value starts here: m128n64w4s2-swz-qsm), 0/1 switch
      {{"block_m", 128}, {"block_n", 64}, {"num_warps", 4}, {"stages", 2}, {"swizzle", 1, true}, {"q_in_regs", 0, true}},
      // default space; tuning adds BLOCK_M 256 (8 warps x 32 rows), non-power-of-two BLOCK_N, 4 stages
      {{64, 128}, {32, 64, 128}, {4, 8}, {2, 3}, {1, 0}, {0, 1}},
      {{64, 128, 256}, {32, 48, 64, 80, 96, 112, 128}, {4, 8}, {2, 3, 4}, {1, 0}, {0, 1}},
      name,
      parse_name,
      arch_problem,
      threads,
      smem_bytes,
      tile_rows,
      tile_cols,
      accumulator_registers,
      constraint_violation,
      instantiation,
      "sm80/flash_fwd_kernel.cuh",
      "attnlab::sm80::flash_fwd",
      "FlashFwdParams",
      0,
      default_prefs};
  return spec;
}

}  // namespace attnlab
