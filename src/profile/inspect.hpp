#pragma once
// `attnlab inspect`: what the compiler made of each config, without a GPU. Works on InspectTargets, a
// family-agnostic view of one compiled kernel (name, family, knobs, cubin + ptxas log, launch shape), so
// every kernel family plugs in through a builder (inspect_targets.hpp) and the analysis stays the same.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "profile/occupancy.hpp"
#include "profile/sass.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab::profile {

struct InspectTarget {
  std::string name;                   // "m128n64w4s2-swz-qsm"
  std::string family;                 // "sm80"
  std::map<std::string, int> knobs;   // every knob of the family with its value (bools as 0/1)
  CompiledKernel kernel;              // cubin + ptxas log (resources parsed)
  int dyn_smem = 0;                   // dynamic shared memory bytes per block at launch
  int threads = 0;                    // threads per block
};

// One ptxas / NVRTC warning: code "C7511" (ptxas) or "#177-D" (front end), else empty.
struct CompilerWarning {
  std::string code;
  std::string text;
};
std::vector<CompilerWarning> parse_compiler_warnings(const std::string& log);
// What a ptxas warning code means for performance ("wgmma serialized"); empty for codes not worth a flag.
std::string warning_flag(const std::string& code);

struct InspectRow {
  std::string name, family;
  std::map<std::string, int> knobs;
  KernelResources resources;
  int dyn_smem = 0, threads = 0;
  Occupancy occupancy;
  std::vector<CompilerWarning> warnings;
  bool has_sass = false;
  InstructionMix mix;
  std::string sass_hash;               // normalized_sass_hash(); empty without SASS
  std::vector<std::string> flags;      // "spills 36 B", "C7511 wgmma serialized", ...
  int smem_total() const { return resources.static_smem + dyn_smem; }
  bool spills() const { return resources.spill_stores > 0 || resources.spill_loads > 0; }
};

// sass: the disassembly of t.kernel.cubin, or empty when none could be made (no mix, no hash).
InspectRow inspect_row(const InspectTarget& t, const SmLimits& sm, const std::string& sass);
// Disassembles (unless with_sass is false) and inspects each target.
std::vector<InspectRow> inspect_targets(const std::vector<InspectTarget>& targets, const SmLimits& sm, bool with_sass,
                                        std::string* sass_error = nullptr);

// Two configs of one family that differ in exactly one knob and compiled to identical SASS.
struct DeadKnobPair {
  std::string knob, a, b;  // the knob and the two configs' names
};
struct KnobVerdict {
  std::string knob;
  int pairs = 0;      // pairs of configs differing only in this knob
  int identical = 0;  // of which compiled to identical SASS
  bool dead() const { return pairs > 0 && identical == pairs; }
};
struct DeadKnobs {
  std::vector<DeadKnobPair> pairs;
  std::vector<KnobVerdict> knobs;  // per (family) knob, sorted by name
};
DeadKnobs find_dead_knobs(const std::vector<InspectRow>& rows);

struct InspectReport {
  std::string arch, dtype, disassembler;
  int head_dim = 0;
  std::vector<InspectRow> rows;
  DeadKnobs dead;
  std::string sass_error;  // why there is no SASS, when there is none
};
void print_report(const InspectReport& r, std::FILE* out);
nlohmann::json to_json(const InspectReport& r);

}  // namespace attnlab::profile
