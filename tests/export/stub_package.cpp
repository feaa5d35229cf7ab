// An exported package with no cubins and an sm_90a table of one entry: the runtime archive linked on its own
// (CMakeLists.txt: attnlab_flash_stub, -Wl,--no-undefined) and the C API's checks tested without NVRTC
// (tests/export/test_flash_api.cpp). Choosing works; launching says the code is missing or the driver is.
#include "export/runtime/embedded_package.hpp"

namespace {
const char kDispatch[] = R"({"schema": "attnlab.dispatch/1", "arch": "sm_90a", "family": "sm90", "entries": [
  {"dtype": "bf16", "head_dim": 128, "causal": false, "gqa_ratio": 1, "seqlen_q": {"min": 1, "max": 2048},
   "seqlen_k": {"min": 1, "max": 2048}, "config": "sm90-m128n128s2-pp-ov-grid"}]})";
const attnlab::EmbeddedPackage kPackage{kDispatch, "sm_90a,sm_80", "stub", nullptr, 0};
}  // namespace

extern "C" const attnlab::EmbeddedPackage* attnlab_flash_embedded_package() { return &kPackage; }
