// Source candidates for any family (backends/custom/kernel_patch.hpp): //@@ edits naming the kernel file they
// patch, whole replacement files, the family rule, the include policy on patched files, and the sm90 twins of
// the adversarial suite (tests/adversarial/sm90/), every one applying and compiling through the NVRTC path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "backends/custom/flash_kernel.hpp"
#include "backends/custom/kernel_patch.hpp"
#include "core/error.hpp"
#include "search/gpu_evaluator.hpp"
#include "search/source_edits.hpp"
#include "test_helpers.hpp"

namespace attnlab {

namespace {
namespace fs = std::filesystem;
const fs::path kTwins = fs::path(ATTNLAB_SOURCE_DIR) / "tests" / "adversarial" / "sm90";
const std::vector<std::string> kTwinNames = {"state_counter", "shape_shortcut", "hang_on_target", "oob_read", "race_no_sync"};
// The smallest sm90 config and head dim: NVRTC is fastest there.
const char* kSmallSm90 = "sm90-m64n64s2-nopp-noov-grid";

std::string embedded_text(const std::string& path) {
  for (const auto& f : embedded_kernel_headers())
    if (f.path == path) return f.text;
  return {};
}
// A line of `text` that occurs exactly once and is code, for a no-op edit.
std::string unique_line(const std::string& text) {
  size_t at = 0;
  for (size_t end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    const std::string line = text.substr(at, end - at);
    if (line.size() > 20 && line.find("//") == std::string::npos && line[0] != '#' &&
        text.find(line + "\n") == at && text.find(line + "\n", at + 1) == std::string::npos)
      return line;
  }
  return {};
}
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST(Sm90SourceEdits, EveryFamilyFileTakesEditsAndWholeReplacements) {
  size_t files = 0;
  for (const auto& f : embedded_kernel_headers()) {
    if (f.path.rfind("sm90/", 0) != 0) continue;
    ++files;
    const std::string line = unique_line(f.text);
    ASSERT_FALSE(line.empty()) << f.path;
    const std::string edits = "// a comment outside blocks\n//@@ file " + f.path + "\n//@@ replace\n" + line + "\n//@@ with\n" +
                              line + "  // EDITED\n//@@ end\n";
    const auto patched = apply_kernel_edits(edits);
    ASSERT_EQ(patched.size(), 1u) << f.path;
    EXPECT_EQ(patched[0].path, f.path);
    EXPECT_EQ(patched[0].text.size(), f.text.size() + std::string("  // EDITED").size()) << f.path;
    EXPECT_NE(patched[0].text.find(line + "  // EDITED\n"), std::string::npos) << f.path;
    const auto whole = apply_kernel_edits("//@@ whole " + f.path + "\n" + f.text + "//@@ end\n");
    ASSERT_EQ(whole.size(), 1u);
    EXPECT_EQ(whole[0].text, f.text) << f.path;
    EXPECT_NO_THROW(checked_source_files(edits, sm90_family_spec())) << f.path;
  }
  EXPECT_GE(files, 8u);  // consumer, epilogue, gemm, producer, scheduler, smem, tile_config, kernel shell
  // A prelude goes after the file's own namespace line; two files in one document keep their order.
  const auto two = apply_kernel_edits("//@@ file sm90/scheduler.cuh\n//@@ prelude\nint pre_s;\n//@@ end\n"
                                      "//@@ file sm90/producer.cuh\n//@@ prelude\nint pre_p;\n//@@ end\n");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].path, "sm90/scheduler.cuh");
  EXPECT_NE(two[0].text.find("namespace attnlab::sm90 {\nint pre_s;\n"), std::string::npos);
  EXPECT_NE(two[1].text.find("namespace attnlab::sm90 {\nint pre_p;\n"), std::string::npos);
  // The source hash covers every patched file: two spellings of the same patch share it, another patch does not.
  const std::string a = "//@@ file sm90/producer.cuh\n//@@ prelude\nint x;\n//@@ end\n";
  EXPECT_EQ(evaluation_source_hash(a), evaluation_source_hash("// other words\n" + a));
  EXPECT_NE(evaluation_source_hash(a), evaluation_source_hash("//@@ file sm90/producer.cuh\n//@@ prelude\nint y;\n//@@ end\n"));
  EXPECT_NE(evaluation_source_hash(a), evaluation_source_hash(""));
}

TEST(Sm90SourceEdits, BadEditsAreOneLineErrorsNamingFileAndLine) {
  const auto msg = [](const std::string& edits) { return message_of([&] { apply_kernel_edits(edits); }); };
  const std::string missing = msg("//@@ file sm90/consumer.cuh\n// comment\n//@@ replace\nint no_such_line;\n//@@ with\n\n//@@ end\n");
  EXPECT_NE(missing.find("line 3"), std::string::npos) << missing;
  EXPECT_NE(missing.find("sm90/consumer.cuh"), std::string::npos) << missing;
  EXPECT_NE(missing.find("matches 0 times"), std::string::npos) << missing;
  EXPECT_EQ(missing.find('\n'), std::string::npos) << missing;
  const std::string twice = msg("//@@ file sm90/consumer.cuh\n//@@ replace\n#pragma unroll\n//@@ with\n\n//@@ end\n");
  EXPECT_NE(twice.find("matches several times"), std::string::npos) << twice;
  EXPECT_NE(msg("//@@ file sm90/nope.cuh\n").find("line 1: 'sm90/nope.cuh' is not a kernel file"), std::string::npos);
  EXPECT_NE(msg("//@@ file sm90/consumer.cuh\nint smuggled;\n").find("line 2: code outside a //@@ block"), std::string::npos);
  EXPECT_NE(msg("//@@ file sm90/consumer.cuh\n//@@ prelude\nint x;\n").find("line 2: this block is not closed"), std::string::npos);
  EXPECT_NE(msg("//@@ whole sm90/gemm.cuh\n//@@ end\n//@@ file sm90/gemm.cuh\n//@@ prelude\n").find("line 3"), std::string::npos);
  for (const std::string& m : {twice, missing}) EXPECT_EQ(m.rfind("source edits line ", 0), 0u) << m;
}

TEST(Sm90SourceEdits, FamilyMismatchAndIncludeViolationsAreRefused) {
  const std::string sm90_edits = "//@@ file sm90/consumer.cuh\n//@@ prelude\nint x;\n//@@ end\n";
  const auto sm80 = TileConfig::parse("m64n32w4s2-swz-qsm");
  const auto sm90 = TileConfig::parse(kSmallSm90);
  const std::string mismatch = message_of([&] { compile_flash(sm80, DType::bf16, 64, "sm_80", FlashVariant::full, sm90_edits); });
  EXPECT_NE(mismatch.find("patches sm90/consumer.cuh, but its config is of family sm80"), std::string::npos) << mismatch;
  // The original format edits the sm80 kernel shell: not for an sm90 config.
  const std::string legacy = "//@@ prelude\nint x;\n//@@ end\n";
  EXPECT_NE(message_of([&] { compile_flash(sm90, DType::bf16, 64, "sm_90a", FlashVariant::full, legacy); })
                .find("patches sm80/flash_fwd_kernel.cuh, but its config is of family sm90"),
            std::string::npos);
  EXPECT_THROW(checked_source_files(legacy, sm90_family_spec()), UserError);
  EXPECT_NO_THROW(checked_source_files(legacy, sm80_family_spec()));
  // An include the policy refuses, in any patched file, stops the compile before NVRTC runs.
  for (const std::string& inc : {"#include \"/etc/passwd\"", "#include <cstdio>", "#include \"../sm80/mainloop.cuh\""}) {
    const std::string bad = "//@@ file sm90/producer.cuh\n//@@ prelude\n" + inc + "\n//@@ end\n";
    const std::string why = message_of([&] { checked_source_files(bad, sm90_family_spec()); });
    EXPECT_EQ(why.rfind("sm90/producer.cuh: ", 0), 0u) << why;
    const std::string at_compile = message_of([&] { compile_flash(sm90, DType::bf16, 64, "sm_90a", FlashVariant::full, bad); });
    EXPECT_NE(at_compile.find("refused before compiling: sm90/producer.cuh"), std::string::npos) << at_compile;
  }
  const std::string whole = "//@@ whole sm90/gemm.cuh\n#include <cuda_runtime.h>\n//@@ end\n";
  EXPECT_NE(message_of([&] { checked_source_files(whole, sm90_family_spec()); }).find("sm90/gemm.cuh: "), std::string::npos);
}

TEST(Sm90SourceEdits, CheckSourceCommand) {
  const auto dir = fs::path(::testing::TempDir());
  const auto good = test::run_cli("check-source " + (kTwins / "honest.cuh").string() + " --family sm90");
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find("ok: sm90/consumer.cuh, sm90/producer.cuh"), std::string::npos) << good.output;
  const auto wrong_family = test::run_cli("check-source " + (kTwins / "honest.cuh").string() + " --family sm80");
  EXPECT_NE(wrong_family.exit_code, 0);
  EXPECT_NE(wrong_family.output.find("its config is of family sm80"), std::string::npos) << wrong_family.output;
  const auto bad = dir / "bad_edit.cuh";
  std::ofstream(bad) << "//@@ file sm90/softmax_missing.cuh\n";
  const auto r = test::run_cli("check-source " + bad.string() + " --family sm90");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("line 1: 'sm90/softmax_missing.cuh' is not a kernel file"), std::string::npos) << r.output;
}

TEST(Sm90SourceEdits, HonestEditsAndTwinsCompileForSm90a) {
  // The unchanged kernel as edits compiles with the built-in's registers; each adversarial twin applies, marks
  // its change, and compiles (or is refused for its state, as its Expected: line says). Two compiles at a time.
  const auto cfg = TileConfig::parse(kSmallSm90);
  const auto builtin = compile_flash(cfg, DType::bf16, 64, "sm_90a");
  auto compile_one = [&](const std::string& name) -> std::string {
    const std::string edits = read_source_file((kTwins / (name + ".cuh")).string());
    const bool refuse = edits.find("writable state across launches") != std::string::npos;
    if (name != "honest") {
      if (edits.rfind("// ADVERSARIAL SOURCE CANDIDATE '" + name + "'", 0) != 0) return name + ": not marked";
      bool marked = false;
      for (const auto& f : apply_kernel_edits(edits)) marked |= f.text.find("ADVERSARIAL") != std::string::npos;
      if (!marked) return name + ": the change is not marked ADVERSARIAL";
    }
    try {
      const auto k = compile_flash(cfg, DType::bf16, 64, "sm_90a", FlashVariant::full, edits);
      if (refuse) return name + ": compiled, but it keeps state across launches";
      if (name == "honest" && (k.resources.registers != builtin.resources.registers ||
                               k.resources.spill_stores != builtin.resources.spill_stores))
        return "honest: registers differ from the built-in kernel's";
      return k.resources.registers > 0 ? "" : name + ": no registers reported";
    } catch (const CompileError& e) {
      if (refuse && std::string(e.what()).find("keeps writable state across launches (__device__ object '") != std::string::npos)
        return "";
      return name + ": " + e.what() + "\n" + e.log().substr(0, 1500);
    }
  };
  std::vector<std::string> names = kTwinNames;
  names.push_back("honest");
  size_t on_disk = 0;
  for (auto& e : fs::directory_iterator(kTwins)) on_disk += e.path().extension() == ".cuh";
  EXPECT_EQ(on_disk, names.size()) << "a new sm90 twin must be listed here";
  for (size_t i = 0; i < names.size(); i += 2) {
    auto second = std::async(std::launch::async, compile_one, names[i + 1]);
    EXPECT_EQ(compile_one(names[i]), "");
    EXPECT_EQ(second.get(), "");
  }
}

}  // namespace attnlab
