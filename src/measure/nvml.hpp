#pragma once
// NVML loaded at run time (dlopen libnvidia-ml.so.1): clocks, throttle reasons, temperature, power.
// Machines without NVML still run; every reading is then optional.
#include <optional>
#include <string>
#include <vector>

namespace attnlab {

class Nvml {
 public:
  // The device with this CUDA UUID ("GPU-..."); available() is false when NVML or the device is missing.
  explicit Nvml(const std::string& uuid);
  bool available() const { return device_ != nullptr; }
  const std::string& why_unavailable() const { return why_; }

  std::optional<unsigned> sm_clock_mhz() const;
  std::optional<unsigned> max_sm_clock_mhz() const;
  std::optional<unsigned> mem_clock_mhz() const;
  std::optional<unsigned> temperature_c() const;
  std::optional<double> power_w() const;
  std::optional<double> power_limit_w() const;
  std::optional<unsigned long long> throttle_reasons() const;  // NVML clocks-event bitmask
  std::optional<std::string> driver_version() const;

 private:
  void* device_ = nullptr;
  std::string why_;
};

// Names of the bits of an NVML clocks-event (throttle) reason mask, e.g. {"sw_power_cap"}.
std::vector<std::string> throttle_reason_names(unsigned long long mask);

}  // namespace attnlab
