#pragma once
// The device's measured ceilings: dense bf16/fp16 tensor throughput (a large cuBLAS GEMM, as torch.matmul
// runs it) and DRAM bandwidth (a device-to-device copy, bytes read + written). Measured once per GPU and
// driver with the timing core, cached next to the kernel cache, and used to report every result as a
// fraction of what the device can do and to reject impossible numbers.
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "core/dtype.hpp"

namespace attnlab {

struct Ceilings {
  std::string gpu_uuid, driver;
  double bf16_tflops = 0, fp16_tflops = 0;  // cuBLAS n x n x n GEMM, n = gemm_n
  double copy_gbps = 0;                     // (read + write) GB/s
  double bf16_clock_mhz = 0, fp16_clock_mhz = 0;  // mean SM clock while the GEMMs ran (sustained load)
  double max_sm_clock_mhz = 0;                     // the device's maximum SM clock (set on load)
  int gemm_n = 8192;
  std::string measured_at;
  double tensor_tflops(DType t) const { return t == DType::bf16 ? bf16_tflops : fp16_tflops; }
  // What a correct kernel can reach at most: the GEMM ceiling scaled from the clock it was measured at
  // (sustained load, ~1650 MHz on an H100) to the maximum SM clock a short measurement may run at (1980).
  double tensor_tflops_bound(DType t) const {
    const double clock = t == DType::bf16 ? bf16_clock_mhz : fp16_clock_mhz;
    return tensor_tflops(t) * (clock > 0 && max_sm_clock_mhz > clock ? max_sm_clock_mhz / clock : 1.0);
  }
};

nlohmann::json to_json(const Ceilings& c);
Ceilings ceilings_from_json(const nlohmann::json& j);

// Cached result for the current device unless `remeasure`; measures (about 5 s) otherwise.
Ceilings device_ceilings(bool remeasure = false);
Ceilings measure_ceilings(int gemm_n = 8192);

// A result above 1.05x the ceiling's bound (tensor_tflops_bound) is a measurement error, not a fast kernel.
class MeasurementError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
inline constexpr double kCeilingSlack = 1.05;
void reject_above_ceiling(double value, double ceiling, const std::string& what);

}  // namespace attnlab
