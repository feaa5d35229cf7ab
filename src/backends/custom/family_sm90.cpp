// The sm90 family (kernels/sm90/): FlashAttention-3 style for sm_90a — wgmma, TMA into a multi-stage
// ring completed on mbarriers, a producer warpgroup and 1..3 consumer warpgroups with setmaxnreg.
#include <regex>

#include <fmt/format.h>

#include "backends/custom/family.hpp"
#include "backends/custom/sm90_knobs.hpp"
#include "core/error.hpp"
#include "core/problem.hpp"

namespace attnlab {

namespace {

using sm90_family::Knobs;


int consumers(const Knobs& c) { return c.block_m / 64; }

// "-c2" only for a cluster, so names of configs without one are those from before the knob existed.
std::string name(const TileConfig& cfg) {
  const Knobs c(cfg);
  return fmt::format("sm90-m{}n{}s{}-{}-{}-{}{}", c.block_m, c.block_n, c.stages, c.pingpong ? "pp" : "nopp",
                     c.overlap ? "ov" : "noov", c.persistent ? "pers" : "grid",
                     c.cluster == 1 ? "" : fmt::format("-c{}", c.cluster));
}

std::optional<std::vector<int>> parse_name(const std::string& text) {
  static const std::regex named(R"(sm90-m(\d+)n(\d+)s(\d+)-(pp|nopp)-(ov|noov)-(pers|grid)(?:-c(\d+))?)");
  std::smatch m;
  if (!std::regex_match(text, m, named)) return std::nullopt;
  if (m[7].matched && m[7] == "1") return std::nullopt;  // no cluster has no suffix: one name per config
  return std::vector<int>{knob_value(text, m[1]), knob_value(text, m[2]), knob_value(text, m[3]), m[4] == "pp",
                          m[5] == "ov",           m[6] == "pers",         m[7].matched ? knob_value(text, m[7]) : 1};
}

std::string arch_problem(const ArchLimits& limits) {
  return limits.has_wgmma() ? "" : fmt::format("the sm90 family needs sm_90a (wgmma, TMA), not {}", limits.arch);
}

int threads(const TileConfig& c) { return 128 * (consumers(Knobs(c)) + 1); }
int tile_rows(const TileConfig& c) { return Knobs(c).block_m; }
int tile_cols(const TileConfig& c) { return Knobs(c).block_n; }

// kernels/sm90/tile_config.cuh kSmemBytes: 1 KB alignment slack + 1 KB barriers + Q x kQBuffers (two when
// persistent) + STAGES x (K + V).
int smem_bytes(const TileConfig& cfg, int head_dim) {
  const Knobs c(cfg);
  const int q_buffers = c.persistent ? 2 : 1;
  return 2048 + 2 * head_dim * (q_buffers * c.block_m + 2 * c.stages * c.block_n);
}

// One consumer thread: O (d/2 fp32) + S (BLOCK_N/2 fp32) + P (BLOCK_N/4 packed).
int accumulator_registers(const TileConfig& cfg, int head_dim) {
  const Knobs c(cfg);
  return head_dim / 2 + c.block_n / 2 + c.block_n / 4;
}

// Registers per consumer thread after setmaxnreg (kernels/sm90/tile_config.cuh kConsumerRegs).
int consumer_register_budget(const Knobs& c) { return consumers(c) == 1 ? 255 : consumers(c) == 2 ? 232 : 160; }  // kConsumerRegs

std::string constraint_violation(const TileConfig& cfg, int head_dim, const ArchLimits& limits) {
  if (auto why = arch_problem(limits); !why.empty()) return why;
  const Knobs c(cfg);
  if (!is_supported_head_dim(head_dim)) return fmt::format("unsupported head dim {}", head_dim);
  if (c.block_m != 64 && c.block_m != 128 && c.block_m != 192)
    return "block_m must be 64, 128 or 192 (64 rows per consumer warpgroup)";
  if (c.block_n < 16 || c.block_n % 16 != 0 || c.block_n > 256) return "block_n must be a multiple of 16 in [16, 256]";
  if (c.stages < 2 || c.stages > 4) return "stages must be 2..4";
  if (c.pingpong && consumers(c) < 2) return "ping-pong needs two consumer warpgroups (block_m >= 128)";
  if (c.cluster != 1 && c.cluster != 2) return "cluster must be 1 or 2 (CTAs per thread-block cluster)";
  if (c.cluster > 1 && c.persistent)
    return "cluster=2 needs the grid scheduler (persistent=0): the two CTAs of a cluster take adjacent m-blocks of "
           "one head";
  // 24 registers of addressing, loop state and softmax statistics on top of the fragments.
  if (accumulator_registers(cfg, head_dim) + 24 > consumer_register_budget(c))
    return fmt::format("needs ~{} registers per consumer thread, setmaxnreg gives {}", accumulator_registers(cfg, head_dim) + 24,
                       consumer_register_budget(c));
  if (smem_bytes(cfg, head_dim) > limits.smem_optin)
    return fmt::format("needs {} B shared memory, {} allows {}", smem_bytes(cfg, head_dim), limits.arch, limits.smem_optin);
  return {};
}

std::string instantiation(const TileConfig& cfg, DType dtype, int head_dim) {
  const Knobs c(cfg);
  auto b = [](bool v) { return v ? "true" : "false"; };
  return fmt::format("attnlab::sm90::FlashConfig<{}, {}, {}, {}, {}, {}, {}, {}, {}>", b(dtype == DType::bf16), head_dim,
                     consumers(c), c.block_n, c.stages, b(c.pingpong), b(c.overlap), b(c.persistent), c.cluster);
}

// Measured on the H100 (docs/perf-notes.md "sm90 family" and v5, evidence/h100/tune_sm90/, evidence/h100/qbuf/,
// evidence/h100/dynsched/: every cell of the compare grid, grid vs persistent, one run each). Persistent CTAs (two Q
// buffers: the next tile's Q loads under the current one; causal tiles handed out dynamically) win where tiles are
// short or many; one CTA per tile still wins on the longest causal rows (the hardware scheduler's tail is shorter)
// and at d=256, where 128-row tiles leave no room for a second Q buffer. d=64: three consumer warpgroups (192 rows)
// except short causal rows; d=256: 128x64 (shared-memory limit). The last entry, with 64-row tiles, is what
// default_config_for() picks for grids of fewer tiles than SMs.
std::vector<const char*> default_prefs(int head_dim, bool causal, int64_t seqlen_k) {
  if (head_dim == 64) {
    // Short causal rows are DRAM-bound: four stages keep more loads in flight (S=512: 232 vs 224 TFLOP/s).
    if (causal && seqlen_k <= 1024) return {"sm90-m128n128s4-pp-ov-pers", "sm90-m64n128s2-nopp-ov-grid"};
    if (seqlen_k <= (causal ? 8192 : 1024)) return {"sm90-m192n128s2-pp-ov-pers", "sm90-m64n128s2-nopp-ov-grid"};
    return {"sm90-m192n128s2-pp-ov-grid", "sm90-m128n128s2-pp-ov-grid", "sm90-m64n128s2-nopp-ov-grid"};
  }
  if (head_dim == 128) {
    if (!causal || seqlen_k <= 4096) return {"sm90-m128n128s2-pp-ov-pers", "sm90-m64n128s2-nopp-ov-grid"};
    return {"sm90-m128n128s2-pp-ov-grid", "sm90-m64n128s2-nopp-ov-grid"};
  }
  return {"sm90-m128n64s2-pp-ov-grid", "sm90-m64n64s2-nopp-ov-grid"};
}

}  // namespace

const FamilySpec& sm90_family_spec() {
  static const FamilySpec spec{
      "sm90",
      2,
      // name, base value (a config given as key=value starts here: sm90-m128n64s2-pp-ov-grid), 0/1 switch
      {{"block_m", 128}, {"block_n", 64}, {"stages", 2}, {"pingpong", 1, true}, {"overlap", 1, true},
       {"persistent", 0, true}, {"cluster", 1}},
      // cluster: 2-CTA clusters are in the tuning space only until an H100 run measured them (docs/perf-notes.md).
      {{64, 128, 192}, {64, 128}, {2}, {1, 0}, {1, 0}, {0, 1}, {1}},
      {{64, 128, 192}, {64, 80, 96, 112, 128, 144, 160, 176, 192}, {2, 3}, {1, 0}, {1, 0}, {0, 1}, {1, 2}},
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
      "sm90/flash_fwd_kernel.cuh",
      "attnlab::sm90::flash_fwd",
      "Sm90FwdParams",
      1,
      default_prefs};
  return spec;
}

}  // namespace attnlab
