#pragma once
// The tile configuration of the custom kernel families as a runtime value: naming, parsing, knobs,
// resource estimates, validity constraints per architecture, and the search spaces. Each family
// (family_sm80.cpp, family_sm90.cpp) declares its knobs, constraints and instantiation in one place;
// this file dispatches to it.
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.hpp"

namespace attnlab {

// sm80: FlashAttention-2 style (mma.sync, ldmatrix, cp.async), runs on sm_80 and newer.
// sm90: FlashAttention-3 style (wgmma, TMA, warp specialisation), sm_90a only.
enum class Family { sm80, sm90 };
std::string family_name(Family f);         // "sm80", "sm90"
Family parse_family(const std::string& s);  // UserError otherwise
std::vector<Family> all_families();

// Limits of a target architecture that decide whether a config can run there.
struct ArchLimits {
  std::string arch;        // "sm_90a"
  int smem_optin = 0;      // bytes of dynamic shared memory a block may opt in to
  static ArchLimits for_arch(const std::string& arch);  // table for sm_80/86/87/89/90/90a; UserError otherwise
  bool has_wgmma() const { return arch == "sm_90a"; }
  // The family used when none is named: sm90 where wgmma exists, else sm80.
  Family best_family() const { return has_wgmma() ? Family::sm90 : Family::sm80; }
};

struct TileConfig {
  Family family = Family::sm80;
  int block_m = 128;       // query rows per CTA (sm90: 64 per consumer warpgroup)
  int block_n = 64;        // keys per mainloop iteration
  int num_warps = 4;       // sm80: warps splitting the rows
  int stages = 2;          // K/V shared-memory stages
  bool swizzle = true;     // sm80: XOR-swizzled smem rows (else padded rows)
  bool q_in_regs = false;  // sm80: Q fragments kept in registers for the whole mainloop
  bool pingpong = true;    // sm90: consumer warpgroups take turns issuing GEMMs
  bool overlap = true;     // sm90: softmax overlapped with the previous block's P*V GEMM
  bool persistent = false; // sm90: grid = resident CTAs looping over tiles
  int cluster = 1;         // sm90: CTAs per thread-block cluster (2: adjacent m-blocks share K/V loads by TMA multicast)

  // sm80 "m128n64w4s2-swz-qsm"; sm90 "sm90-m128n128s2-pp-ov-pers" (nopp / noov / grid when off; "-c2" appended
  // for a 2-CTA cluster, nothing for none).
  std::string name() const;
  // Accepts name() output of either family, or "key=value,..." (family=sm80|sm90, then the family's knobs;
  // any subset, rest default). UserError on anything else.
  static TileConfig parse(const std::string& text);

  int threads() const;
  int smem_bytes(int head_dim) const;
  // Per-thread fp32 accumulators (+ Q / P fragments): what drives register pressure.
  int accumulator_registers(int head_dim) const;
  // Empty when this config compiles and fits for head_dim on the arch; else a one-line reason.
  std::string constraint_violation(int head_dim, const ArchLimits& limits) const;
  // "attnlab::sm80::FlashConfig<true, 128, 128, 64, 4, 2, true, false>"
  std::string instantiation(DType dtype, int head_dim) const;

  bool operator==(const TileConfig&) const = default;
};

// One knob of a family: its name and where it lives in TileConfig (bools as 0/1).
struct KnobDef {
  const char* name;
  int TileConfig::*int_field = nullptr;
  bool TileConfig::*bool_field = nullptr;
  int get(const TileConfig& c) const { return int_field ? c.*int_field : int(c.*bool_field); }
  void set(TileConfig& c, int v) const {
    if (int_field) c.*int_field = v;
    else c.*bool_field = v != 0;
  }
  bool is_bool() const { return bool_field != nullptr; }
};
const std::vector<KnobDef>& family_knobs(Family f);

// The values each knob of a family takes in a space: `values[k]` for family_knobs(family)[k].
struct KnobValues {
  Family family = Family::sm80;
  std::vector<std::vector<int>> values;
  KnobValues();  // the sm80 default space
  KnobValues(Family f, std::vector<std::vector<int>> v) : family(f), values(std::move(v)) {}
  // The default space (what `attnlab check`, `micro` and CI compile cover) and the larger tuning space.
  static KnobValues defaults(Family f);
  static KnobValues tuning(Family f = Family::sm80);
  static KnobValues of(Family f, const std::string& space);  // "default" | "tuning"
};

// Every combination of the knob values (valid or not).
std::vector<TileConfig> full_space(const KnobValues& knobs = {});
// The configs of full_space() that satisfy the constraints for (head_dim, arch), in a stable order.
std::vector<TileConfig> valid_space(int head_dim, const ArchLimits& limits, const KnobValues& knobs = {});
// The default config of a family per head dim: the fastest measured on the H100 (docs/perf-notes.md),
// then smaller tiles for architectures with less shared memory. Without a family: limits.best_family().
// Without a problem, for keys of kDefaultSeqlen (the tuning target's length).
inline constexpr int64_t kDefaultSeqlen = 4096;
TileConfig default_config(int head_dim, const ArchLimits& limits);
TileConfig default_config(int head_dim, const ArchLimits& limits, Family f, bool causal = false,
                          int64_t seqlen_k = kDefaultSeqlen);

// The default for a whole problem: the family's default for its head dim, mask and key length, except
// that a problem with fewer tiles than the GPU has SMs gets the family's preferred config with the fewest
// rows per tile (more CTAs: on the H100 the seed shape B=1 H=8 S=512 d=64 runs 9.2 us with 64-row sm90
// tiles, 12.5 us with 192-row ones).
struct AttnProblem;
TileConfig default_config_for(const AttnProblem& p, const ArchLimits& limits, Family f, int sm_count);

// A --configs list: comma-separated config names, where consecutive key=value items form one config
// ("m64n64w4s2-swz-qsm,block_m=128,block_n=32" is two configs). UserError on an empty item.
std::vector<std::string> split_config_list(const std::string& text);

}  // namespace attnlab
