// attnlab ceilings: the device's measured tensor (cuBLAS GEMM) and copy ceilings, cached per GPU.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "measure/ceilings.hpp"
#include "runtime/device.hpp"

namespace attnlab::cli {

void add_ceilings(CLI::App& app) {
  auto* cmd = app.add_subcommand("ceilings", "Measure (or show the cached) bf16/fp16 GEMM and copy ceilings of this GPU");
  auto remeasure = std::make_shared<bool>(false);
  cmd->add_flag("--remeasure", *remeasure, "measure again instead of using the cache");
  cmd->callback([remeasure] {
    const DeviceInfo dev = require_device();
    const Ceilings c = device_ceilings(*remeasure);
    fmt::print("{} ({}): bf16 {:.1f} TFLOP/s at {:.0f} MHz, fp16 {:.1f} TFLOP/s at {:.0f} MHz (cuBLASLt {}^3), copy {:.0f} GB/s; measured {}\n",
               dev.name, dev.uuid, c.bf16_tflops, c.bf16_clock_mhz, c.fp16_tflops, c.fp16_clock_mhz, c.gemm_n,
               c.copy_gbps, c.measured_at);
  });
}

}  // namespace attnlab::cli
