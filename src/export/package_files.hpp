#pragma once
// The small text files of an export besides the library: pkg-config, the CMake package config, the manifest,
// and the wheel (export/zip_writer.hpp) holding the Python package with the library.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "export/export_plan.hpp"
#include "export/zip_writer.hpp"

namespace attnlab {

inline constexpr const char* kExportSchema = "attnlab.export/1";
inline constexpr const char* kPythonPackage = "attnlab_flash";

std::string pkg_config_file();  // relocatable: prefix from ${pcfiledir}
std::string cmake_config_file();
std::string cmake_config_version_file();
// PEP 427 wheel of the Python package: its sources, the library inside it, METADATA, WHEEL and RECORD.
std::string wheel_name();  // attnlab_flash-<version>-py3-none-linux_x86_64.whl
std::string python_wheel(const std::string& library_bytes);

}  // namespace attnlab
