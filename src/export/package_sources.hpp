#pragma once
// Files attnlab writes into every export, compiled into the binary by cmake/embed_kernels.cmake (FUNCTION
// export_package_sources): the C header and the embedded-package struct (runtime/), and the Python package
// (python/attnlab_flash/*.py). Paths relative to src/export/.
#include <string>
#include <vector>

#include "runtime/embedded_kernels.hpp"

namespace attnlab {

const std::vector<EmbeddedFile>& export_package_sources();
// The text of one of them; std::logic_error when the build did not embed it.
const std::string& export_package_source(const std::string& path);

}  // namespace attnlab
