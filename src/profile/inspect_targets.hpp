#pragma once
// Builders of InspectTargets, one per kernel family: each compiles the family's configs (NVRTC, cached)
// and describes them with knobs. A new family adds a builder here and an entry in build_targets().
#include <string>
#include <vector>

#include "backends/custom/tile_config.hpp"
#include "core/dtype.hpp"
#include "profile/inspect.hpp"

namespace attnlab::profile {

struct InspectRequest {
  std::string arch = "sm_90a";
  int head_dim = 128;
  DType dtype = DType::bf16;
  std::vector<std::string> configs;  // names; empty: the default config of each family (or all, see below)
  bool all = false;                  // every valid config of the space
  std::string space = "default";     // "default" or "tuning" (the tuner's larger space)
  bool sass = true;                  // disassemble (instruction mix, dead knobs)
  std::string family;                // "sm80" | "sm90"; empty: every family the arch runs
};

// One family's configs (named ones of that family, its default, or --all of its space), compiled in parallel.
std::vector<InspectTarget> family_targets(const InspectRequest& req, Family family);
std::vector<InspectTarget> sm80_targets(const InspectRequest& req);
// Every family's targets for the request.
std::vector<InspectTarget> build_targets(const InspectRequest& req);

// Builds, inspects and finds dead knobs: what `attnlab inspect` prints.
InspectReport run_inspect(const InspectRequest& req);

}  // namespace attnlab::profile
