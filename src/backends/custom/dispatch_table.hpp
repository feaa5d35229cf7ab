#pragma once
// The dispatch table: which tile config serves which problem, as a campaign measured it (docs/dispatch.md,
// schema attnlab.dispatch/1). Host-only (families layer): `run`, `bench`, `compare` read it with --dispatch,
// and the exported library embeds it and looks configs up at run time the same way.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "backends/custom/tile_config.hpp"
#include "core/problem.hpp"

namespace attnlab {

// Inclusive range of a sequence length.
struct LengthRange {
  int64_t min = 1, max = INT32_MAX;
  bool contains(int64_t v) const { return v >= min && v <= max; }
};

struct DispatchEntry {
  DType dtype = DType::bf16;
  int head_dim = 128;
  bool causal = false;
  int gqa_ratio = 1;  // heads / heads_k
  LengthRange seqlen_q, seqlen_k;
  std::string config;          // the chosen tile config's name
  // As measured by the campaign in the same run, on `measured` (the bucket's representative problem):
  double tflops = 0, default_tflops = 0, best_peer_tflops = 0;
  std::string default_config, best_peer;  // e.g. "cudnn"
  AttnProblem measured;
};

struct DispatchTable {
  std::string arch;    // "sm_90a": the table is for one architecture
  std::string family;  // "sm90"
  nlohmann::json environment;  // GPU name and UUID, driver, NVRTC, commit of the campaign
  std::vector<DispatchEntry> entries;
};

// UserError "<where>: <field>: <reason>" on anything malformed (unknown schema version, a config of
// another family, overlapping ranges for the same key, ranges with min > max).
DispatchTable dispatch_from_json(const nlohmann::json& j, const std::string& where);
nlohmann::json to_json(const DispatchTable& t);
DispatchTable read_dispatch_file(const std::string& path);

// The entry whose (dtype, head dim, mask, GQA ratio) match and whose ranges hold the problem's lengths.
const DispatchEntry* find_dispatch(const DispatchTable& t, const AttnProblem& p);

// The config for a problem: the table's when an entry holds it, else the family's default for the problem
// (default_config_for) with `why` saying so ("no dispatch entry for ...: the sm90 default").
struct DispatchChoice {
  TileConfig config;
  const DispatchEntry* entry = nullptr;  // null: the fallback
  std::string note;
};
DispatchChoice choose_config(const DispatchTable& t, const AttnProblem& p, const ArchLimits& limits, int sm_count);

}  // namespace attnlab
