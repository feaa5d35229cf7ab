// Source candidates of the proposer hook: a replacement for kernels/sm80/flash_fwd_kernel.cuh compiles
// through the same NVRTC path, is keyed separately (its own cache entry and source hash), and a broken one
// fails with the compiler log instead of being run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "backends/custom/flash_kernel.hpp"
#include "runtime/embedded_kernels.hpp"
#include "core/error.hpp"
#include "search/gpu_evaluator.hpp"

namespace attnlab {

namespace {
std::string builtin_kernel_text() {
  for (auto& f : embedded_kernel_headers())
    if (f.path == "sm80/flash_fwd_kernel.cuh") return f.text;
  return {};
}
}  // namespace

TEST(SourceCandidates, VariantCompilesAndIsKeyedSeparately) {
  const std::string text = builtin_kernel_text();
  ASSERT_FALSE(text.empty());
  // A variant: the built-in kernel with the causal launch order flipped off (a real code change).
  std::string variant = text;
  const std::string from = "const int m_block = causal ? gridDim.x - 1 - blockIdx.x : blockIdx.x;";
  ASSERT_NE(variant.find(from), std::string::npos);
  variant.replace(variant.find(from), from.size(), "const int m_block = blockIdx.x;");
  const auto cfg = TileConfig::parse("m128n64w8s2-swz-qsm");
  auto builtin = compile_flash(cfg, DType::bf16, 128, "sm_90a");
  auto proposed = compile_flash(cfg, DType::bf16, 128, "sm_90a", FlashVariant::full, variant);
  EXPECT_GT(proposed.resources.registers, 0);
  EXPECT_NE(proposed.key, builtin.key);
  EXPECT_NE(proposed.cubin, builtin.cubin);
  EXPECT_NE(evaluation_source_hash(variant), evaluation_source_hash(""));
  EXPECT_EQ(evaluation_source_hash(""), embedded_kernels_hash());
}

TEST(SourceCandidates, BrokenVariantIsACompileErrorWithLog) {
  const auto cfg = TileConfig::parse("m128n64w8s2-swz-qsm");
  try {
    compile_flash(cfg, DType::bf16, 128, "sm_90a", FlashVariant::full, "this is not a kernel;");
    FAIL() << "expected CompileError";
  } catch (const CompileError& e) {
    EXPECT_NE(e.log().find("error"), std::string::npos);
  }
}

TEST(SourceCandidates, MissingFileIsAUserError) {
  EXPECT_THROW(read_source_file("/nonexistent/variant.cuh"), UserError);
  const auto path = std::filesystem::path(::testing::TempDir()) / "variant.cuh";
  std::ofstream(path) << "// variant\n";
  EXPECT_EQ(read_source_file(path.string()), "// variant\n");
}

}  // namespace attnlab
