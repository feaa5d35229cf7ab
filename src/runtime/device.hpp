#pragma once
// What the current CUDA device is and what it allows; "no device" is a normal state, not an error.
#include <optional>
#include <string>

namespace attnlab {

struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  std::string uuid;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  int smem_per_block_optin = 0;  // bytes a block may opt in to
  int smem_per_sm = 0;
  int regs_per_sm = 0;
  int l2_bytes = 0;
  int sm_clock_khz = 0;   // from cudaDeviceGetAttribute(cudaDevAttrClockRate)
  int mem_clock_khz = 0;
  int mem_bus_width = 0;
  size_t total_mem = 0;
  int driver_version = 0;   // e.g. 13000
  int runtime_version = 0;
  std::string arch() const;  // "sm_90a" for 9.0 (wgmma needs the a-target), else "sm_XY"
};

// nullopt (with the reason in *why) when no device is usable: no driver, no GPU, or error.
std::optional<DeviceInfo> query_device(int ordinal = 0, std::string* why = nullptr);
// Throws UserError("no CUDA device: <reason>") when there is none.
DeviceInfo require_device(int ordinal = 0);

}  // namespace attnlab
