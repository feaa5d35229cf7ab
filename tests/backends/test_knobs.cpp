// Every knob changes the generated code: two values of each knob give different cubins (a knob that
// changes nothing is a defect the seed project had).
#include <gtest/gtest.h>

#include "backends/custom/flash_kernel.hpp"

namespace attnlab {

namespace {
std::string cubin(const TileConfig& c, DType dt = DType::bf16, int d = 128) {
  return compile_flash(c, dt, d, "sm_90a").cubin;
}
}  // namespace

TEST(Knobs, EachKnobChangesTheCubin) {
  const TileConfig base = TileConfig::parse("m128n64w8s2-swz-qsm");
  const std::string base_cubin = cubin(base);
  struct Variant {
    const char* knob;
    TileConfig cfg;
  };
  std::vector<Variant> variants;
  auto with = [&](const char* knob, auto&& change) {
    TileConfig c = base;
    change(c);
    ASSERT_TRUE(c.constraint_violation(128, ArchLimits::for_arch("sm_90a")).empty()) << knob;
    variants.push_back({knob, c});
  };
  with("block_m", [](TileConfig& c) { c.set("block_m", 64); c.set("num_warps", 4); });
  with("block_n", [](TileConfig& c) { c.set("block_n", 32); });
  with("num_warps", [](TileConfig& c) { c.set("block_m", 128); c.set("num_warps", 4); c.set("block_n", 32); });
  with("stages", [](TileConfig& c) { c.set("stages", 3); });
  with("swizzle", [](TileConfig& c) { c.set("swizzle", 0); });
  with("q_in_regs", [](TileConfig& c) { c.set("q_in_regs", 1); });
  std::vector<std::string> seen{base_cubin};
  for (auto& v : variants) {
    const std::string c = cubin(v.cfg);
    EXPECT_NE(c, base_cubin) << "knob " << v.knob << " (" << v.cfg.name() << ") did not change the cubin";
    for (auto& s : seen) EXPECT_NE(c, s) << v.knob;
    seen.push_back(c);
  }
  // num_warps alone (same block_m/block_n): compare m128n32w4 vs m128n32w8.
  EXPECT_NE(cubin(TileConfig::parse("m128n32w4s2-swz-qsm")), cubin(TileConfig::parse("m128n32w8s2-swz-qsm")));
  EXPECT_NE(cubin(base, DType::f16), base_cubin) << "dtype";
  EXPECT_NE(cubin(base, DType::bf16, 64), base_cubin) << "head dim";
}

// The same for the sm90 family: each of its knobs changes the sm_90a cubin.
TEST(Knobs, EachSm90KnobChangesTheCubin) {
  const auto h100 = ArchLimits::for_arch("sm_90a");
  const TileConfig base = TileConfig::parse("sm90-m128n128s2-pp-ov-grid");
  const std::string base_cubin = cubin(base);
  std::vector<std::string> seen{base_cubin};
  for (const char* name : {"sm90-m192n64s2-pp-ov-grid", "sm90-m128n64s2-pp-ov-grid", "sm90-m128n128s3-pp-ov-grid",
                           "sm90-m128n128s2-nopp-ov-grid", "sm90-m128n128s2-pp-noov-grid", "sm90-m128n128s2-pp-ov-pers",
                           "sm90-m128n128s2-pp-ov-grid-c2"}) {
    const TileConfig c = TileConfig::parse(name);
    ASSERT_EQ(c.constraint_violation(128, h100), "") << name;
    const std::string k = cubin(c);
    for (auto& s : seen) EXPECT_NE(k, s) << name << " compiled to a cubin seen before";
    seen.push_back(k);
  }
  EXPECT_NE(cubin(base, DType::f16), base_cubin) << "dtype";
  EXPECT_NE(cubin(base, DType::bf16, 64), base_cubin) << "head dim";
}

}  // namespace attnlab
