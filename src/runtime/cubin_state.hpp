#pragma once
// What a cubin keeps between launches: writable device memory it owns (`__device__` variables and string
// literals live in the ELF sections .nv.global (zero-initialised) and .nv.global.init) and calls to the
// device heap (`malloc`, whose blocks outlive the launch). A proposer's source candidate may have neither:
// its only writable memory is the output and workspace attnlab hands it, which are reset before every
// timed sample, so no launch can learn anything from an earlier one (docs/trust.md, "channels").
#include <cstdint>
#include <string>
#include <vector>

namespace attnlab {

// The compiler emits some objects of its own there: NVRTC gives every static constexpr member of the kernel's
// config struct (and a few namespace-scope constants) a 1-4 byte object in .nv.global(.init). Those are
// judged by comparison: a candidate may have the objects the built-in kernel of the same config has, by name.

struct DeviceObject {
  std::string name, section;
  uint64_t bytes = 0;
};
// Every OBJECT symbol in a .nv.global* section. Throws std::runtime_error on a malformed ELF image.
std::vector<DeviceObject> cubin_device_objects(const std::string& cubin);
// One line per finding ("__device__ object 'hits' (4 bytes in .nv.global)", "calls malloc (device heap)"),
// leaving out objects named in `allowed`; empty when the cubin keeps no state beyond them.
std::vector<std::string> cubin_launch_state(const std::string& cubin, const std::vector<DeviceObject>& allowed = {});

}  // namespace attnlab
