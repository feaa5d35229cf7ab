#include "measure/ceilings.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "backends/gemm/square_gemm.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "io/regular_file.hpp"
#include "measure/environment.hpp"
#include "measure/timer.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/device.hpp"
#include "runtime/device_buffer.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace fs = std::filesystem;

namespace attnlab {

nlohmann::json to_json(const Ceilings& c) {
  return {{"gpu_uuid", c.gpu_uuid}, {"driver", c.driver},       {"bf16_tflops", c.bf16_tflops},
          {"fp16_tflops", c.fp16_tflops}, {"copy_gbps", c.copy_gbps}, {"gemm_n", c.gemm_n},
          {"measured_at", c.measured_at}, {"bf16_clock_mhz", c.bf16_clock_mhz}, {"fp16_clock_mhz", c.fp16_clock_mhz},
          {"method", "cuBLASLt n^3 GEMM (C = A*B, C in the input dtype, as torch.matmul) and cudaMemcpy D2D; "
                     "timing core: cold L2, median, adaptive stop (sustained load, >= 0.5 s)"}};
}

Ceilings ceilings_from_json(const nlohmann::json& j) {
  Ceilings c;
  c.gpu_uuid = j.at("gpu_uuid");
  c.driver = j.at("driver");
  c.bf16_tflops = j.at("bf16_tflops");
  c.fp16_tflops = j.at("fp16_tflops");
  c.copy_gbps = j.at("copy_gbps");
  c.gemm_n = j.at("gemm_n");
  c.measured_at = j.at("measured_at");
  c.bf16_clock_mhz = j.value("bf16_clock_mhz", 0.0);
  c.fp16_clock_mhz = j.value("fp16_clock_mhz", 0.0);
  return c;
}

void reject_above_ceiling(double value, double ceiling, const std::string& what) {
  if (ceiling > 0 && value > kCeilingSlack * ceiling)
    throw MeasurementError(fmt::format("measurement error: {} = {:.1f} exceeds {:.2f}x the measured ceiling at the maximum clock ({:.1f}); "
                                       "the timing is wrong (work not done, or a broken clock), not the kernel fast",
                                       what, value, kCeilingSlack, ceiling));
}

Ceilings measure_ceilings(int n) {
  const DeviceInfo dev = require_device();
  Ceilings c;
  c.gpu_uuid = dev.uuid;
  c.driver = fmt::format("{}", dev.driver_version);
  c.gemm_n = n;
  c.measured_at = capture_environment()["timestamp_utc"];
  MeasureOptions mo;
  mo.stop.max_time_s = 5;
  for (DType t : {DType::bf16, DType::f16}) {
    SquareGemm gemm(t, n);
    Measurement m = measure([&](cudaStream_t s) { gemm.run(s); }, mo);
    (t == DType::bf16 ? c.bf16_tflops : c.fp16_tflops) = gemm.flops() / (m.stats.median * 1e-6) / 1e12;
    (t == DType::bf16 ? c.bf16_clock_mhz : c.fp16_clock_mhz) = m.mean_sm_clock_mhz;
  }
  const size_t bytes = size_t(1) << 30;
  DeviceBuffer src(bytes), dst(bytes);
  src.fill_bytes(0x5a);
  Measurement m = measure([&](cudaStream_t s) { ATTN_CUDA(cudaMemcpyAsync(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice, s)); }, mo);
  c.copy_gbps = 2.0 * bytes / (m.stats.median * 1e-6) / 1e9;
  return c;
}

Ceilings device_ceilings(bool remeasure) {
  const DeviceInfo dev = require_device();
  // The kernel cache's directory, with its checks (ours, not writable by others); a FIFO or anything
  // but a regular file where the cached ceilings should be is ignored without blocking.
  const std::string dir = kernel_cache_dir();
  if (auto why = prepare_cache_dir(dir); !why.empty()) throw UserError(why);
  const fs::path path = fs::path(dir) / ("ceilings-" + dev.uuid + ".json");
  if (auto text = remeasure ? std::nullopt : read_regular_file(path.string(), size_t(1) << 20, nullptr, ReadLinks::refuse, true)) {
    try {
      Ceilings c = ceilings_from_json(parse_json_text(*text, path.string()));
      c.max_sm_clock_mhz = dev.sm_clock_khz / 1000.0;
      if (c.gpu_uuid == dev.uuid && c.driver == fmt::format("{}", dev.driver_version)) return c;
    } catch (const std::exception&) {
      // unreadable cache: measure again
    }
  }
  Ceilings c = measure_ceilings();
  c.max_sm_clock_mhz = dev.sm_clock_khz / 1000.0;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  try {  // best effort: a cache that cannot be written only costs a measurement next time
    write_file_atomic(path.string(), json_text(to_json(c), 1) + "\n", Naming::by_attnlab);
  } catch (const UserError&) {
  }
  return c;
}

}  // namespace attnlab
