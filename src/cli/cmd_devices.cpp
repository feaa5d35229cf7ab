// attnlab devices: what GPU is here and what it allows.
#include <cuda_runtime_api.h>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "measure/environment.hpp"
#include "runtime/device.hpp"
#include "runtime/nvrtc_compiler.hpp"

namespace attnlab::cli {

void add_devices(CLI::App& app) {
  auto* cmd = app.add_subcommand("devices", "Show the CUDA device (name, SMs, shared memory, clocks, versions)");
  auto json = std::make_shared<std::string>();
  cmd->add_option("--json", *json, "also write the environment (GPU, clocks, versions, commit) as JSON: env.json");
  cmd->callback([json] {
    check_outputs({{"--json", *json}});
    if (!json->empty()) write_file_atomic(*json, json_text(capture_environment(), 1) + "\n");
    int count = 0;
    std::string why;
    if (cudaGetDeviceCount(&count) != cudaSuccess) count = 0;
    cudaGetLastError();
    fmt::print("NVRTC {}.{}\n", nvrtc_version() / 1000, (nvrtc_version() % 1000) / 10);
    if (count == 0) {
      query_device(0, &why);
      fmt::print("no CUDA device ({})\n", why);
      return;
    }
    for (int i = 0; i < count; ++i) {
      auto d = query_device(i, &why);
      if (!d) {
        fmt::print("device {}: unavailable ({})\n", i, why);
        continue;
      }
      fmt::print(
          "device {}: {}\n  uuid            {}\n  compute         {}.{} (target {})\n  SMs             {}\n"
          "  smem/block      {} B opt-in\n  smem/SM         {} B\n  regs/SM         {}\n  L2              {} B\n"
          "  SM clock        {} MHz (max)\n  memory clock    {} MHz, {}-bit bus\n  memory          {:.1f} GiB\n"
          "  driver/runtime  {}.{} / {}.{}\n",
          i, d->name, d->uuid, d->cc_major, d->cc_minor, d->arch(), d->sm_count, d->smem_per_block_optin,
          d->smem_per_sm, d->regs_per_sm, d->l2_bytes, d->sm_clock_khz / 1000, d->mem_clock_khz / 1000,
          d->mem_bus_width, d->total_mem / double(1 << 30), d->driver_version / 1000, (d->driver_version % 1000) / 10,
          d->runtime_version / 1000, (d->runtime_version % 1000) / 10);
    }
  });
}

}  // namespace attnlab::cli
