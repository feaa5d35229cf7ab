#include "runtime/device.hpp"

#include <cuda_runtime_api.h>

#include <fmt/format.h>

#include "core/error.hpp"
#include "runtime/cuda_check.hpp"

namespace attnlab {

std::string DeviceInfo::arch() const {
  return cc_major == 9 && cc_minor == 0 ? "sm_90a" : fmt::format("sm_{}{}", cc_major, cc_minor);
}

std::optional<DeviceInfo> query_device(int ordinal, std::string* why) {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    if (why)
      *why = e == cudaErrorInsufficientDriver ? "no CUDA driver on this machine (or one older than the CUDA 13 runtime)"
             : e != cudaSuccess               ? cudaGetErrorString(e)
                                              : "no GPU found";
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return std::nullopt;
  }
  if (ordinal < 0 || ordinal >= count) {
    if (why) *why = fmt::format("device {} requested, {} present", ordinal, count);
    return std::nullopt;
  }
  DeviceInfo d;
  d.ordinal = ordinal;
  cudaDeviceProp p{};
  ATTN_CUDA(cudaGetDeviceProperties(&p, ordinal));
  d.name = p.name;
  const auto* u = reinterpret_cast<const unsigned char*>(p.uuid.bytes);
  d.uuid = fmt::format("GPU-{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                       u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
                       u[14], u[15]);
  d.cc_major = p.major;
  d.cc_minor = p.minor;
  d.sm_count = p.multiProcessorCount;
  d.smem_per_block_optin = int(p.sharedMemPerBlockOptin);
  d.smem_per_sm = int(p.sharedMemPerMultiprocessor);
  d.regs_per_sm = p.regsPerMultiprocessor;
  d.l2_bytes = p.l2CacheSize;
  d.total_mem = p.totalGlobalMem;
  d.mem_bus_width = p.memoryBusWidth;
  ATTN_CUDA(cudaDeviceGetAttribute(&d.sm_clock_khz, cudaDevAttrClockRate, ordinal));
  ATTN_CUDA(cudaDeviceGetAttribute(&d.mem_clock_khz, cudaDevAttrMemoryClockRate, ordinal));
  ATTN_CUDA(cudaDriverGetVersion(&d.driver_version));
  ATTN_CUDA(cudaRuntimeGetVersion(&d.runtime_version));
  return d;
}

DeviceInfo require_device(int ordinal) {
  std::string why;
  auto d = query_device(ordinal, &why);
  if (!d) throw UserError("no CUDA device: " + why);
  ATTN_CUDA(cudaSetDevice(ordinal));
  return *d;
}

}  // namespace attnlab
