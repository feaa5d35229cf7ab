#include "export/package_sources.hpp"

#include <stdexcept>

namespace attnlab {

const std::string& export_package_source(const std::string& path) {
  for (const auto& f : export_package_sources())
    if (f.path == path) return f.text;
  throw std::logic_error("export source " + path + " was not embedded (cmake/embed_kernels.cmake)");
}

}  // namespace attnlab
