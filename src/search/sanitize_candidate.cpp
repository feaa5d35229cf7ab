#include "search/sanitize_candidate.hpp"

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "backends/custom/flash_kernel.hpp"
#include "check/checker.hpp"
#include "check/inputs.hpp"
#include "core/process.hpp"
#include "runtime/device.hpp"
#include "search/gpu_evaluator.hpp"

namespace attnlab {

std::vector<std::string> sanitize_child_argv(const TileConfig& cfg, DType dtype, int head_dim, const std::string& source_file) {
  std::vector<std::string> a = {self_executable(), "sanitize-run", "--config", cfg.name(),
                                "--dtype", std::string(dtype_name(dtype)), "--head-dim", std::to_string(head_dim)};
  if (!source_file.empty()) a.insert(a.end(), {"--source-file", source_file});
  return a;
}

SanitizeResult sanitize_candidate(const TileConfig& cfg, DType dtype, int head_dim, const std::string& source_file,
                                  double timeout_s) {
  return run_sanitizers(sanitize_child_argv(cfg, dtype, head_dim, source_file), kFlashEntry, timeout_s);
}

int run_sanitize_target(const TileConfig& cfg, DType dtype, int head_dim, const std::string& source_file) {
  const DeviceInfo dev = require_device();
  const FlashKernel k(cfg, dtype, head_dim, dev.arch(), FlashVariant::full,
                      source_file.empty() ? "" : read_source_file(source_file));
  // Both cases alive at once: distinct buffers, so no launch sees the addresses of the one before.
  const CheckCase plain(gate_shape(dtype, head_dim, false), fresh_seed(), dev.arch());
  const CheckCase causal(gate_shape(dtype, head_dim, true), fresh_seed(), dev.arch());
  int failed = 0;
  for (const CheckCase* c : {&plain, &causal}) {
    const CheckResult r = check_kernel(*c, k);  // CPU reference: fast
    std::cerr << fmt::format("sanitize-run {} {}: {}{}\n", cfg.name(), c->problem().describe(), r.pass ? "pass" : "FAIL",
                             r.error.empty() ? "" : " (" + r.error + ")");
    failed += !r.pass;
  }
  return failed ? 1 : 0;
}

}  // namespace attnlab
