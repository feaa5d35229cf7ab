#include "core/arch.hpp"

#include "core/error.hpp"

namespace attnlab {

const std::vector<ArchInfo>& known_archs() {
  static const std::vector<ArchInfo> table = {
      // name     optin   per SM  threads blocks wgmma
      {"sm_80", 166912, 167936, 2048, 32, false},   // A100
      {"sm_86", 101376, 102400, 1536, 16, false},   // GA10x
      {"sm_87", 166912, 167936, 2048, 32, false},   // Orin
      {"sm_89", 101376, 102400, 1536, 24, false},   // Ada
      {"sm_90", 232448, 233472, 2048, 32, false},   // H100/H200 without the arch-specific features
      {"sm_90a", 232448, 233472, 2048, 32, true},   // H100/H200
  };
  return table;
}

std::string known_arch_names() {
  std::string s;
  for (const auto& a : known_archs()) s += (s.empty() ? "" : ", ") + a.name;
  return s;
}

const ArchInfo& arch_info(const std::string& arch) {
  for (const auto& a : known_archs())
    if (a.name == arch) return a;
  throw UserError("unsupported arch '" + arch + "' (supported: " + known_arch_names() + ")");
}

}  // namespace attnlab
