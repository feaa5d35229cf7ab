#pragma once
// The tile configuration of the custom kernel families as a runtime value: naming, parsing, knobs,
// resource estimates, validity constraints per architecture, and the search spaces. Each family
// (family_sm80.cpp, family_sm90.cpp) declares its knobs, constraints and instantiation in one place;
// this file dispatches to it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.hpp"

namespace attnlab {

// A kernel family, by its place in the family registry (family.hpp; sm80 and sm90 are built in, a new family
// registers itself). sm80: FlashAttention-2 style (mma.sync, ldmatrix, cp.async), runs on sm_80 and newer.
// sm90: FlashAttention-3 style (wgmma, TMA, warp specialisation), sm_90a only.
struct Family {
  int id = 0;
  static const Family sm80, sm90;
  bool operator==(const Family&) const = default;
};
inline constexpr Family Family::sm80{0};
inline constexpr Family Family::sm90{1};
std::string family_name(Family f);         // "sm80", "sm90"
Family parse_family(const std::string& s);  // UserError otherwise
std::vector<Family> all_families();
std::string family_names();                 // "sm80, sm90"

// Limits of a target architecture that decide whether a config can run there (core/arch.hpp's table;
// smem_optin may come from the device instead).
struct ArchLimits {
  std::string arch;        // "sm_90a"
  int smem_optin = 0;      // bytes of dynamic shared memory a block may opt in to
  static ArchLimits for_arch(const std::string& arch);  // from the arch table; UserError for an unknown arch
  bool has_wgmma() const;  // wgmma, TMA, setmaxnreg (sm_90a)
  // The family used when none is named: the last registered one that runs here (sm90 on sm_90a, else sm80).
  Family best_family() const;
};

// A config: the family and one value per knob the family declares (bools as 0/1), in its order. What the
// knobs mean is the family's business (family_sm80.cpp, family_sm90.cpp); everyone else reads them by name.
struct TileConfig {
  Family family = Family::sm80;
  std::vector<int> knobs;  // one per family_knobs(family) entry

  TileConfig();  // the sm80 family's base config (m128n64w4s2-swz-qsm)
  explicit TileConfig(Family f);  // family f's base config
  TileConfig(Family f, std::vector<int> values);
  int knob(std::string_view name) const;          // std::logic_error when the family has no such knob
  TileConfig& set(std::string_view name, int value);
  bool has_knob(std::string_view name) const;

  // sm80 "m128n64w4s2-swz-qsm"; sm90 "sm90-m128n128s2-pp-ov-pers" (nopp / noov / grid when off; "-c2" appended
  // for a 2-CTA cluster, nothing for none).
  std::string name() const;
  // Accepts name() output of any family, or "key=value,..." (family=sm80|sm90, then the family's knobs;
  // any subset, rest the family's base). UserError on anything else.
  static TileConfig parse(const std::string& text);

  int threads() const;
  int smem_bytes(int head_dim) const;
  int tile_rows() const;  // query rows per tile (block_m for both built-in families)
  int tile_cols() const;  // keys per mainloop iteration (block_n)
  // Per-thread fp32 accumulators (+ Q / P fragments): what drives register pressure.
  int accumulator_registers(int head_dim) const;
  // Empty when this config compiles and fits for head_dim on the arch; else a one-line reason.
  std::string constraint_violation(int head_dim, const ArchLimits& limits) const;
  // "attnlab::sm80::FlashConfig<true, 128, 128, 64, 4, 2, true, false>"
  std::string instantiation(DType dtype, int head_dim) const;

  bool operator==(const TileConfig&) const = default;
};

// One knob of a family: its name, its value in the family's base config, and whether it is a 0/1 switch.
struct KnobDef {
  const char* name;
  int base = 0;
  bool is_bool = false;
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
