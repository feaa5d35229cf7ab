// The adversarial suite (tests/adversarial/*.cuh): every listed candidate is present, marked, different
// from the built-in kernel, and compiles through the source-candidate NVRTC path for sm_80 — so on the
// GPU it is rejected for what it does, not for failing to build. scripts/device-adversarial.sh runs them.
#include <gtest/gtest.h>

#include <filesystem>

#include "backends/custom/flash_kernel.hpp"
#include "runtime/embedded_kernels.hpp"
#include "search/gpu_evaluator.hpp"

namespace attnlab {

namespace {
namespace fs = std::filesystem;
const fs::path kDir = fs::path(__FILE__).parent_path() / "adversarial";
const std::vector<std::string> kSuite = {"state_counter", "output_cache", "race_no_sync",   "oob_read",       "oob_write",
                                         "shape_shortcut", "writes_inputs", "nan_rows", "hang_after_gate"};
std::string builtin_kernel_text() {
  for (auto& f : embedded_kernel_headers())
    if (f.path == "sm80/flash_fwd_kernel.cuh") return f.text;
  return {};
}
}  // namespace

TEST(Adversarial, SuiteFilesArePresentAndMarked) {
  const std::string builtin = builtin_kernel_text();
  ASSERT_FALSE(builtin.empty());
  size_t on_disk = 0;
  for (auto& e : fs::directory_iterator(kDir)) on_disk += e.path().extension() == ".cuh";
  EXPECT_EQ(on_disk, kSuite.size()) << "a new adversarial candidate must be listed here and in the device script";
  for (const auto& name : kSuite) {
    const fs::path path = kDir / (name + ".cuh");
    ASSERT_TRUE(fs::is_regular_file(path)) << path;
    const std::string text = read_source_file(path.string());
    EXPECT_EQ(text.rfind("// ADVERSARIAL SOURCE CANDIDATE '" + name + "'", 0), 0u) << name;
    EXPECT_NE(text.find("// Expected: rejected"), std::string::npos) << name;
    EXPECT_NE(text.find("ADVERSARIAL", 100), std::string::npos) << name << ": the change is not marked";
    EXPECT_NE(text.find("flash_fwd_impl"), std::string::npos) << name << ": not a kernel-shell replacement";
    EXPECT_NE(evaluation_source_hash(text), evaluation_source_hash("")) << name;
  }
}

TEST(Adversarial, EveryCandidateCompilesForSm80) {
  const auto cfg = TileConfig::parse("m64n32w4s2-swz-qsm");
  for (const auto& name : kSuite) {
    const std::string text = read_source_file((kDir / (name + ".cuh")).string());
    try {
      const auto k = compile_flash(cfg, DType::f16, 64, "sm_80", FlashVariant::full, text);
      EXPECT_GT(k.resources.registers, 0) << name;
    } catch (const CompileError& e) {
      ADD_FAILURE() << name << ": " << e.what() << "\n" << e.log().substr(0, 1500);
    }
  }
}

}  // namespace attnlab
