#include "measure/environment.hpp"

#include <cublasLt.h>

#include <chrono>
#include <ctime>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "backends/backend.hpp"
#include "core/parse.hpp"
#include "measure/nvml.hpp"
#include "runtime/device.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab {

namespace {
std::string& cmdline() {
  static std::string s;
  return s;
}

template <class T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::string version_string(int v) { return fmt::format("{}.{}", v / 1000, (v % 1000) / 10); }

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

void set_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  cmdline() = valid_utf8(s);  // recorded in JSON: a Latin-1 path must not make the dump throw after the work
}
const std::string& command_line() { return cmdline(); }

nlohmann::json capture_environment() {
  nlohmann::json env;
  env["timestamp_utc"] = utc_now();
  env["command_line"] = command_line();
  env["git_commit"] = git_commit();
  env["git_dirty"] = git_dirty();
  const size_t lt = cublasLtGetVersion();
  nlohmann::json versions = {{"nvrtc", version_string(nvrtc_version())},
                             {"cublaslt", fmt::format("{}.{}.{}", lt / 10000, (lt / 100) % 100, lt % 100)},
                             {"attnlab", ATTNLAB_VERSION}};
  for (auto& [k, v] : backend_library_versions()) versions[k] = v;
  std::string why;
  auto d = query_device(0, &why);
  if (!d) {
    env["gpu"] = nullptr;
    env["gpu_unavailable"] = why;
    env["versions"] = versions;
    return env;
  }
  versions["driver_cuda"] = version_string(d->driver_version);
  versions["cuda_runtime"] = version_string(d->runtime_version);
  Nvml nvml(d->uuid);
  versions["driver"] = opt(nvml.driver_version());
  env["versions"] = versions;
  nlohmann::json gpu = {{"name", d->name},
                        {"uuid", d->uuid},
                        {"compute_capability", fmt::format("{}.{}", d->cc_major, d->cc_minor)},
                        {"arch", d->arch()},
                        {"sm_count", d->sm_count},
                        {"l2_bytes", d->l2_bytes},
                        {"smem_per_block_optin", d->smem_per_block_optin},
                        {"memory_bytes", d->total_mem},
                        {"max_sm_clock_mhz_cudart", d->sm_clock_khz / 1000}};
  gpu["nvml"] = nvml.available() ? nlohmann::json(nullptr) : nlohmann::json(nvml.why_unavailable());
  gpu["sm_clock_mhz"] = opt(nvml.sm_clock_mhz());
  gpu["max_sm_clock_mhz"] = opt(nvml.max_sm_clock_mhz());
  gpu["mem_clock_mhz"] = opt(nvml.mem_clock_mhz());
  gpu["temperature_c"] = opt(nvml.temperature_c());
  gpu["power_w"] = opt(nvml.power_w());
  gpu["power_limit_w"] = opt(nvml.power_limit_w());
  if (auto r = nvml.throttle_reasons()) {
    gpu["throttle_reasons_mask"] = *r;
    gpu["throttle_reasons"] = throttle_reason_names(*r);
  } else {
    gpu["throttle_reasons"] = nullptr;
  }
  env["gpu"] = gpu;
  return env;
}

}  // namespace attnlab
