#include "cli/common_options.hpp"

#include "core/error.hpp"
#include "runtime/device.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab::cli {

std::string resolve_arch(const std::string& requested) {
  if (!requested.empty()) {
    if (!is_supported_arch(requested))
      throw UserError("unsupported arch '" + requested + "' (expected e.g. sm_80, sm_89, sm_90a)");
    return requested;
  }
  if (auto d = query_device()) return d->arch();
  return "sm_90a";
}

}  // namespace attnlab::cli
