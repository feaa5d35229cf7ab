#include <fmt/format.h>

#include "backends/builtin.hpp"
#include "core/error.hpp"

namespace attnlab {

BackendRegistry& backend_registry() {
  // Explicit registration: static-initialiser registration would be dropped by the static-library linker.
  static BackendRegistry registry = [] {
    BackendRegistry r;
    register_custom_backend(r);
    register_unfused_backend(r);
    register_cublas_gemm_backend(r);
#ifdef ATTNLAB_WITH_CUDNN
    register_cudnn_backend(r);
#endif
#ifdef ATTNLAB_WITH_CUTLASS
    register_cutlass_gemm_backend(r);
#endif
    return r;
  }();
  return registry;
}

std::vector<std::string> attention_backend_names() {
  std::vector<std::string> n;
  for (auto& [k, _] : backend_registry().attention) n.push_back(k);
  return n;
}

std::vector<std::string> gemm_backend_names() {
  std::vector<std::string> n;
  for (auto& [k, _] : backend_registry().gemm) n.push_back(k);
  return n;
}

std::unique_ptr<AttentionBackend> make_attention_backend(const std::string& name, const std::string& options) {
  auto& a = backend_registry().attention;
  auto it = a.find(name);
  if (it == a.end())
    throw UserError(fmt::format("unknown or not built attention backend '{}' (available: {})", name,
                                fmt::join(attention_backend_names(), ", ")));
  return it->second(options);
}

std::unique_ptr<GemmBackend> make_gemm_backend(const std::string& name) {
  auto& g = backend_registry().gemm;
  auto it = g.find(name);
  if (it == g.end())
    throw UserError(fmt::format("unknown or not built GEMM backend '{}' (available: {})", name,
                                fmt::join(gemm_backend_names(), ", ")));
  return it->second();
}

std::map<std::string, std::string> backend_library_versions() { return backend_registry().library_versions; }

}  // namespace attnlab
