#include "export/library/package_state.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "core/arch.hpp"
#include "export/runtime/selection.hpp"
#include "io/json_text.hpp"

namespace attnlab::exported {

namespace {
Package load() {
  Package pk;
  pk.embedded = attnlab_flash_embedded_package();
  std::stringstream ss(pk.embedded->archs);
  for (std::string a; std::getline(ss, a, ',');) pk.archs.push_back(a);
  try {
    pk.table = dispatch_from_json(parse_json_text(pk.embedded->dispatch_json, "embedded dispatch table"),
                                  "embedded dispatch table");
  } catch (const std::exception& e) {
    pk.error = e.what();
  }
  return pk;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// "bf16 d=128, fp16 d=128": what the export holds for an arch.
std::string exported_problems(const EmbeddedPackage& e, const std::string& arch) {
  std::vector<std::string> seen;
  for (size_t i = 0; i < e.cubin_count; ++i) {
    if (arch != e.cubins[i].arch) continue;
    const std::string s = fmt::format("{} d={}", e.cubins[i].dtype == ATTNLAB_FLASH_BF16 ? "bf16" : "fp16", e.cubins[i].head_dim);
    if (std::find(seen.begin(), seen.end(), s) == seen.end()) seen.push_back(s);
  }
  return joined(seen);
}
}  // namespace

const Package& package() {
  static const Package pk = load();
  return pk;
}

Choice choose(const AttnProblem& p, const std::string& device_arch, int sm_count) {
  const Package& pk = package();
  Choice c;
  if (!pk.error.empty()) {
    c.status = {ATTNLAB_FLASH_ERR_INTERNAL, "broken export: " + pk.error};
    return c;
  }
  const std::string cubin_arch = cubin_arch_for(device_arch, pk.archs);
  bool known = false;
  for (const auto& info : known_archs()) known = known || info.name == device_arch;
  if (cubin_arch.empty() || !known) {
    c.status = {ATTNLAB_FLASH_ERR_NO_CODE,
                fmt::format("this export has no code for {} (exported: {}): export again with --arch {}", device_arch,
                            joined(pk.archs), device_arch)};
    return c;
  }
  try {
    const DispatchChoice d = choose_exported_config(pk.table, p, device_arch, sm_count);
    c.config = d.config;
    c.note = d.note;
  } catch (const std::exception& e) {
    c.status = {ATTNLAB_FLASH_ERR_NO_CODE, fmt::format("no config for {} on {}: {}", p.describe(), device_arch, e.what())};
    return c;
  }
  const std::string name = c.config.name();
  const int dtype = p.dtype == DType::bf16 ? ATTNLAB_FLASH_BF16 : ATTNLAB_FLASH_FP16;
  const EmbeddedPackage& e = *pk.embedded;
  for (size_t i = 0; i < e.cubin_count; ++i)
    if (cubin_arch == e.cubins[i].arch && name == e.cubins[i].config && e.cubins[i].dtype == dtype &&
        e.cubins[i].head_dim == p.head_dim) {
      c.cubin = &e.cubins[i];
      c.cubin_index = i;
      return c;
    }
  c.status = {ATTNLAB_FLASH_ERR_NO_CODE,
              fmt::format("this export has no code for {} d={} on {} (it holds {}): export again with --dtype {} --head-dim {}",
                          dtype_name(p.dtype), p.head_dim, cubin_arch, exported_problems(e, cubin_arch), dtype_name(p.dtype),
                          p.head_dim)};
  // a config of the right problem that the export did not build would be an export bug: say which
  if (!exported_problems(e, cubin_arch).empty() &&
      exported_problems(e, cubin_arch).find(fmt::format("{} d={}", dtype_name(p.dtype), p.head_dim)) != std::string::npos)
    c.status = {ATTNLAB_FLASH_ERR_INTERNAL, fmt::format("broken export: config {} ({}) for {} d={} on {} is not embedded",
                                                        name, c.note, dtype_name(p.dtype), p.head_dim, cubin_arch)};
  return c;
}

}  // namespace attnlab::exported
