#include "backends/custom/tile_config.hpp"

#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/problem.hpp"

namespace attnlab {

ArchLimits ArchLimits::for_arch(const std::string& arch) {
  // cudaDevProp::sharedMemPerBlockOptin per compute capability (CUDA programming guide, table 21).
  static const std::map<std::string, int> optin = {{"sm_80", 166912}, {"sm_86", 101376}, {"sm_87", 166912},
                                                   {"sm_89", 101376}, {"sm_90", 232448}, {"sm_90a", 232448}};
  auto it = optin.find(arch);
  if (it == optin.end()) throw UserError("unsupported arch '" + arch + "' (supported: sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a)");
  return {arch, it->second};
}

std::string TileConfig::name() const {
  return fmt::format("m{}n{}w{}s{}-{}-{}", block_m, block_n, num_warps, stages, swizzle ? "swz" : "pad",
                     q_in_regs ? "qreg" : "qsm");
}

TileConfig TileConfig::parse(const std::string& text) {
  static const std::regex named(R"(m(\d+)n(\d+)w(\d+)s(\d+)-(swz|pad)-(qreg|qsm))");
  std::smatch m;
  TileConfig c;
  if (std::regex_match(text, m, named)) {
    c.block_m = std::stoi(m[1]);
    c.block_n = std::stoi(m[2]);
    c.num_warps = std::stoi(m[3]);
    c.stages = std::stoi(m[4]);
    c.swizzle = m[5] == "swz";
    c.q_in_regs = m[6] == "qreg";
    return c;
  }
  std::stringstream ss(text);
  std::string item;
  bool any = false;
  while (std::getline(ss, item, ',')) {
    auto eq = item.find('=');
    if (eq == std::string::npos) break;
    std::string key = item.substr(0, eq), val = item.substr(eq + 1);
    int v = 0;
    try {
      size_t used = 0;
      v = std::stoi(val, &used);
      if (used != val.size()) throw std::invalid_argument(val);
    } catch (const std::exception&) {
      throw UserError(fmt::format("config '{}': value '{}' of {} is not an integer", text, val, key));
    }
    if (key == "block_m") c.block_m = v;
    else if (key == "block_n") c.block_n = v;
    else if (key == "num_warps") c.num_warps = v;
    else if (key == "stages") c.stages = v;
    else if (key == "swizzle") c.swizzle = v != 0;
    else if (key == "q_in_regs") c.q_in_regs = v != 0;
    else throw UserError(fmt::format("config '{}': unknown knob '{}' (block_m, block_n, num_warps, stages, swizzle, q_in_regs)", text, key));
    any = true;
  }
  if (!any)
    throw UserError(fmt::format("cannot parse config '{}' (expected e.g. m128n64w4s2-swz-qsm or block_m=128,block_n=64)", text));
  return c;
}

int TileConfig::smem_bytes(int head_dim) const {
  const int row = swizzle ? head_dim : head_dim + 8;
  return 2 * (block_m * row + 2 * stages * block_n * row);
}

int TileConfig::accumulator_registers(int head_dim) const {
  const int m_tiles = block_m / (16 * num_warps);
  return m_tiles * head_dim / 2 + m_tiles * block_n / 2 + (q_in_regs ? m_tiles * head_dim / 4 : 0);
}

std::string TileConfig::constraint_violation(int head_dim, const ArchLimits& limits) const {
  if (!is_supported_head_dim(head_dim)) return fmt::format("unsupported head dim {}", head_dim);
  if (num_warps != 4 && num_warps != 8) return "num_warps must be 4 or 8";
  if (block_m % (16 * num_warps) != 0) return fmt::format("block_m {} must be a multiple of 16*num_warps", block_m);
  if (block_m / (16 * num_warps) > 2) return "more than 2 m16 tiles per warp does not fit in registers";
  if (block_n < 16 || block_n % 16 != 0 || block_n > 256) return "block_n must be a multiple of 16 in [16, 256]";
  if (stages < 2 || stages > 4) return "stages must be 2..4";
  if ((block_n * head_dim / 8) % threads() != 0 || (block_m * head_dim / 8) % threads() != 0)
    return "tile loads must split evenly over the threads";
  // Above ~200 live fp32 accumulators per thread ptxas spills (255-register cap minus addressing).
  if (accumulator_registers(head_dim) > 200)
    return fmt::format("needs ~{} accumulator registers per thread (> 200)", accumulator_registers(head_dim));
  if (smem_bytes(head_dim) > limits.smem_optin)
    return fmt::format("needs {} B shared memory, {} allows {}", smem_bytes(head_dim), limits.arch, limits.smem_optin);
  return {};
}

std::string TileConfig::instantiation(DType dtype, int head_dim) const {
  return fmt::format("attnlab::sm80::FlashConfig<{}, {}, {}, {}, {}, {}, {}, {}>",
                     dtype == DType::bf16 ? "true" : "false", head_dim, block_m, block_n, num_warps, stages,
                     swizzle ? "true" : "false", q_in_regs ? "true" : "false");
}

std::vector<TileConfig> full_space(const KnobValues& k) {
  std::vector<TileConfig> out;
  for (int bm : k.block_m)
    for (int bn : k.block_n)
      for (int w : k.num_warps)
        for (int s : k.stages)
          for (bool swz : k.swizzle)
            for (bool qr : k.q_in_regs) out.push_back({bm, bn, w, s, swz, qr});
  return out;
}

std::vector<TileConfig> valid_space(int head_dim, const ArchLimits& limits, const KnobValues& knobs) {
  std::vector<TileConfig> out;
  for (auto& c : full_space(knobs))
    if (c.constraint_violation(head_dim, limits).empty()) out.push_back(c);
  return out;
}

TileConfig default_config(int head_dim, const ArchLimits& limits) {
  // Preference per head dim: the fastest non-spilling tile measured on the H100 (docs/perf-notes.md),
  // then smaller tiles for architectures with less shared memory.
  std::vector<const char*> prefs;
  if (head_dim == 64) prefs = {"m128n64w4s2-swz-qsm", "m64n64w4s2-swz-qsm"};
  else if (head_dim == 128) prefs = {"m128n64w4s2-swz-qsm", "m64n64w4s2-swz-qsm", "m64n32w4s2-swz-qsm"};
  else prefs = {"m128n64w8s2-swz-qsm", "m64n64w4s2-swz-qsm", "m64n32w4s2-swz-qsm"};
  for (const char* name : prefs) {
    TileConfig c = TileConfig::parse(name);
    if (c.constraint_violation(head_dim, limits).empty()) return c;
  }
  auto space = valid_space(head_dim, limits);
  if (space.empty()) throw UserError(fmt::format("no valid tile config for d={} on {}", head_dim, limits.arch));
  return space.front();
}

}  // namespace attnlab
