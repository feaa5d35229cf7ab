// The adversarial suite (tests/adversarial/*.cuh, edits of the built-in kernel shell): every listed
// candidate is present, marked, applies to the current kernel, differs from it, and compiles through the
// source-candidate NVRTC path for sm_80 — so on the GPU it is rejected for what it does, not for failing
// to build. scripts/device-adversarial.sh runs them. Also the edit format itself (search/source_edits).
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "backends/custom/flash_kernel.hpp"
#include "core/error.hpp"
#include "search/gpu_evaluator.hpp"
#include "search/source_edits.hpp"
#include "test_helpers.hpp"

namespace attnlab {

namespace {
namespace fs = std::filesystem;
const fs::path kDir = fs::path(ATTNLAB_SOURCE_DIR) / "tests" / "adversarial";
const std::vector<std::string> kSuite = {
    "state_counter", "output_cache",  "race_no_sync",  "oob_read",        "oob_write",    "shape_shortcut",
    "writes_inputs", "nan_rows",      "hang_after_gate", "hang_on_target", "sniff_o",     "sniff_lse",
    "sniff_partial", "sniff_other_cta", "sniff_o_only", "timer_cadence",  "replay_cache"};
// A candidate whose "Expected:" line says it keeps state is refused when it compiles (runtime/cubin_state.hpp).
bool expects_state_refusal(const std::string& edits) {
  const auto at = edits.find("// Expected: ");
  return edits.substr(at, edits.find('\n', at) - at).find("writable state across launches") != std::string::npos;
}
}  // namespace

TEST(SourceEdits, ReplaceAndPreludeApplyExactlyOnce) {
  const std::string base = "#pragma once\nnamespace attnlab::sm80 {\nint a = 1;\nint b = 2;\n}\n";
  const std::string edits = "// header\n//@@ prelude\nint pre;\n//@@ end\n//@@ replace\nint b = 2;\n//@@ with\nint b = 3;\n//@@ end\n";
  EXPECT_EQ(apply_source_edits(base, edits),
            "// header\n#pragma once\nnamespace attnlab::sm80 {\nint pre;\nint a = 1;\nint b = 3;\n}\n");
  EXPECT_THROW(apply_source_edits(base, "//@@ replace\nint c;\n//@@ with\n\n//@@ end\n"), UserError);  // missing
  EXPECT_THROW(apply_source_edits(base + base, "//@@ replace\nint a = 1;\n//@@ with\n\n//@@ end\n"), UserError);
  EXPECT_THROW(apply_source_edits(base, "//@@ replace\nint a = 1;\n"), UserError);  // not closed
  EXPECT_THROW(apply_source_edits(base, "//@@ bogus\n"), UserError);
}

TEST(Adversarial, SuiteFilesArePresentMarkedAndApply) {
  size_t on_disk = 0;
  for (auto& e : fs::directory_iterator(kDir)) on_disk += e.path().extension() == ".cuh";
  EXPECT_EQ(on_disk, kSuite.size()) << "a new adversarial candidate must be listed here";
  for (const auto& name : kSuite) {
    const fs::path path = kDir / (name + ".cuh");
    ASSERT_TRUE(fs::is_regular_file(path)) << path;
    const std::string edits = read_source_file(path.string());
    EXPECT_EQ(edits.rfind("// ADVERSARIAL SOURCE CANDIDATE '" + name + "'", 0), 0u) << name;
    EXPECT_TRUE(edits.find("// Expected: rejected") != std::string::npos ||
                edits.find("// Expected: accepted (channel control)") != std::string::npos)
        << name;
    const std::string text = builtin_kernel_with_edits(edits);  // throws if the kernel moved under the edit
    EXPECT_NE(text.find("ADVERSARIAL", 200), std::string::npos) << name << ": the change is not marked";
    EXPECT_NE(evaluation_source_hash(text), evaluation_source_hash("")) << name;
  }
}

TEST(Adversarial, VariantSourceWritesTheFullCandidate) {
  const std::string file = (kDir / "oob_read.cuh").string();
  const auto out = fs::path(::testing::TempDir()) / "oob_read_full.cuh";
  const auto r = test::run_cli("variant-source " + file + " -o " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_source_file(out.string()), builtin_kernel_with_edits(read_source_file(file)));
  const auto bad = test::run_cli("variant-source /nonexistent/edits.cuh");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("/nonexistent/edits.cuh"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("No such file"), std::string::npos) << bad.output;
}

TEST(Adversarial, EveryCandidateCompilesOrIsRefusedForItsState) {
  // Stateless candidates compile, so on the GPU they are rejected for what they do; stateful ones are refused
  // at compile time, naming a __device__ object. The smallest tile config and head dim keep NVRTC fast; two
  // compilations at a time (CI has 2 cores).
  const auto cfg = TileConfig::parse("m64n32w4s2-swz-qsm");
  auto compile_one = [&](const std::string& name) -> std::string {
    const std::string edits = read_source_file((kDir / (name + ".cuh")).string());
    const std::string text = builtin_kernel_with_edits(edits);
    const bool refuse = expects_state_refusal(edits);
    try {
      const auto k = compile_flash(cfg, DType::f16, 64, "sm_80", FlashVariant::full, text);
      if (refuse) return name + ": compiled, but it keeps state across launches";
      return k.resources.registers > 0 ? "" : name + ": no registers reported";
    } catch (const CompileError& e) {
      const std::string what = e.what();
      if (refuse && what.find("keeps writable state across launches (__device__ object '") != std::string::npos)
        return "";
      return name + ": " + what + "\n" + e.log().substr(0, 1500);
    }
  };
  for (size_t i = 0; i < kSuite.size(); i += 2) {
    auto second = i + 1 < kSuite.size() ? std::async(std::launch::async, compile_one, kSuite[i + 1])
                                        : std::async(std::launch::deferred, [] { return std::string(); });
    const std::string a = compile_one(kSuite[i]), b = second.get();
    EXPECT_EQ(a, "");
    EXPECT_EQ(b, "");
  }
}

}  // namespace attnlab
