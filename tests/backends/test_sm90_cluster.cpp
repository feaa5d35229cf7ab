// The sm90 cluster knob (2-CTA thread-block clusters with TMA multicast of K/V), host side, no GPU: names and
// key=value parsing, the constraint, the spaces, the template instantiation, the tuner's space and the launch
// shape (grid.x padded to a multiple of the cluster size).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "backends/custom/flash_kernel.hpp"
#include "core/error.hpp"
#include "core/problem.hpp"
#include "search/space.hpp"

namespace attnlab {
namespace {

const ArchLimits kH100 = ArchLimits::for_arch("sm_90a");

AttnProblem problem(int batch, int heads, int seqlen_q, int head_dim = 128) {
  AttnProblem p;
  p.batch = batch;
  p.heads = p.heads_k = heads;
  p.seqlen_q = p.seqlen_k = seqlen_q;
  p.head_dim = head_dim;
  return p;
}

}  // namespace

TEST(Sm90Cluster, NameAndParseRoundTrip) {
  const TileConfig c = TileConfig::parse("sm90-m128n128s2-pp-ov-grid-c2");
  EXPECT_EQ(c.family, Family::sm90);
  EXPECT_EQ(c.knob("cluster"), 2);
  EXPECT_FALSE(c.knob("persistent"));
  EXPECT_EQ(c.name(), "sm90-m128n128s2-pp-ov-grid-c2");
  // Without a cluster the name is unchanged (names from before the knob still mean the same config).
  const TileConfig g = TileConfig::parse("sm90-m128n128s2-pp-ov-grid");
  EXPECT_EQ(g.knob("cluster"), 1);
  EXPECT_EQ(g.name(), "sm90-m128n128s2-pp-ov-grid");
  EXPECT_NE(c, g);
  // One name per config: no "-c1".
  EXPECT_THROW(TileConfig::parse("sm90-m128n128s2-pp-ov-grid-c1"), UserError);
  EXPECT_THROW(TileConfig::parse("sm90-m128n128s2-pp-ov-grid-c"), UserError);
  EXPECT_THROW(TileConfig::parse("sm90-m128n128s2-pp-ov-grid-c99999999999"), UserError);
  for (auto& t : full_space(KnobValues::tuning(Family::sm90))) EXPECT_EQ(TileConfig::parse(t.name()), t) << t.name();
}

TEST(Sm90Cluster, KeyValueForm) {
  const TileConfig c = TileConfig::parse("family=sm90,block_m=128,block_n=128,stages=2,persistent=0,cluster=2");
  EXPECT_EQ(c.knob("cluster"), 2);
  EXPECT_EQ(c.name(), "sm90-m128n128s2-pp-ov-grid-c2");
  EXPECT_EQ(TileConfig::parse("family=sm90,cluster=1").knob("cluster"), 1);
  EXPECT_THROW(TileConfig::parse("family=sm90,cluster=x"), UserError);
  // The sm80 family has no cluster knob: refused like any other family's knob.
  EXPECT_THROW(TileConfig::parse("cluster=2"), UserError);
  EXPECT_THROW(TileConfig::parse("family=sm80,block_m=128,cluster=2"), UserError);
  EXPECT_EQ(TileConfig::parse("family=sm90,cluster=3").constraint_violation(128, kH100),
            "cluster must be 1 or 2 (CTAs per thread-block cluster)");
  EXPECT_NE(TileConfig::parse("family=sm90,cluster=0").constraint_violation(128, kH100), "");
}

TEST(Sm90Cluster, PersistentIsRejected) {
  const TileConfig c = TileConfig::parse("family=sm90,block_m=128,block_n=128,persistent=1,cluster=2");
  const std::string why = c.constraint_violation(128, kH100);
  EXPECT_NE(why.find("cluster=2 needs the grid scheduler (persistent=0)"), std::string::npos) << why;
  // The grid twin is valid wherever the cluster-less config is (same shared memory, threads, registers).
  for (int d : {64, 128, 256})
    for (auto& g : valid_space(d, kH100, KnobValues::defaults(Family::sm90))) {
      if (g.knob("persistent")) continue;
      TileConfig c2 = g;
      c2.set("cluster", 2);
      EXPECT_EQ(c2.constraint_violation(d, kH100), "") << c2.name() << " d=" << d;
      EXPECT_EQ(c2.smem_bytes(d), g.smem_bytes(d));
      EXPECT_EQ(c2.threads(), g.threads());
    }
  EXPECT_NE(TileConfig::parse("sm90-m128n128s2-pp-ov-grid-c2").constraint_violation(128, ArchLimits::for_arch("sm_80")), "");
}

TEST(Sm90Cluster, Instantiation) {
  EXPECT_EQ(TileConfig::parse("sm90-m128n128s2-pp-ov-grid-c2").instantiation(DType::bf16, 128),
            "attnlab::sm90::FlashConfig<true, 128, 2, 128, 2, true, true, false, 2>");
  EXPECT_EQ(TileConfig::parse("sm90-m128n128s2-pp-ov-grid").instantiation(DType::f16, 64),
            "attnlab::sm90::FlashConfig<false, 64, 2, 128, 2, true, true, false, 1>");
  const std::string src = flash_entry_source(TileConfig::parse("sm90-m64n64s2-nopp-ov-grid-c2"), DType::bf16, 256);
  EXPECT_NE(src.find("FlashConfig<true, 256, 1, 64, 2, false, true, false, 2>"), std::string::npos) << src;
}

TEST(Sm90Cluster, Spaces) {
  // Default space (check, micro, CI): no clusters until they are measured; tuning space: both.
  for (auto& c : full_space(KnobValues::defaults(Family::sm90))) EXPECT_EQ(c.knob("cluster"), 1) << c.name();
  for (int d : {64, 128, 256}) {
    const auto tuning = valid_space(d, kH100, KnobValues::tuning(Family::sm90));
    size_t c2 = 0, c1_grid = 0;
    for (auto& c : tuning) {
      if (c.knob("cluster") == 2) {
        ++c2;
        EXPECT_FALSE(c.knob("persistent")) << c.name();
        EXPECT_NE(c.name().find("-grid-c2"), std::string::npos) << c.name();
      } else if (!c.knob("persistent")) {
        ++c1_grid;
      }
    }
    EXPECT_EQ(c2, c1_grid) << "d=" << d << ": every grid config has its -c2 twin";
    EXPECT_GT(c2, 0u);
  }
  // The tuner's space: the knob is listed, the twins are valid, the persistent ones are not.
  const SearchSpace space(128, kH100, KnobValues::tuning(Family::sm90));
  EXPECT_EQ(space.knobs_json()["cluster"], nlohmann::json({1, 2}));
  EXPECT_TRUE(space.valid(TileConfig::parse("sm90-m128n128s2-pp-ov-grid-c2")));
  EXPECT_FALSE(space.valid(TileConfig::parse("family=sm90,block_m=128,block_n=128,persistent=1,cluster=2")));
  const auto& all = space.all_valid();
  EXPECT_NE(std::find(all.begin(), all.end(), TileConfig::parse("sm90-m128n128s2-pp-ov-grid-c2")), all.end());
  // Repair of persistent+cluster lands on a valid neighbour one knob away.
  const TileConfig bad = TileConfig::parse("family=sm90,block_m=128,block_n=128,persistent=1,cluster=2");
  const TileConfig fixed = space.repair(bad);
  EXPECT_TRUE(space.valid(fixed)) << fixed.name();
  EXPECT_EQ(space.distance(bad, fixed), 2) << fixed.name();
  Rng rng(3);
  for (int i = 0; i < 500; ++i) {
    const TileConfig m = space.mutate(space.random_valid(rng), rng);
    ASSERT_TRUE(space.valid(m)) << m.name();
  }
}

TEST(Sm90Cluster, LaunchDims) {
  const TileConfig grid = TileConfig::parse("sm90-m128n128s2-pp-ov-grid");
  const TileConfig c2 = TileConfig::parse("sm90-m128n128s2-pp-ov-grid-c2");
  // 1000 rows: 8 m-blocks (even), 1100: 9 (odd, padded to 10), 1: one m-block (padded to 2).
  for (auto [sq, gx, gx2] : {std::tuple{1000, 8u, 8u}, std::tuple{1100, 9u, 10u}, std::tuple{1, 1u, 2u},
                             std::tuple{128, 1u, 2u}, std::tuple{256, 2u, 2u}}) {
    const AttnProblem p = problem(3, 5, sq);
    const LaunchDims a = launch_dims(grid, p), b = launch_dims(c2, p);
    EXPECT_EQ(a.grid.x, gx) << sq;
    EXPECT_EQ(b.grid.x, gx2) << sq;
    EXPECT_EQ(b.grid.x % 2, 0u) << sq;
    EXPECT_EQ(b.grid.y, 5u);
    EXPECT_EQ(b.grid.z, 3u);
    EXPECT_FALSE(a.clustered());
    EXPECT_TRUE(b.clustered());
    EXPECT_EQ(b.cluster.x, 2u);
    EXPECT_EQ(b.cluster.y * b.cluster.z, 1u);
    EXPECT_EQ(b.ctas(), (long long)gx2 * 15);
  }
  // Persistent: one CTA per resident slot, at most one per tile; no cluster.
  const TileConfig pers = TileConfig::parse("sm90-m128n128s2-pp-ov-pers");
  EXPECT_EQ(launch_dims(pers, problem(1, 16, 8192), 132).grid.x, 132u);
  EXPECT_EQ(launch_dims(pers, problem(1, 2, 256), 132).grid.x, 4u);
  EXPECT_FALSE(launch_dims(pers, problem(1, 2, 256), 132).clustered());
  EXPECT_THROW(launch_dims(pers, problem(1, 2, 256)), std::logic_error);
  // sm80: one CTA per tile, as before.
  const LaunchDims s80 = launch_dims(TileConfig::parse("m128n64w4s2-swz-qsm"), problem(2, 4, 1100));
  EXPECT_EQ(s80.grid.x, 9u);
  EXPECT_FALSE(s80.clustered());
}

}  // namespace attnlab
