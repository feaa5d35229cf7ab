// Tile configs (naming, parsing, constraints) and problem validation.
#include <gtest/gtest.h>

#include "backends/custom/tile_config.hpp"
#include "core/error.hpp"
#include "core/problem.hpp"

namespace attnlab {

TEST(TileConfig, NameRoundTrip) {
  for (auto& c : full_space()) EXPECT_EQ(TileConfig::parse(c.name()), c) << c.name();
  auto c = TileConfig::parse("block_m=64,block_n=32,num_warps=4,stages=3,swizzle=0,q_in_regs=1");
  EXPECT_EQ(c.name(), "m64n32w4s3-pad-qreg");
}

TEST(TileConfig, ParseErrors) {
  EXPECT_THROW(TileConfig::parse("fast"), UserError);
  EXPECT_THROW(TileConfig::parse("block_m=abc"), UserError);
  EXPECT_THROW(TileConfig::parse("blockm=64"), UserError);
}

TEST(TileConfig, Constraints) {
  const auto h100 = ArchLimits::for_arch("sm_90a"), ada = ArchLimits::for_arch("sm_89");
  EXPECT_EQ(TileConfig::parse("m128n64w4s2-swz-qsm").smem_bytes(128), 2 * (128 * 128 + 2 * 2 * 64 * 128));
  EXPECT_EQ(TileConfig::parse("m128n64w4s2-pad-qsm").smem_bytes(128), 2 * (128 * 136 + 2 * 2 * 64 * 136));
  EXPECT_NE(TileConfig::parse("m64n64w8s2-swz-qsm").constraint_violation(128, h100), "");  // 8 rows per warp
  EXPECT_NE(TileConfig::parse("m128n128w8s3-swz-qsm").constraint_violation(128, ada), "");  // smem
  EXPECT_EQ(TileConfig::parse("m128n128w8s3-swz-qsm").constraint_violation(128, h100), "");
  EXPECT_THROW(ArchLimits::for_arch("sm_70"), UserError);
  for (std::string arch : {"sm_80", "sm_89", "sm_90a"})
    for (int d : {64, 128, 256}) {
      auto limits = ArchLimits::for_arch(arch);
      EXPECT_EQ(default_config(d, limits).constraint_violation(d, limits), "") << arch << " " << d;
      EXPECT_GE(valid_space(d, limits).size(), 2u) << arch << " " << d;
    }
  EXPECT_GE(valid_space(128, h100).size(), 24u);
}

TEST(TileConfig, InstantiationIsTheOnlyMapping) {
  EXPECT_EQ(TileConfig::parse("m64n32w4s3-pad-qreg").instantiation(DType::f16, 256),
            "attnlab::sm80::FlashConfig<false, 256, 64, 32, 4, 3, false, true>");
}

TEST(Problem, Validation) {
  AttnProblem p;
  EXPECT_EQ(p.validate(), "");
  p.head_dim = 80;
  EXPECT_NE(p.validate().find("unsupported head dim 80"), std::string::npos);
  p.head_dim = 128;
  p.heads = 8;
  p.heads_k = 3;
  EXPECT_NE(p.validate().find("must divide"), std::string::npos);
  p.heads_k = 2;
  EXPECT_EQ(p.validate(), "");
  p.batch = 0;
  EXPECT_NE(p.validate(), "");
  p.batch = 1;
  p.seqlen_k = 0;
  EXPECT_NE(p.validate(), "");
  p.seqlen_k = 5;
  p.softmax_scale = -1;
  EXPECT_NE(p.validate(), "");
  EXPECT_THROW(p.validate_or_throw(), UserError);
}

TEST(Problem, Flops) {
  AttnProblem p;
  p.batch = 4;
  p.heads = p.heads_k = 16;
  p.seqlen_q = p.seqlen_k = 4096;
  p.head_dim = 128;
  EXPECT_DOUBLE_EQ(p.flops(), 4.0 * 4 * 16 * 4096.0 * 4096 * 128);
  p.causal = true;
  EXPECT_DOUBLE_EQ(p.flops(), 2.0 * 4 * 16 * 4096.0 * 4096 * 128);
  p.seqlen_q = 3;
  p.seqlen_k = 5;  // bottom-right: rows see 3, 4, 5 keys
  EXPECT_EQ(p.unmasked_pairs(), 12);
  p.seqlen_q = 5;
  p.seqlen_k = 3;  // rows 0, 1 see nothing
  EXPECT_EQ(p.unmasked_pairs(), 6);
}

}  // namespace attnlab
