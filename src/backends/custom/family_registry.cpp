// The kernel families attnlab knows: the built-in ones in registry order (Family::sm80 = 0, Family::sm90 = 1),
// then any registered at run time (a new family's own file calls register_family; tests register a toy one).
#include <mutex>

#include <fmt/format.h>

#include "backends/custom/family.hpp"
#include "core/error.hpp"
#include "core/arch.hpp"

namespace attnlab {

namespace {
struct Registry {
  std::mutex mu;
  std::vector<const FamilySpec*> specs{&sm80_family_spec(), &sm90_family_spec()};
};
Registry& registry() {
  static Registry r;
  return r;
}
}  // namespace

const FamilySpec& family_spec(Family f) {
  Registry& r = registry();
  std::lock_guard lk(r.mu);
  if (f.id < 0 || size_t(f.id) >= r.specs.size()) throw std::logic_error(fmt::format("no kernel family #{}", f.id));
  return *r.specs[f.id];
}

Family register_family(const FamilySpec& spec) {
  Registry& r = registry();
  std::lock_guard lk(r.mu);
  for (const FamilySpec* s : r.specs)
    if (std::string(s->name) == spec.name) throw std::logic_error(fmt::format("kernel family '{}' is registered twice", spec.name));
  r.specs.push_back(&spec);
  return Family{int(r.specs.size()) - 1};
}

std::vector<Family> all_families() {
  Registry& r = registry();
  std::lock_guard lk(r.mu);
  std::vector<Family> out;
  for (size_t i = 0; i < r.specs.size(); ++i) out.push_back(Family{int(i)});
  return out;
}

std::string family_name(Family f) { return family_spec(f).name; }

std::string family_names() {
  std::string s;
  for (Family f : all_families()) s += (s.empty() ? "" : ", ") + family_name(f);
  return s;
}

Family parse_family(const std::string& s) {
  for (Family f : all_families())
    if (s == family_spec(f).name) return f;
  throw UserError(fmt::format("unknown kernel family '{}' ({})", s, family_names()));
}

const std::vector<KnobDef>& family_knobs(Family f) { return family_spec(f).knobs; }

ArchLimits ArchLimits::for_arch(const std::string& arch) { return {arch, arch_info(arch).smem_per_block_optin}; }

bool ArchLimits::has_wgmma() const {
  for (const auto& a : known_archs())
    if (a.name == arch) return a.wgmma_tma;
  return false;  // an arch outside the table (a newer GPU): none of sm_90a's arch-specific features
}

Family ArchLimits::best_family() const {
  Family best = Family::sm80;
  int rank = 0;
  for (Family f : all_families()) {
    const FamilySpec& s = family_spec(f);
    if (s.default_rank > rank && s.arch_problem(*this).empty()) best = f, rank = s.default_rank;
  }
  return best;
}

}  // namespace attnlab
