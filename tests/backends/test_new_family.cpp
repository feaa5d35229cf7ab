// docs/kernel.md "Adding a family", followed step by step with a toy family: "toy80", a restricted view of the
// sm80 kernel (its only knob is block_n; 64-row tiles, 4 warps, 2 stages, swizzled, Q from shared memory), so it
// needs no device code of its own (step 1 is the sm80 kernel's). It is declared here (step 2), registered at run
// time (step 3), and then reached through the same paths as the built-in families without any of them naming it
// (step 4: names, parse, spaces, search, compile, launch shape, and on a GPU the gate).
#include <gtest/gtest.h>

#include <regex>

#include <fmt/format.h>

#include "backends/custom/family.hpp"
#include "backends/custom/family_launch.hpp"
#include "backends/custom/flash_kernel.hpp"
#include "check/checker.hpp"
#include "core/error.hpp"
#include "check/inputs.hpp"
#include "search/space.hpp"
#include "test_helpers.hpp"

namespace attnlab {

namespace {
// Step 2: the FamilySpec, every field (family.hpp).
int block_n(const TileConfig& c) { return c.knobs.at(0); }
std::string toy_name(const TileConfig& c) { return fmt::format("toy-n{}", block_n(c)); }
std::optional<std::vector<int>> toy_parse(const std::string& text) {
  static const std::regex named(R"(toy-n(\d+))");
  std::smatch m;
  if (!std::regex_match(text, m, named)) return std::nullopt;
  return std::vector<int>{knob_value(text, m[1])};
}
std::string toy_arch(const ArchLimits&) { return {}; }
int toy_threads(const TileConfig&) { return 128; }
int toy_smem(const TileConfig& c, int d) { return 2 * (64 * d + 2 * 2 * block_n(c) * d); }  // sm80, swizzled rows
int toy_rows(const TileConfig&) { return 64; }
int toy_regs(const TileConfig& c, int d) { return d / 2 + block_n(c) / 2; }  // one m16 tile per warp
std::string toy_constraints(const TileConfig& c, int d, const ArchLimits& lim) {
  if (!is_supported_head_dim(d)) return fmt::format("unsupported head dim {}", d);
  if (block_n(c) != 32 && block_n(c) != 64) return "block_n must be 32 or 64";
  if (toy_smem(c, d) > lim.smem_optin) return "shared memory";
  return {};
}
std::string toy_instantiation(const TileConfig& c, DType dt, int d) {
  return fmt::format("attnlab::sm80::FlashConfig<{}, {}, 64, {}, 4, 2, true, false>", dt == DType::bf16 ? "true" : "false",
                     d, block_n(c));
}
bool toy_resident(const TileConfig&) { return false; }
LaunchDims toy_launch(const TileConfig&, const AttnProblem& p, long long) {
  return {dim3(unsigned((p.seqlen_q + 63) / 64), unsigned(p.heads), unsigned(p.batch))};
}
size_t toy_workspace(const TileConfig&) { return 0; }
KernelArgs toy_args(const TileConfig&, const AttnProblem& p, const AttnTensors& t, const LaunchExtras& x) {
  FlashFwdParams f = make_flash_params(p, t);
  f.micro_cycles = x.micro_cycles;
  return KernelArgs::of(f);
}
std::vector<const char*> toy_prefs(int, bool, int64_t) { return {"toy-n64", "toy-n32"}; }

const FamilySpec kToy{"toy80", 0, {{"block_n", 64}}, {{32, 64}}, {{32, 48, 64}}, toy_name, toy_parse, toy_arch,
                      toy_threads, toy_smem, toy_rows, block_n, toy_regs, toy_constraints, toy_instantiation,
                      "sm80/flash_fwd_kernel.cuh", "attnlab::sm80::flash_fwd", "FlashFwdParams", 0, toy_prefs};
// Step 2, the launch side (family_launch.hpp).
const FamilyLaunch kToyLaunch{toy_resident, toy_launch, toy_workspace, toy_args};

// Step 3: registered once per process (ctest runs each test in a process of its own: every test calls this).
Family toy() {
  static const Family f = [] {
    const Family id = register_family(kToy);
    register_family_launch(id, kToyLaunch);
    return id;
  }();
  return f;
}
}  // namespace

TEST(NewFamily, RegisteredFamilyIsKnownByNameAndNeverTheDefault) {
  const Family f = toy();
  EXPECT_EQ(parse_family("toy80"), f);
  EXPECT_EQ(family_name(f), "toy80");
  EXPECT_NE(family_names().find("toy80"), std::string::npos);
  EXPECT_EQ(all_families().size(), 3u);
  EXPECT_THROW(register_family(kToy), std::logic_error);                   // a name is registered once
  EXPECT_THROW(register_family_launch(f, kToyLaunch), std::logic_error);
  EXPECT_EQ(ArchLimits::for_arch("sm_80").best_family(), Family::sm80);     // default_rank 0
  EXPECT_EQ(ArchLimits::for_arch("sm_90a").best_family(), Family::sm90);
}

TEST(NewFamily, ConfigsParseNameAndTakeKnobsByName) {
  const Family f = toy();
  const TileConfig c = TileConfig::parse("toy-n32");
  EXPECT_EQ(c.family, f);
  EXPECT_EQ(c.name(), "toy-n32");
  EXPECT_EQ(c.knob("block_n"), 32);
  EXPECT_EQ(c.tile_cols(), 32);
  EXPECT_EQ(c.tile_rows(), 64);
  EXPECT_FALSE(c.has_knob("block_m"));
  EXPECT_THROW(c.knob("block_m"), std::logic_error);
  EXPECT_EQ(TileConfig::parse("family=toy80").name(), "toy-n64");            // the base value
  EXPECT_EQ(TileConfig::parse("family=toy80,block_n=32"), c);
  EXPECT_THROW(TileConfig::parse("family=toy80,stages=3"), UserError);       // not one of its knobs
  EXPECT_EQ(TileConfig::parse("m128n64w4s2-swz-qsm").family, Family::sm80);  // the others still parse
}

TEST(NewFamily, SpacesAndSearchUseItsKnobs) {
  const Family f = toy();
  const ArchLimits sm80 = ArchLimits::for_arch("sm_80");
  EXPECT_EQ(valid_space(128, sm80, KnobValues::defaults(f)).size(), 2u);
  EXPECT_EQ(valid_space(128, sm80, KnobValues::tuning(f)).size(), 2u);  // 48 violates the constraint
  EXPECT_EQ(default_config(128, sm80, f).name(), "toy-n64");
  SearchSpace space(128, sm80, KnobValues::tuning(f));
  Rng rng(7);
  const TileConfig m = space.mutate(TileConfig::parse("toy-n64"), rng);
  EXPECT_EQ(m.name(), "toy-n32");
  EXPECT_EQ(space.repair(TileConfig::parse("family=toy80,block_n=48")).family, f);
  EXPECT_EQ(space.knobs_json().dump(), R"({"block_n":[32,48,64],"family":"toy80"})");
}

TEST(NewFamily, CompilesAndLaunchesThroughTheFamilyHooks) {
  toy();
  const TileConfig c = TileConfig::parse("toy-n32");
  const CompiledKernel k = compile_flash(c, DType::bf16, 128, "sm_80");  // NVRTC: no GPU needed
  EXPECT_GT(k.resources.registers, 0);
  EXPECT_NE(k.key, compile_flash(TileConfig::parse("toy-n64"), DType::bf16, 128, "sm_80").key);
  const AttnProblem p = AttnProblem::make(2, 4, 4, 200, 300, 128, DType::bf16, false);
  const LaunchDims d = launch_dims(c, p);
  EXPECT_EQ(d.ctas(), 4 * 4 * 2);
  EXPECT_FALSE(d.clustered());
}

TEST(NewFamily, PassesTheGateOnTheGpu) {
  ATTN_REQUIRE_GPU();
  toy();
  const auto dev = require_device();
  const FlashKernel k(TileConfig::parse("toy-n32"), DType::bf16, 128, dev.arch());
  for (bool causal : {false, true}) {
    const CheckCase cc(AttnProblem::make(1, 4, 2, 333, 517, 128, DType::bf16, causal), fresh_seed(), dev.arch());
    const CheckResult r = check_kernel(cc, k);
    EXPECT_TRUE(r.pass) << r.error << " max-abs " << r.o.max_abs;
  }
}

}  // namespace attnlab
