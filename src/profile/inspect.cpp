#include "profile/inspect.hpp"

#include <atomic>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"

namespace attnlab::profile {

// ptxas 13 reports its performance diagnostics as "ptxas info : (C7511) ..." (older releases: "ptxas warning");
// a coded ptxas line counts whatever its label, an uncoded one only when it says "warning".
std::vector<CompilerWarning> parse_compiler_warnings(const std::string& log) {
  static const std::regex ptxas(R"(ptxas\s+(?:warning|info)\s*:\s*\((C\d+)\)\s*(.*))"),
      coded(R"(warning\s*:\s*\((C\d+)\)\s*(.*))"), front(R"(warning\s*(#\d+-D)\s*:\s*(.*))"),
      any(R"(warning\s*:?\s*(.*))");
  std::vector<CompilerWarning> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, ptxas)) {
      out.push_back({m[1], m[2]});
      continue;
    }
    if (line.find("warning") == std::string::npos) continue;
    if (std::regex_search(line, m, coded) || std::regex_search(line, m, front)) out.push_back({m[1], m[2]});
    else if (std::regex_search(line, m, any)) out.push_back({"", m[1]});
  }
  return out;
}

std::string warning_flag(const std::string& code) {
  if (code == "C7511") return "wgmma serialized";      // wgmma.mma_async serialised: register pressure etc.
  if (code == "C7508") return "setmaxnreg ignored";    // register reallocation dropped
  if (code == "C7520") return "wgmma serialized (divergent path)";  // compiler-inserted warpgroup.arrive
  if (code == "C7509" || code == "C7510" || code == "C7519") return "wgmma pipeline warning";
  return {};
}

InspectRow inspect_row(const InspectTarget& t, const SmLimits& sm, const std::string& sass) {
  InspectRow r;
  r.name = t.name;
  r.family = t.family;
  r.knobs = t.knobs;
  r.resources = t.kernel.resources;
  r.dyn_smem = t.dyn_smem;
  r.threads = t.threads;
  r.occupancy = theoretical_occupancy(sm, t.threads, r.resources.registers, r.smem_total());
  r.warnings = parse_compiler_warnings(t.kernel.log);
  if (!sass.empty()) {
    r.has_sass = true;
    r.mix = count_instructions(sass);
    r.sass_hash = normalized_sass_hash(sass);
  }
  if (r.spills())
    r.flags.push_back(fmt::format("spills {} B st / {} B ld", r.resources.spill_stores, r.resources.spill_loads));
  if (r.has_sass && !r.spills() && r.mix.count("LDL") + r.mix.count("STL") > 0)
    r.flags.push_back("local memory without spills (stack array)");
  std::set<std::string> seen;
  for (const auto& w : r.warnings)
    if (auto f = warning_flag(w.code); !f.empty() && seen.insert(w.code).second) r.flags.push_back(w.code + " " + f);
  if (r.occupancy.blocks_per_sm == 0) r.flags.push_back("cannot launch: " + r.occupancy.why_zero);
  return r;
}

std::vector<InspectRow> inspect_targets(const std::vector<InspectTarget>& targets, const SmLimits& sm, bool with_sass,
                                        std::string* sass_error) {
  std::vector<InspectRow> rows(targets.size());
  std::vector<std::string> errors(targets.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < targets.size();) {
      std::string sass;
      if (with_sass) {
        try {
          sass = disassemble(targets[i].kernel.cubin);
        } catch (const UserError& e) {
          errors[i] = e.what();
        }
      }
      rows[i] = inspect_row(targets[i], sm, sass);
    }
  };
  std::vector<std::thread> pool;
  const unsigned n = std::min<unsigned>(std::max(1u, std::thread::hardware_concurrency()), unsigned(targets.size()));
  for (unsigned t = 0; t < n; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (sass_error)
    for (auto& e : errors)
      if (!e.empty()) {
        *sass_error = e;
        break;
      }
  return rows;
}

DeadKnobs find_dead_knobs(const std::vector<InspectRow>& rows) {
  DeadKnobs d;
  std::map<std::string, KnobVerdict> verdicts;  // "family/knob"
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = i + 1; j < rows.size(); ++j) {
      const InspectRow &a = rows[i], &b = rows[j];
      if (a.family != b.family || !a.has_sass || !b.has_sass || a.knobs.size() != b.knobs.size()) continue;
      std::string differing;
      int n_diff = 0;
      for (const auto& [k, v] : a.knobs) {
        auto it = b.knobs.find(k);
        if (it == b.knobs.end()) {
          n_diff = -1;
          break;
        }
        if (it->second != v) {
          ++n_diff;
          differing = k;
        }
      }
      if (n_diff != 1) continue;
      KnobVerdict& v = verdicts[a.family + "/" + differing];
      v.knob = differing;
      ++v.pairs;
      if (a.sass_hash == b.sass_hash) {
        ++v.identical;
        d.pairs.push_back({differing, a.name, b.name});
      }
    }
  for (auto& [key, v] : verdicts) d.knobs.push_back(v);
  return d;
}

}  // namespace attnlab::profile
