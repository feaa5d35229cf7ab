#include "export/package_files.hpp"

#include <fmt/format.h>

#include "export/package_sources.hpp"

namespace attnlab {

std::string pkg_config_file() {
  return fmt::format(
      "prefix=${{pcfiledir}}/../..\nlibdir=${{prefix}}/lib\nincludedir=${{prefix}}/include\n\n"
      "Name: attnlab_flash\nDescription: FlashAttention forward kernels exported by attnlab (C API, ABI 1)\n"
      "Version: {}\nLibs: -L${{libdir}} -Wl,-rpath,${{libdir}} -lattnlab_flash\nCflags: -I${{includedir}}\n",
      ATTNLAB_VERSION);
}

std::string cmake_config_file() {
  return "# attnlab_flash: FlashAttention forward kernels exported by attnlab (docs/export.md).\n"
         "# find_package(attnlab_flash CONFIG) then target_link_libraries(app PRIVATE attnlab_flash::attnlab_flash)\n"
         "get_filename_component(_attnlab_flash_prefix \"${CMAKE_CURRENT_LIST_DIR}/../../..\" ABSOLUTE)\n"
         "if(NOT TARGET attnlab_flash::attnlab_flash)\n"
         "  add_library(attnlab_flash::attnlab_flash SHARED IMPORTED)\n"
         "  set_target_properties(attnlab_flash::attnlab_flash PROPERTIES\n"
         "    IMPORTED_LOCATION \"${_attnlab_flash_prefix}/lib/libattnlab_flash.so\"\n"
         "    IMPORTED_SONAME libattnlab_flash.so\n"
         "    INTERFACE_INCLUDE_DIRECTORIES \"${_attnlab_flash_prefix}/include\")\n"
         "endif()\n"
         "set(attnlab_flash_ABI_VERSION 1)\n";
}

std::string cmake_config_version_file() {
  return fmt::format(
      "set(PACKAGE_VERSION \"{}\")\n"
      "# the C ABI is what a caller depends on: any request of major version 0 is compatible\n"
      "if(PACKAGE_FIND_VERSION_MAJOR GREATER 0 OR PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)\n"
      "  set(PACKAGE_VERSION_COMPATIBLE FALSE)\nelse()\n  set(PACKAGE_VERSION_COMPATIBLE TRUE)\n"
      "  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)\n    set(PACKAGE_VERSION_EXACT TRUE)\n  endif()\nendif()\n",
      ATTNLAB_VERSION);
}

std::string wheel_name() { return fmt::format("{}-{}-py3-none-linux_x86_64.whl", kPythonPackage, ATTNLAB_VERSION); }

std::string python_wheel(const std::string& library_bytes) {
  const std::string dist = fmt::format("{}-{}.dist-info", kPythonPackage, ATTNLAB_VERSION);
  std::vector<ZipMember> m;
  for (const auto& f : export_package_sources())
    if (f.path.rfind("python/attnlab_flash/", 0) == 0) m.push_back({f.path.substr(7), f.text});
  m.push_back({std::string(kPythonPackage) + "/libattnlab_flash.so", library_bytes, true});
  m.push_back({dist + "/METADATA",
               fmt::format("Metadata-Version: 2.1\nName: {}\nVersion: {}\nSummary: FlashAttention forward kernels "
                           "exported by attnlab (ctypes binding, torch.library op)\nRequires-Python: >=3.8\n",
                           kPythonPackage, ATTNLAB_VERSION)});
  m.push_back({dist + "/WHEEL", "Wheel-Version: 1.0\nGenerator: attnlab export\nRoot-Is-Purelib: false\nTag: py3-none-linux_x86_64\n"});
  std::string record;
  for (const auto& x : m) record += fmt::format("{},{},{}\n", x.name, wheel_record_hash(x.data), x.data.size());
  record += dist + "/RECORD,,\n";
  m.push_back({dist + "/RECORD", record});
  return zip_archive(m);
}

}  // namespace attnlab
