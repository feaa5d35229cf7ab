// attnlab inspect: compiler-warning parsing, flags (planted spill), dead-knob detection on synthetic
// targets (planted dead knob), the report, and one real end-to-end run of two sm80 configs for sm_80.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "backends/custom/tile_config.hpp"
#include "profile/inspect.hpp"
#include "profile/sass.hpp"
#include "test_helpers.hpp"

namespace attnlab::profile {

namespace {
const char* kSpillLog =
    "ptxas info    : Compiling entry function 'attnlab_flash_fwd' for 'sm_90a'\n"
    "ptxas info    : Function properties for attnlab_flash_fwd\n"
    "    40 bytes stack frame, 36 bytes spill stores, 36 bytes spill loads\n"
    "ptxas warning : (C7511) Potential Performance Loss: wgmma.mma_async instructions are serialized due to "
    "insufficient register resources for the wgmma pipeline in the function 'attnlab_flash_fwd'\n"
    "ptxas warning : (C7508) Potential Performance Loss: setmaxnreg ignored; unable to determine register count at "
    "entry.\n"
    "ptxas info    : Used 255 registers, used 1 barriers, 64 bytes smem, 496 bytes cmem[0]\n";

InspectRow synthetic(const std::string& name, std::map<std::string, int> knobs, const std::string& hash) {
  InspectRow r;
  r.name = name;
  r.family = "fam";
  r.knobs = std::move(knobs);
  r.has_sass = true;
  r.sass_hash = hash;
  return r;
}
}  // namespace

TEST(ProfileInspect, ParsesPtxasWarnings) {
  auto w = parse_compiler_warnings(std::string(kSpillLog) +
                                   "flash.cu(12): warning #177-D: variable \"x\" was declared but never referenced\n");
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].code, "C7511");
  EXPECT_NE(w[0].text.find("serialized"), std::string::npos);
  EXPECT_EQ(w[1].code, "C7508");
  EXPECT_EQ(w[2].code, "#177-D");
  EXPECT_EQ(warning_flag("C7511"), "wgmma serialized");
  EXPECT_EQ(warning_flag("C7508"), "setmaxnreg ignored");
  EXPECT_TRUE(parse_compiler_warnings("ptxas info    : Used 126 registers\n").empty());
}

// What ptxas 13.0 (NVRTC, CUDA 13) writes: the serialisation diagnostics are "info" lines. Copied from the logs of
// a kernel variant with runtime-branched half-width wgmmas (docs/perf-notes.md, v4); inspect flagged nothing then.
TEST(ProfileInspect, ParsesPtxas13InfoDiagnostics) {
  const std::string log =
      "ptxas info    : (C7519) warpgroup.arrive is injected in around line 3003 by compiler to allow use of registers "
      "in GMMA in function 'attnlab_flash_fwd'\n"
      "ptxas info    : (C7520) Potential Performance Loss: wgmma.mma_async instructions are serialized due to program "
      "dependence on compiler-inserted WG.AR in divergent path in the function 'attnlab_flash_fwd'\n"
      "ptxas info    : (C7511) Potential Performance Loss: wgmma.mma_async instructions are serialized due to "
      "insufficient register resources for the wgmma pipeline in the function 'attnlab_flash_fwd'\n"
      "ptxas info    : 95 bytes gmem\n"
      "ptxas info    : Used 168 registers, used 16 barriers\n";
  auto w = parse_compiler_warnings(log);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].code, "C7519");
  EXPECT_EQ(w[1].code, "C7520");
  EXPECT_EQ(w[2].code, "C7511");
  EXPECT_NE(w[2].text.find("insufficient register resources"), std::string::npos);
  EXPECT_EQ(warning_flag("C7520"), "wgmma serialized (divergent path)");
}

TEST(ProfileInspect, FlagsAPlantedSpill) {
  InspectTarget t;
  t.name = "spiller";
  t.family = "fam";
  t.kernel.log = kSpillLog;
  t.kernel.resources = parse_ptxas_report(kSpillLog);
  t.dyn_smem = 100000;
  t.threads = 256;
  const std::string sass = "        /*0010*/                   STL [R1+0x8], R4 ;\n        /*0020*/  LDL R4, [R1+0x8] ;\n";
  const InspectRow r = inspect_row(t, SmLimits::for_arch("sm_90a"), sass);
  EXPECT_TRUE(r.spills());
  EXPECT_EQ(r.smem_total(), 100064);
  EXPECT_EQ(r.occupancy.blocks_per_sm, 1);  // 255 regs x 8 warps: registers allow 1, smem 2
  EXPECT_EQ(r.occupancy.limiter, OccupancyLimiter::registers);
  EXPECT_EQ(r.mix.count("LDL"), 1);
  ASSERT_GE(r.flags.size(), 3u);
  EXPECT_EQ(r.flags[0], "spills 36 B st / 36 B ld");
  EXPECT_EQ(r.flags[1], "C7511 wgmma serialized");
  EXPECT_EQ(r.flags[2], "C7508 setmaxnreg ignored");
  // Local memory without a spill report (a stack array) is flagged too; a clean kernel has no flags.
  t.kernel.log.clear();
  t.kernel.resources = {};
  t.kernel.resources.registers = 128;
  EXPECT_EQ(inspect_row(t, SmLimits::for_arch("sm_90a"), sass).flags,
            std::vector<std::string>{"local memory without spills (stack array)"});
  EXPECT_TRUE(inspect_row(t, SmLimits::for_arch("sm_90a"), "").flags.empty());
}

TEST(ProfileInspect, FindsAPlantedDeadKnob) {
  // q changes nothing (same SASS within each pair); n changes the code; (a, e) differ in two knobs.
  std::vector<InspectRow> rows = {
      synthetic("a", {{"n", 64}, {"q", 0}, {"w", 4}}, "h1"),  synthetic("b", {{"n", 64}, {"q", 1}, {"w", 4}}, "h1"),
      synthetic("c", {{"n", 128}, {"q", 0}, {"w", 4}}, "h2"), synthetic("d", {{"n", 128}, {"q", 1}, {"w", 4}}, "h2"),
      synthetic("e", {{"n", 128}, {"q", 1}, {"w", 8}}, "h3"), synthetic("f", {{"n", 32}, {"q", 1}, {"w", 8}}, "h3"),
  };
  rows.push_back(synthetic("other-family", {{"n", 64}, {"q", 1}, {"w", 4}}, "h1"));
  rows.back().family = "fam2";
  const DeadKnobs d = find_dead_knobs(rows);
  ASSERT_EQ(d.knobs.size(), 3u);
  EXPECT_EQ(d.knobs[0].knob, "n");
  EXPECT_EQ(d.knobs[0].pairs, 3);      // a-c, b-d, e-f
  EXPECT_EQ(d.knobs[0].identical, 1);  // e-f: not dead, but the pair is reported
  EXPECT_FALSE(d.knobs[0].dead());
  EXPECT_EQ(d.knobs[1].knob, "q");
  EXPECT_EQ(d.knobs[1].pairs, 2);
  EXPECT_TRUE(d.knobs[1].dead());
  EXPECT_EQ(d.knobs[2].knob, "w");
  EXPECT_FALSE(d.knobs[2].dead());
  ASSERT_EQ(d.pairs.size(), 3u);
  EXPECT_EQ(d.pairs[0].knob, "q");
  EXPECT_EQ(d.pairs[0].a, "a");
  EXPECT_EQ(d.pairs[0].b, "b");

  InspectReport report;
  report.arch = "sm_90a";
  report.rows = rows;
  report.dead = d;
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* mem = open_memstream(&buf, &len);
  print_report(report, mem);
  std::fclose(mem);
  const std::string text(buf, len);
  std::free(buf);
  EXPECT_NE(text.find("knob q            2 of   2 one-knob pairs compiled to identical SASS  -> DEAD KNOB"),
            std::string::npos) << text;
  const auto j = to_json(report);
  EXPECT_EQ(j["dead_knobs"][1]["knob"], "q");
  EXPECT_EQ(j["dead_knobs"][1]["dead"], true);
  EXPECT_EQ(j["identical_sass_pairs"].size(), 3u);
}

TEST(ProfileInspect, RejectsBadInputBeforeCompiling) {
  const std::pair<const char*, const char*> cases[] = {{"inspect --arch sm_70", "arch 'sm_70'"},
                                                       {"inspect -d 96", "unsupported head dim 96"},
                                                       {"inspect --dtype fp8", "unsupported dtype 'fp8'"},
                                                       {"inspect --config m128bogus", "cannot parse config 'm128bogus'"},
                                                       {"inspect --space huge --all", "huge not in"}};
  for (const auto& [args, message] : cases) {
    const auto r = test::run_cli(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << ": " << r.output;
  }
}

TEST(ProfileInspect, EndToEndTwoSm80ConfigsForSm80) {
  const auto json_path = std::filesystem::temp_directory_path() / "attnlab-inspect-test.json";
  const auto r = test::run_cli("inspect --arch sm_80 -d 64 --config m64n64w4s2-swz-qsm --config m64n64w4s2-swz-qreg --json " +
                               json_path.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("m64n64w4s2-swz-qreg"), std::string::npos) << r.output;
  std::ifstream f(json_path);
  const auto j = nlohmann::json::parse(f);
  ASSERT_EQ(j["configs"].size(), 2u);
  EXPECT_EQ(j["arch"], "sm_80");
  for (const auto& c : j["configs"]) {
    EXPECT_GT(c["registers"].get<int>(), 32);
    EXPECT_GT(c["dynamic_smem"].get<int>(), 16384);
    EXPECT_GE(c["occupancy"]["blocks_per_sm"].get<int>(), 1);
  }
  if (find_disassembler().empty()) {  // no nvdisasm on this machine: the report says so
    EXPECT_TRUE(j.contains("sass_error"));
    GTEST_SKIP() << "nvdisasm not found: SASS checks skipped";
  }
  for (const auto& c : j["configs"]) {
    EXPECT_GT(c["instructions"]["HMMA"].get<int>(), 0) << c.dump();
    EXPECT_GT(c["instructions"]["LDGSTS"].get<int>(), 0);
    EXPECT_GT(c["instructions"]["LDSM"].get<int>(), 0);
    EXPECT_GT(c["instructions"]["MUFU.EX2"].get<int>(), 0);
    EXPECT_EQ(c["instructions"]["HGMMA"].get<int>(), 0);
    EXPECT_EQ(c["sass_hash"].get<std::string>().size(), 32u);
  }
  ASSERT_EQ(j["dead_knobs"].size(), 1u);  // the two differ only in q_in_regs
  EXPECT_EQ(j["dead_knobs"][0]["knob"], "q_in_regs");
  std::filesystem::remove(json_path);
}

// What CI runs for every family without a GPU: `inspect --all` for sm_90a (the sm90 family: every config of
// the default space, plus the 2-CTA-cluster twin of each of its grid configs (tuning space only), compiles without
// spills or the wgmma serialisation warning C7511, issues HGMMA and TMA loads) and for sm_89 (the sm80 family:
// HMMA, no HGMMA). No knob of either space is dead (identical SASS): the cluster knob is checked by the twins.
void check_inspect_all(const std::string& arch, const std::string& family) {
  const auto json_path = std::filesystem::temp_directory_path() / ("attnlab-inspect-all-" + arch + ".json");
  std::string twins;
  if (family == "sm90")
    for (TileConfig c : valid_space(128, ArchLimits::for_arch(arch), KnobValues::defaults(Family::sm90)))
      if (!c.knob("persistent")) {
        c.set("cluster", 2);
        twins += " --config " + c.name();
      }
  const auto r =
      test::run_cli("inspect --all --arch " + arch + " -d 128 --family " + family + twins + " --json " + json_path.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream f(json_path);
  const auto j = nlohmann::json::parse(f);
  ASSERT_GE(j["configs"].size(), 8u);
  const bool sass = !j.contains("sass_error");
  for (const auto& c : j["configs"]) {
    const std::string name = c["name"];
    EXPECT_EQ(c["family"], family) << name;
    for (const auto& w : c["warnings"]) EXPECT_EQ(w.dump().find("C7511"), std::string::npos) << name << ": " << w.dump();
    if (family == "sm90") EXPECT_FALSE(c["spills"].get<bool>()) << name << " spills";
    if (!sass) continue;
    if (family == "sm90") {
      EXPECT_GT(c["instructions"]["HGMMA"].get<int>(), 0) << name;
      EXPECT_GT(c["instructions"]["UTMALDG"].get<int>(), 0) << name;
      if (c["knobs"]["cluster"].get<int>() == 2) EXPECT_GT(c["opcodes"].value("UCGABAR_WAIT", 0), 0) << name;
      EXPECT_EQ(c["instructions"]["HMMA"].get<int>(), 0) << name;
    } else {
      EXPECT_GT(c["instructions"]["HMMA"].get<int>(), 0) << name;
      EXPECT_EQ(c["instructions"]["HGMMA"].get<int>(), 0) << name;
    }
  }
  if (sass)
    for (const auto& k : j["dead_knobs"]) EXPECT_FALSE(k["dead"].get<bool>()) << "dead knob " << k["knob"];
  std::filesystem::remove(json_path);
}

TEST(ProfileInspect, AllSm90ConfigsForSm90a) { check_inspect_all("sm_90a", "sm90"); }
TEST(ProfileInspect, AllSm80ConfigsForSm89) { check_inspect_all("sm_89", "sm80"); }

}  // namespace attnlab::profile
