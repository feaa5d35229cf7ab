#include "export/runtime/selection.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "backends/custom/family.hpp"
#include "core/arch.hpp"
#include "core/error.hpp"

namespace attnlab {

namespace {
struct ArchNumber {
  int major = 0, minor = 0;
  bool specific = false;  // the 'a' suffix: arch-specific features, runs only on exactly that version
};
ArchNumber arch_number(const std::string& arch) {
  ArchNumber n;
  if (arch.rfind("sm_", 0) != 0 || arch.size() < 5) return n;
  const std::string digits = arch.substr(3, arch.back() == 'a' ? arch.size() - 4 : std::string::npos);
  if (digits.size() < 2 || digits.find_first_not_of("0123456789") != std::string::npos) return n;
  n.major = std::stoi(digits.substr(0, digits.size() - 1));
  n.minor = digits.back() - '0';
  n.specific = arch.back() == 'a';
  return n;
}
// Whether a GPU of `device` runs cubins built for `cubin` (SASS: same major, minor not newer; 'a' exact).
bool loads(const ArchNumber& device, const ArchNumber& cubin) {
  if (device.major == 0 || cubin.major != device.major || cubin.minor > device.minor) return false;
  return !cubin.specific || cubin.minor == device.minor;
}
}  // namespace

std::string arch_of_compute_capability(int major, int minor) {
  if (major == 9 && minor == 0) return "sm_90a";
  return fmt::format("sm_{}{}", major, minor);
}

std::string cubin_arch_for(const std::string& device_arch, const std::vector<std::string>& exported) {
  const ArchNumber d = arch_number(device_arch);
  std::string best;
  ArchNumber best_n;
  for (const auto& a : exported) {
    const ArchNumber c = arch_number(a);
    if (!loads(d, c)) continue;
    // exact first, then the newest minor; an arch-specific build beats the generic one of the same version
    if (best.empty() || c.minor > best_n.minor || (c.minor == best_n.minor && c.specific && !best_n.specific)) {
      best = a;
      best_n = c;
    }
  }
  return best;
}

std::vector<std::string> served_archs(const std::string& cubin_arch) {
  std::vector<std::string> out;
  for (const auto& info : known_archs()) {
    const ArchNumber d = arch_number(info.name);
    // only the names a GPU is given at run time (9.0 is sm_90a, never sm_90)
    if (arch_of_compute_capability(d.major, d.minor) == info.name && loads(d, arch_number(cubin_arch)))
      out.push_back(info.name);
  }
  return out;
}

Family export_family(const DispatchTable& t, const ArchLimits& limits) {
  const Family f = parse_family(t.family);
  return family_spec(f).arch_problem(limits).empty() ? f : limits.best_family();
}

DispatchChoice choose_exported_config(const DispatchTable& t, const AttnProblem& p, const std::string& device_arch,
                                      int sm_count) {
  const ArchLimits limits = ArchLimits::for_arch(device_arch);
  if (device_arch == t.arch) return choose_config(t, p, limits, sm_count);
  const Family f = export_family(t, limits);
  const TileConfig c = default_config_for(p, limits, f, sm_count);
  return {c, nullptr, fmt::format("the dispatch table is for {}: the {} default {} on {}", t.arch, family_name(f),
                                  c.name(), device_arch)};
}

std::vector<TileConfig> fallback_configs(const DispatchTable& t, const std::string& device_arch, int head_dim) {
  const ArchLimits limits = ArchLimits::for_arch(device_arch);
  const Family f = export_family(t, limits);
  std::vector<TileConfig> out;
  auto add = [&](const TileConfig& c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  for (bool causal : {false, true})
    for (int64_t pow = 1; pow <= kMaxSeqlen; pow *= 2)
      for (int64_t seqlen_k : {pow, pow + 1}) {
        add(default_config(head_dim, limits, f, causal, seqlen_k));
        for (const char* name : family_spec(f).default_prefs(head_dim, causal, seqlen_k)) {
          const TileConfig c = TileConfig::parse(name);
          if (c.constraint_violation(head_dim, limits).empty()) add(c);
        }
      }
  return out;
}

}  // namespace attnlab
