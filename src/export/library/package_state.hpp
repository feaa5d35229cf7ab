#pragma once
// The embedded package as the exported library uses it: the dispatch table parsed once, the exported archs, the
// cubin that serves a (arch, config, dtype, head dim), and the choice for a problem on a GPU (the same rules as
// the export, export/runtime/selection.hpp). Needs no driver.
#include <string>
#include <vector>

#include "backends/custom/dispatch_table.hpp"
#include "export/runtime/api_args.hpp"
#include "export/runtime/embedded_package.hpp"

namespace attnlab::exported {

struct Package {
  DispatchTable table;
  std::vector<std::string> archs;
  const EmbeddedPackage* embedded = nullptr;
  std::string error;  // non-empty: the embedded table did not parse (a broken export)
};
const Package& package();

struct Choice {
  ApiStatus status;
  TileConfig config;
  std::string note;
  const EmbeddedCubin* cubin = nullptr;
  size_t cubin_index = 0;
};
// The config and its cubin for a checked problem on a GPU of device_arch ("sm_86") with sm_count SMs (0: unknown).
Choice choose(const AttnProblem& p, const std::string& device_arch, int sm_count);

}  // namespace attnlab::exported
