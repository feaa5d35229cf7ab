// Hostile input, round 2 (issue 18), rows 2, 10 and 11: how attnlab writes. Every file goes through one
// writer (io/atomic_file.hpp): a failed write is a non-zero exit with one line, never exit 0 with an empty
// or truncated file; a name attnlab makes inside a folder is never written through a planted symbolic
// link; text that is not UTF-8 never makes the output throw after the work is done.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "evidence/manifest.hpp"
#include "evidence/pipeline.hpp"
#include "hostile_helpers.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "search/proposer.hpp"
#include "search/space.hpp"
#include "search/tune_log.hpp"
#include "store/results_db.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace attnlab {
namespace {

using test::slurp;
using test::snapshot;
using test::TempDir;
using test::user_error_of;

const std::string kFixture = std::string(ATTNLAB_SOURCE_DIR) + "/tests/fixtures/evidence";
const std::string kEvoLog = kFixture + "/tune/seeded/evo_log.csv";

bool has_dev_full() {
  struct stat st {};
  return ::stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode);
}

// ---------------------------------------------------------------- row 10: every write checked
TEST(HostileOutput, AWriteToAFullDeviceFailsWithOneLine) {
  if (!has_dev_full()) GTEST_SKIP() << "no /dev/full";
  TempDir dir;
  std::ofstream(dir.file("edits.cuh")) << "//@@ prelude\n// nothing\n//@@ end\n";
  for (const std::string& args : std::vector<std::string>{"devices --json /dev/full", "variant-source " + dir.file("edits.cuh") + " -o /dev/full",
                                 "report " + kFixture + " --out /dev/full",
                                 "tune --replay " + kEvoLog + " --budget 4 --replay-seeds 1 --replay-json /dev/full"}) {
    const auto r = test::run_cli(args);
    EXPECT_NE(r.exit_code, 0) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("attnlab: error: /dev/full: cannot write (No space left on device)"), std::string::npos)
        << args << "\n" << r.output;
  }
}

TEST(HostileOutput, InspectJsonToAFullDeviceFails) {
  if (!has_dev_full()) GTEST_SKIP() << "no /dev/full";
  const auto r = test::run_cli("inspect --arch sm_80 -d 64 --no-sass --json /dev/full");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("/dev/full: cannot write (No space left on device)"), std::string::npos) << r.output;
}

// The writer itself: whole or nothing, the old file kept on failure, the mode of the file it replaces.
TEST(HostileOutput, AtomicFileReplacesWholeOrNotAtAll) {
  TempDir dir;
  const std::string p = dir.file("out.json");
  std::ofstream(p) << "old";
  ::chmod(p.c_str(), 0640);
  {
    AtomicFile f(p);
    f.write("half");
    EXPECT_EQ(slurp(p), "old");  // nothing visible before commit
  }                               // destroyed without commit: the old file stays, no temporary left
  EXPECT_EQ(slurp(p), "old");
  EXPECT_EQ(snapshot(dir.path).size(), 1u);
  write_file_atomic(p, "new");
  EXPECT_EQ(slurp(p), "new");
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_NE(user_error_of([&] { write_file_atomic(dir.path.string(), "x"); }).find("cannot write"), std::string::npos);
  EXPECT_NE(user_error_of([&] { write_file_atomic(dir.file("no/such/folder/x"), "x"); }).find("cannot write (No such file"),
            std::string::npos);
}

// ---------------------------------------------------------------- row 2: never through a planted link
TEST(HostileOutput, ReportNeverWritesThroughALinkPlantedInTheFolder) {
  TempDir dir;
  fs::copy(kFixture, dir.file("ev"), fs::copy_options::recursive);
  std::ofstream(dir.file("victim")) << "precious";
  fs::create_symlink("../victim", dir.file("ev/report.html"));
  const auto r = test::run_cli("report " + dir.file("ev"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(slurp(dir.file("victim")), "precious");
  EXPECT_FALSE(fs::is_symlink(dir.file("ev/report.html")));  // replaced by the report itself
  EXPECT_NE(slurp(dir.file("ev/report.html")).find("<html"), std::string::npos);
  // A link the user names is the user's choice: the file it leads to gets the report, the link stays.
  std::ofstream(dir.file("mine.html")) << "old";
  fs::create_symlink(dir.file("mine.html"), dir.file("named.html"));
  ASSERT_EQ(test::run_cli("report " + dir.file("ev") + " --out " + dir.file("named.html")).exit_code, 0);
  EXPECT_TRUE(fs::is_symlink(dir.file("named.html")));
  EXPECT_NE(slurp(dir.file("mine.html")).find("<html"), std::string::npos);
}

TEST(HostileOutput, TuneExportNeverWritesThroughALinkPlantedInTheOutDir) {
  TempDir dir;
  std::ofstream(dir.file("victim")) << "precious";
  std::ofstream(dir.file("victim2")) << "precious";
  fs::create_directories(dir.file("out"));
  fs::create_symlink("../victim", dir.file("out/evo_log.csv"));
  fs::create_symlink("../victim2", dir.file("out/evo_best.json"));
  {  // a stored run to export: its checkpoint's history
    History h;
    Trial t;
    t.eval.config = TileConfig::parse("m128n64w4s2-swz-qsm");
    t.eval.compiled = t.eval.correct = true;
    t.eval.tflops = 300;
    h.add(t);
    ResultsDb::open(dir.file("r.db")).save_checkpoint("run", {{"history", history_to_json(h)}, {"strategy", "random"}});
  }
  const auto r = test::run_cli("tune --db " + dir.file("r.db") + " --export run --out-dir " + dir.file("out"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(slurp(dir.file("victim")), "precious");
  EXPECT_EQ(slurp(dir.file("victim2")), "precious");
  for (const char* f : {"out/evo_log.csv", "out/evo_best.json"}) EXPECT_FALSE(fs::is_symlink(dir.file(f))) << f;
  EXPECT_NE(slurp(dir.file("out/evo_log.csv")).find("m128n64w4s2-swz-qsm"), std::string::npos);
  // A resumed tune appends to its log; a link planted there is no log of its own: replaced, not followed.
  fs::remove(dir.file("out/evo_log.csv"));
  fs::create_symlink("../victim", dir.file("out/evo_log.csv"));
  EXPECT_EQ(user_error_of([&] { EvoLogWriter log(dir.file("out/evo_log.csv"), /*append=*/true); }), "NO ERROR");
  EXPECT_EQ(slurp(dir.file("victim")), "precious");
  EXPECT_FALSE(fs::is_symlink(dir.file("out/evo_log.csv")));
}

// A fake attnlab whose `devices --json F` writes F with the shell (which follows links), like any
// child would: the pipeline must have removed a link planted at F before the step runs.
fs::path fake_attnlab(const fs::path& dir) {
  const fs::path p = dir / "fake-attnlab.sh";
  std::ofstream(p) << "#!/bin/sh\ncase \"$1\" in\n  devices) echo 'no CUDA device (fake)'; [ \"$2\" = --json ] && echo '{}' > \"$3\"; exit 0 ;;\n"
                      "  report) echo '<html></html>' > \"$4\"; exit 0 ;;\n  *) exit 0 ;;\nesac\n";
  fs::permissions(p, fs::perms::owner_all);
  return p;
}

TEST(HostileOutput, EvidenceNeverWritesThroughALinkPlantedInItsFolder) {
  TempDir dir;
  std::ofstream(dir.file("victim")) << "precious";
  fs::create_directories(dir.file("out/logs"));
  fs::create_directories(dir.file("elsewhere"));
  fs::create_symlink("../victim", dir.file("out/env.json"));
  fs::create_symlink("../elsewhere", dir.file("out/configs"));  // a folder the steps write into
  fs::create_symlink("../victim", dir.file("out/report.html"));
  EvidenceOptions o;
  o.out = dir.file("out");
  o.attnlab = fake_attnlab(dir.path).string();
  o.committed = dir.file("committed");
  fs::create_directories(o.committed);
  testing::internal::CaptureStdout();
  run_evidence(o);
  const std::string printed = testing::internal::GetCapturedStdout();
  EXPECT_EQ(slurp(dir.file("victim")), "precious") << printed;
  EXPECT_TRUE(fs::is_empty(dir.file("elsewhere"))) << printed;
  EXPECT_FALSE(fs::is_symlink(dir.file("out/env.json")));
  EXPECT_FALSE(fs::is_symlink(dir.file("out/configs")));
  EXPECT_NE(printed.find("removed symbolic link env.json -> ../victim"), std::string::npos) << printed;
}

// ---------------------------------------------------------------- row 11: text that is not UTF-8
TEST(HostileOutput, ALatin1PathNeverLosesTheWork) {
  TempDir dir;
  const std::string latin1 = dir.file("caf\xe9.json");  // 'é' in Latin-1: not UTF-8
  const auto r = test::run_cli("devices --json '" + latin1 + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto env = nlohmann::json::parse(slurp(latin1));  // written, and valid JSON (UTF-8)
  EXPECT_NE(env.at("command_line").get<std::string>().find("caf\xEF\xBF\xBD.json"), std::string::npos);
  EXPECT_EQ(json_text(nlohmann::json("a\xff" "b")), "\"a\xEF\xBF\xBD" "b\"");
}

TEST(HostileOutput, EvidenceInALatin1FolderWritesItsManifest) {
  TempDir dir;
  EvidenceOptions o;
  o.out = dir.file("ev-\xe9");
  o.attnlab = fake_attnlab(dir.path).string();
  o.committed = dir.file("committed");
  fs::create_directories(o.committed);
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_evidence(o), 0);
  testing::internal::GetCapturedStdout();
  EXPECT_TRUE(fs::exists(fs::path(o.out) / "manifest.json"));
  EXPECT_FALSE(fs::exists(fs::path(o.out) / "manifest.json.tmp"));
  EXPECT_GE(Manifest::load(o.out).steps().size(), 2u);
}

TEST(HostileOutput, AProposerTuneSurvivesNonUtf8TextInItsHistory) {
  const SearchSpace space(128, ArchLimits::for_arch("sm_90a"), KnobValues::of(Family::sm80, "default"));
  ProposerStrategy p(space, ProposerOptions{"cat > /dev/null; echo '{\"candidates\": []}'"});
  History h;
  Trial t;
  t.eval.config = space.all_valid().front();
  t.eval.error = "nvrtc: cannot open /home/caf\xe9/x.cuh";  // a compile error quoting a Latin-1 path
  h.add(t);
  Rng rng(1);
  EXPECT_EQ(user_error_of([&] { p.propose(h, 4, rng); }), "NO ERROR");
}

}  // namespace
}  // namespace attnlab
