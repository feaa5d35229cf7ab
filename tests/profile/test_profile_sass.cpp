// SASS instruction mix and normalised hash on recorded disassembly (tests/fixtures/sass_sm80_*.txt: 97
// instructions of attnlab's sm80 kernel m64n64w4s2-swz-qsm d=64 bf16 for sm_80, cuobjdump -sass and
// nvdisasm --print-code of the same cubin). Runs without a GPU or a disassembler.
#include <gtest/gtest.h>

#include <regex>

#include "profile/sass.hpp"
#include "test_helpers.hpp"

namespace attnlab::profile {

TEST(ProfileSass, CountsTheRecordedSm80Mix) {
  for (const char* fixture : {"sass_sm80_cuobjdump.txt", "sass_sm80_nvdisasm.txt"}) {
    const auto mix = count_instructions(test::read_fixture(fixture));
    SCOPED_TRACE(fixture);
    EXPECT_EQ(mix.total, 97);
    EXPECT_EQ(mix.count("HMMA"), 2);
    EXPECT_EQ(mix.count("LDGSTS"), 4);
    EXPECT_EQ(mix.count("LDSM"), 3);
    EXPECT_EQ(mix.count("LDS"), 1);  // LDSM is not LDS
    EXPECT_EQ(mix.count("BAR"), 2);
    EXPECT_EQ(mix.count("MUFU.EX2"), 4);
    EXPECT_EQ(mix.count("STG"), 1);
    EXPECT_EQ(mix.count("LDG"), 0);  // LDGSTS / LDGDEPBAR are not LDG
    EXPECT_EQ(mix.count("LDL") + mix.count("STL") + mix.count("HGMMA") + mix.count("SYNCS"), 0);
    EXPECT_EQ(mix.by_opcode.at("IMAD"), 24);  // predicated "@!P0 IMAD.MOV" counted under its opcode
    EXPECT_EQ(mix.by_opcode.at("LDGDEPBAR"), 3);
  }
}

TEST(ProfileSass, CountsHopperInstructions) {
  // Lines in nvdisasm's format with sm_90a opcodes (wgmma, TMA, mbarrier, spills).
  const std::string sass =
      "        /*0a30*/                   HGMMA.64x128x16.F32.BF16 R24, gdesc[UR8], R24, gsb0 ;\n"
      "        /*0a40*/                   WARPGROUP.ARRIVE ;\n"
      "        /*0a50*/               @!P0 UTMALDG.2D [UR8], [UR4] ;\n"
      "        /*0a60*/                   SYNCS.ARRIVE.TRANS64.RED.A1T0 RZ, [UR8+0x10], RZ ;\n"
      "        /*0a70*/                   SYNCS.PHASECHK.TRANS64.TRYWAIT P0, [UR8+0x10], R3 ;\n"
      "        /*0a80*/                   LDL.LU R3, [R1+0x4] ;\n"
      "        /*0a90*/                   STL [R1+0x8], R4 ;\n"
      "        /*0aa0*/               @UP0 UTMASTG.2D [UR4], [UR6] ;\n"
      "        /*0ab0*/                   MUFU.RCP R4, R4 ;\n";
  const auto mix = count_instructions(sass);
  EXPECT_EQ(mix.total, 9);
  EXPECT_EQ(mix.count("HGMMA"), 1);
  EXPECT_EQ(mix.count("WARPGROUP"), 1);
  EXPECT_EQ(mix.count("UTMALDG"), 1);
  EXPECT_EQ(mix.count("UTMASTG"), 1);
  EXPECT_EQ(mix.count("SYNCS"), 2);
  EXPECT_EQ(mix.count("LDL"), 1);
  EXPECT_EQ(mix.count("STL"), 1);
  EXPECT_EQ(mix.count("MUFU.EX2"), 0);  // MUFU.RCP is not exp2
  EXPECT_EQ(mix.by_opcode.at("MUFU"), 1);
}

TEST(ProfileSass, HashIgnoresAddressesEncodingsAndSpacing) {
  const std::string a = test::read_fixture("sass_sm80_nvdisasm.txt");
  ASSERT_FALSE(a.empty());
  // The same code at other addresses, with other spacing and no headers: same hash.
  std::string moved = std::regex_replace(a, std::regex(R"(/\*([0-9a-f]{4})\*/)"), "/*f$1*/");
  moved = std::regex_replace(moved, std::regex("   +"), "\t");
  moved = std::regex_replace(moved, std::regex(R"(\.target\s+sm_80)"), "");
  EXPECT_EQ(normalized_sass_hash(a), normalized_sass_hash(moved));
  // One register changed: a different hash.
  std::string changed = a;
  const auto at = changed.find("HMMA.16816.F32.BF16 R");
  ASSERT_NE(at, std::string::npos);
  changed.replace(changed.find(" R", at) + 2, 1, "9");
  EXPECT_NE(normalized_sass_hash(a), normalized_sass_hash(changed));
  EXPECT_EQ(normalized_sass_hash(a).size(), 32u);
  EXPECT_EQ(instruction_lines(a).size(), 97u);
  EXPECT_EQ(instruction_lines("        /*0010*/    @P2   BRA  `(.L_x_4) ;   /* 0x000 */").front(), "@P2 BRA `(.L_x_4) ;");
}

}  // namespace attnlab::profile
