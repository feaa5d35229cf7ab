#pragma once
// What `attnlab export` embeds in libattnlab_flash.so: the dispatch table (JSON text, schema attnlab.dispatch/1)
// and one cubin per (arch, config, dtype, head dim). The export writes a C++ file defining
// attnlab_flash_embedded_package() (export/library_source.cpp) and links it with the prebuilt runtime archive,
// which reads the package only through this struct.
#include <cstddef>

namespace attnlab {

struct EmbeddedCubin {
  const char* arch;    // "sm_90a": the cubin's target
  const char* config;  // TileConfig::name()
  int dtype;           // attnlab_flash_dtype
  int head_dim;
  const unsigned char* data;
  size_t size;
};

struct EmbeddedPackage {
  const char* dispatch_json;
  const char* archs;       // "sm_90a,sm_80", in the order given to export
  const char* build_info;  // "attnlab 0.1.0 <commit>, NVRTC 13.0"
  const EmbeddedCubin* cubins;
  size_t cubin_count;
};

}  // namespace attnlab

extern "C" const attnlab::EmbeddedPackage* attnlab_flash_embedded_package();
