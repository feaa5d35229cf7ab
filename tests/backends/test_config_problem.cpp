// Tile configs (naming, parsing, constraints) and problem validation.
#include <gtest/gtest.h>

#include "backends/custom/sm90_params.hpp"
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
  // Nothing after a non key=value item is dropped silently; knobs of the other family are refused.
  EXPECT_THROW(TileConfig::parse("block_m=128,foo"), UserError);
  EXPECT_THROW(TileConfig::parse("block_m=128,"), UserError);
  EXPECT_THROW(TileConfig::parse("family=sm90,num_warps=8"), UserError);
  EXPECT_THROW(TileConfig::parse("family=sm70"), UserError);
  EXPECT_THROW(TileConfig::parse("block_m=99999999999"), UserError);
  EXPECT_THROW(TileConfig::parse("m99999999999n64w4s2-swz-qsm"), UserError);
  EXPECT_THROW(TileConfig::parse("swizzle=2"), UserError);
}

TEST(TileConfig, Sm90NamesAndKnobs) {
  for (auto& c : full_space(KnobValues::tuning(Family::sm90))) EXPECT_EQ(TileConfig::parse(c.name()), c) << c.name();
  auto c = TileConfig::parse("family=sm90,block_m=192,block_n=176,stages=3,pingpong=0,overlap=0,persistent=1");
  EXPECT_EQ(c.family, Family::sm90);
  EXPECT_EQ(c.name(), "sm90-m192n176s3-nopp-noov-pers");
  EXPECT_EQ(c.threads(), 512);
  EXPECT_EQ(c.instantiation(DType::bf16, 128), "attnlab::sm90::FlashConfig<true, 128, 3, 176, 3, false, false, true, 1>");
  EXPECT_EQ(TileConfig::parse("sm90-m128n128s2-pp-ov-grid").smem_bytes(128), 2048 + 2 * 128 * (128 + 2 * 2 * 128));
  const auto h100 = ArchLimits::for_arch("sm_90a"), a100 = ArchLimits::for_arch("sm_80");
  EXPECT_EQ(TileConfig::parse("sm90-m128n128s2-pp-ov-grid").constraint_violation(128, h100), "");
  EXPECT_NE(TileConfig::parse("sm90-m128n128s2-pp-ov-grid").constraint_violation(128, a100), "");  // no wgmma
  EXPECT_NE(TileConfig::parse("sm90-m64n128s2-pp-ov-grid").constraint_violation(128, h100), "");   // one consumer
  EXPECT_NE(TileConfig::parse("sm90-m128n128s3-pp-ov-grid").constraint_violation(256, h100), "");  // smem
  EXPECT_NE(TileConfig::parse("sm90-m192n128s2-pp-ov-grid").constraint_violation(128, h100), "");  // registers
  EXPECT_EQ(default_config(128, h100).family, Family::sm90);
  EXPECT_EQ(default_config(128, a100).family, Family::sm80);
  EXPECT_EQ(default_config(128, h100, Family::sm80).family, Family::sm80);
  for (int d : {64, 128, 256}) EXPECT_GE(valid_space(d, h100, KnobValues::defaults(Family::sm90)).size(), 8u) << d;
  EXPECT_TRUE(valid_space(128, a100, KnobValues::defaults(Family::sm90)).empty());
}

TEST(TileConfig, ConfigLists) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_config_list("m64n64w4s2-swz-qsm"), V{"m64n64w4s2-swz-qsm"});
  EXPECT_EQ(split_config_list("m64n64w4s2-swz-qsm,block_m=128,block_n=32,sm90-m128n128s2-pp-ov-grid"),
            (V{"m64n64w4s2-swz-qsm", "block_m=128,block_n=32", "sm90-m128n128s2-pp-ov-grid"}));
  EXPECT_EQ(split_config_list("block_m=64,family=sm90,block_m=128"), (V{"block_m=64", "family=sm90,block_m=128"}));
  EXPECT_THROW(split_config_list("a,,b"), UserError);
  EXPECT_THROW(split_config_list("a,"), UserError);
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

namespace attnlab {
// Fewer tiles than SMs: the default moves to the family's 64-row tiles (more CTAs), measured faster on
// the seed shape; a full grid keeps the per-head-dim default.
TEST(TileConfig, SmallGridsGetSmallerTiles) {
  const auto h100 = ArchLimits::for_arch("sm_90a");
  const AttnProblem seed = AttnProblem::make(1, 8, 8, 512, 512, 64, DType::f16, false);
  EXPECT_EQ(default_config_for(seed, h100, Family::sm90, 132).name(), "sm90-m64n128s2-nopp-ov-grid");
  const AttnProblem big = AttnProblem::make(4, 16, 16, 4096, 4096, 64, DType::bf16, false);
  EXPECT_EQ(default_config_for(big, h100, Family::sm90, 132), default_config(64, h100, Family::sm90));
  EXPECT_EQ(default_config_for(seed, h100, Family::sm90, 0), default_config(64, h100, Family::sm90, false, 512));
}

// Short rows get persistent CTAs (two Q buffers), long causal rows one CTA per tile (evidence/h100/qbuf/).
TEST(TileConfig, DefaultsFollowTheKeyLength) {
  const auto h100 = ArchLimits::for_arch("sm_90a");
  auto pick = [&](int s, int d, bool causal) {
    return default_config_for(AttnProblem::make(16384 / s, 2048 / d, 2048 / d, s, s, d, DType::bf16, causal), h100,
                              Family::sm90, 132);
  };
  EXPECT_TRUE(pick(1024, 128, true).knob("persistent"));
  EXPECT_TRUE(pick(4096, 128, true).knob("persistent"));  // dynamic causal hand-out (evidence/h100/dynsched)
  EXPECT_FALSE(pick(8192, 128, true).knob("persistent"));
  EXPECT_EQ(pick(512, 64, true).knob("block_m"), 128);
  EXPECT_EQ(pick(4096, 64, true).knob("block_m"), 192);
  EXPECT_TRUE(pick(4096, 64, true).knob("persistent"));
  EXPECT_FALSE(pick(16384, 64, true).knob("persistent"));
  EXPECT_TRUE(pick(16384, 128, false).knob("persistent"));
  EXPECT_TRUE(pick(512, 64, false).knob("persistent"));
  EXPECT_FALSE(pick(4096, 64, false).knob("persistent"));
  EXPECT_FALSE(pick(512, 256, false).knob("persistent"));  // no room for a second 128-row Q buffer at d=256
  for (int d : {64, 128, 256})
    for (int s : {512, 2048, 16384})
      for (bool causal : {false, true}) EXPECT_EQ(pick(s, d, causal).constraint_violation(d, h100), "") << d << " " << s;
}

// Persistent causal groups: small (8 MB of K/V) for short rows, where the kernel is DRAM-bound; 25 MB above.
TEST(TileConfig, CausalGroupsFollowTheKeyLength) {
  auto groups = [](int s, int d) {
    return causal_group_heads(AttnProblem::make(16384 / s, 2048 / d, 2048 / d, s, s, d, DType::bf16, true));
  };
  EXPECT_EQ(groups(512, 128), 30);    // 8e6 / (2 * 512 * 128 * 2)
  EXPECT_EQ(groups(2048, 128), 23);   // 25e6 / (2 * 2048 * 128 * 2)
  EXPECT_EQ(groups(16384, 128), 2);
  EXPECT_EQ(groups(16384, 256), 1);   // at least one
  EXPECT_EQ(causal_group_heads(AttnProblem::make(1, 2, 2, 128, 128, 64, DType::bf16, true)), 2);  // at most B*H
}
}  // namespace attnlab
