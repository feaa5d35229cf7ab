#pragma once
// `attnlab export` as a library call (docs/export.md): plan, compile every cubin through the NVRTC path and its
// cache, generate the library's one source file, link it with the prebuilt runtime archive (libattnlab_flash_rt.a,
// built with attnlab) by the C++ compiler, and write the package folder: include/, lib/ (library, pkg-config,
// CMake config), cubins/, python/, dist/ (wheel), manifest.json. The folder appears whole or not at all (built
// beside it, then renamed).
#include <functional>
#include <string>
#include <vector>

#include "export/export_plan.hpp"

namespace attnlab {

struct ExportOptions {
  std::string dispatch_path;
  std::string out_dir;
  std::vector<std::string> archs;  // empty: the table's
  std::vector<DType> dtypes;
  std::vector<int> head_dims;
  std::string cxx;              // empty: $CXX, else the compiler attnlab was built with
  std::string runtime_archive;  // empty: the one built with attnlab
  bool plan_only = false;       // print the plan, compile nothing, write nothing
};

struct ExportResult {
  ExportPlan plan;
  std::string library;  // DIR/lib/libattnlab_flash.so
  std::string wheel;
};

// Everything checkable is checked before the first compile (UserError: the table, the archs, the output folder,
// the compiler and the runtime archive). progress gets one line per step.
ExportResult export_package(const ExportOptions& o, const std::function<void(const std::string&)>& progress);

std::string default_runtime_archive();
std::string default_cxx();

}  // namespace attnlab
