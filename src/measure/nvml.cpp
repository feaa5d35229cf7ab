#include "measure/nvml.hpp"

#include <dlfcn.h>

#include <mutex>

namespace attnlab {

namespace {
// The few NVML entry points used, declared here (stable C ABI) so no nvml.h is needed to build.
using nvmlDevice = void*;
struct NvmlApi {
  int (*init)() = nullptr;
  int (*by_uuid)(const char*, nvmlDevice*) = nullptr;
  int (*clock)(nvmlDevice, int, unsigned*) = nullptr;
  int (*max_clock)(nvmlDevice, int, unsigned*) = nullptr;
  int (*temperature)(nvmlDevice, int, unsigned*) = nullptr;
  int (*power)(nvmlDevice, unsigned*) = nullptr;
  int (*power_limit)(nvmlDevice, unsigned*) = nullptr;
  int (*reasons)(nvmlDevice, unsigned long long*) = nullptr;
  int (*driver)(char*, unsigned) = nullptr;
  bool ok = false;
  std::string why;
};
constexpr int kClockSm = 1, kClockMem = 2, kTemperatureGpu = 0;

const NvmlApi& api() {
  static NvmlApi a;
  static std::once_flag once;
  std::call_once(once, [] {
    void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      a.why = "libnvidia-ml.so.1 not found";
      return;
    }
    auto sym = [&](const char* n, auto& fn) { fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, n)); };
    sym("nvmlInit_v2", a.init);
    sym("nvmlDeviceGetHandleByUUID", a.by_uuid);
    sym("nvmlDeviceGetClockInfo", a.clock);
    sym("nvmlDeviceGetMaxClockInfo", a.max_clock);
    sym("nvmlDeviceGetTemperature", a.temperature);
    sym("nvmlDeviceGetPowerUsage", a.power);
    sym("nvmlDeviceGetEnforcedPowerLimit", a.power_limit);
    sym("nvmlDeviceGetCurrentClocksEventReasons", a.reasons);
    if (!a.reasons) sym("nvmlDeviceGetCurrentClocksThrottleReasons", a.reasons);
    sym("nvmlSystemGetDriverVersion", a.driver);
    if (!a.init || !a.by_uuid || !a.clock) {
      a.why = "NVML entry points missing";
      return;
    }
    if (a.init() != 0) {
      a.why = "nvmlInit failed";
      return;
    }
    a.ok = true;
  });
  return a;
}

template <class T, class Fn>
std::optional<T> read(void* dev, Fn fn) {
  if (!dev || !fn) return std::nullopt;
  T v{};
  if (fn(dev, &v) != 0) return std::nullopt;
  return v;
}
}  // namespace

Nvml::Nvml(const std::string& uuid) {
  const auto& a = api();
  if (!a.ok) {
    why_ = a.why;
    return;
  }
  nvmlDevice d = nullptr;
  if (a.by_uuid(uuid.c_str(), &d) != 0) {
    why_ = "NVML does not know device " + uuid;
    return;
  }
  device_ = d;
}

std::optional<unsigned> Nvml::sm_clock_mhz() const {
  return read<unsigned>(device_, [](void* d, unsigned* v) { return api().clock(d, kClockSm, v); });
}
std::optional<unsigned> Nvml::max_sm_clock_mhz() const {
  if (!api().max_clock) return std::nullopt;
  return read<unsigned>(device_, [](void* d, unsigned* v) { return api().max_clock(d, kClockSm, v); });
}
std::optional<unsigned> Nvml::mem_clock_mhz() const {
  return read<unsigned>(device_, [](void* d, unsigned* v) { return api().clock(d, kClockMem, v); });
}
std::optional<unsigned> Nvml::temperature_c() const {
  if (!api().temperature) return std::nullopt;
  return read<unsigned>(device_, [](void* d, unsigned* v) { return api().temperature(d, kTemperatureGpu, v); });
}
std::optional<double> Nvml::power_w() const {
  if (!api().power) return std::nullopt;
  auto mw = read<unsigned>(device_, api().power);
  return mw ? std::optional<double>(*mw / 1000.0) : std::nullopt;
}
std::optional<double> Nvml::power_limit_w() const {
  if (!api().power_limit) return std::nullopt;
  auto mw = read<unsigned>(device_, api().power_limit);
  return mw ? std::optional<double>(*mw / 1000.0) : std::nullopt;
}
std::optional<unsigned long long> Nvml::throttle_reasons() const {
  if (!api().reasons) return std::nullopt;
  return read<unsigned long long>(device_, api().reasons);
}
std::optional<std::string> Nvml::driver_version() const {
  if (!api().ok || !api().driver) return std::nullopt;
  char buf[96] = {};
  if (api().driver(buf, sizeof buf) != 0) return std::nullopt;
  return std::string(buf);
}

std::vector<std::string> throttle_reason_names(unsigned long long mask) {
  static const std::pair<unsigned long long, const char*> bits[] = {
      {0x1, "gpu_idle"},          {0x2, "applications_clocks"},  {0x4, "sw_power_cap"},
      {0x8, "hw_slowdown"},       {0x10, "sync_boost"},          {0x20, "sw_thermal"},
      {0x40, "hw_thermal"},       {0x80, "hw_power_brake"},      {0x100, "display_clocks"}};
  std::vector<std::string> out;
  for (auto [bit, name] : bits)
    if (mask & bit) out.push_back(name);
  return out;
}

}  // namespace attnlab
