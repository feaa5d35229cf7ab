// Cross-check of attnlab's timing core against nvbench (from the cuda-bench wheel): the same custom
// kernel, same shape, timed by nvbench's cold measurement (L2 flushed, CUDA events, its own stopping
// criterion). Run: build/attnlab_nvbench [--config NAME] [nvbench options]; compare its "GPU Time" with
// `attnlab bench` on the same machine (docs/perf-notes.md records the agreement).
#include <nvbench/nvbench.cuh>

#include <cstdlib>
#include <memory>

#include "backends/custom/flash_kernel.hpp"
#include "check/checker.hpp"
#include "check/inputs.hpp"
#include "runtime/device.hpp"
#include "runtime/device_buffer.hpp"

namespace {
attnlab::AttnProblem target() {
  attnlab::AttnProblem p;
  p.batch = 4;
  p.heads = p.heads_k = 16;
  p.seqlen_q = p.seqlen_k = 4096;
  p.head_dim = 128;
  p.dtype = attnlab::DType::bf16;
  return p;
}

void custom_flash_fwd(nvbench::state& state) {
  const attnlab::DeviceInfo dev = attnlab::require_device();
  const attnlab::AttnProblem p = target();
  const char* cfg_env = std::getenv("ATTNLAB_CONFIG");
  const attnlab::TileConfig cfg = cfg_env ? attnlab::TileConfig::parse(cfg_env)
                                          : attnlab::default_config(p.head_dim, {dev.arch(), dev.smem_per_block_optin});
  attnlab::FlashKernel kernel(cfg, p.dtype, p.head_dim, dev.arch());
  attnlab::CheckCase inputs(p, attnlab::fresh_seed(), dev.arch());  // random inputs, and the gate
  if (!attnlab::check_kernel(inputs, kernel).pass) {
    state.skip("the kernel fails the correctness gate");
    return;
  }
  attnlab::DeviceBuffer o(p.q_elems() * 2), lse(p.lse_elems() * 4);
  const auto t = inputs.tensors(o.get(), lse.as<float>());
  state.add_element_count(static_cast<std::size_t>(p.flops()), "FLOP");
  state.add_global_memory_reads<std::uint16_t>(p.q_elems() + 2 * p.kv_elems());
  state.add_global_memory_writes<std::uint16_t>(p.q_elems());
  state.exec([&](nvbench::launch& launch) { kernel.run(p, t, launch.get_stream()); });
}
}  // namespace

NVBENCH_BENCH(custom_flash_fwd).set_name("attnlab_custom_B4_H16_S4096_d128_bf16");
NVBENCH_MAIN
