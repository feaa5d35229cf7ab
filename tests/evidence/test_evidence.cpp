// attnlab evidence without a GPU: the pieces (sha256, process runner, manifest) and the pipeline driven
// against a fake attnlab (a shell script answering each subcommand), so order, skips, resume and exit
// status are checked without touching a GPU or compiling a kernel.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/process.hpp"
#include "evidence/manifest.hpp"
#include "evidence/pipeline.hpp"
#include "evidence/process.hpp"
#include "evidence/sha256.hpp"
#include "io/atomic_file.hpp"

namespace attnlab {

namespace fs = std::filesystem;

namespace {
// Per process: test runs of other checkouts on this machine use the same temporary folder.
fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::path(::testing::TempDir()) / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A fake attnlab: `devices` says what FAKE_GPU says, every call is logged to $FAKE_LOG, `configs` fails
// when FAKE_FAIL is set, `report` writes the HTML file it is given, `micro`/`tune`/... write their --out.
fs::path fake_attnlab(const fs::path& dir) {
  const fs::path p = dir / "fake-attnlab.sh";
  std::ofstream(p) << R"SH(#!/bin/sh
echo "$*" >> "$FAKE_LOG"
case "$1" in
  devices)
    echo "NVRTC 13.0"
    if [ -n "$FAKE_GPU" ]; then echo "device 0: NVIDIA H100 80GB HBM3"; else echo "no CUDA device (fake)"; fi
    [ "$2" = "--json" ] && echo '{"gpu": null}' > "$3"
    exit 0 ;;
  configs) echo "184 valid configs for $3 d=$5"; [ -n "$FAKE_FAIL" ] && exit 3; exit 0 ;;
  report) mkdir -p "$(dirname "$4")"; echo "<html></html>" > "$4"; exit 0 ;;
  profile) exit 1 ;;
  micro) shift; while [ $# -gt 0 ]; do [ "$1" = "--out" ] && echo '{}' > "$2"; shift; done; exit 0 ;;
  *) exit 0 ;;
esac
)SH";
  fs::permissions(p, fs::perms::owner_all);
  return p;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int count(const std::string& s, const std::string& needle) {
  int n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}
}  // namespace

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string(1000, 'a')), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
  const fs::path f = fresh_dir("sha") / "x.txt";
  std::ofstream(f) << "abc";
  EXPECT_EQ(sha256_file(f.string()), sha256_hex("abc"));
  EXPECT_THROW(sha256_file((f.parent_path() / "missing").string()), std::runtime_error);
}

// A step as the pipeline runs it: core/process.hpp with its output in a log file and a progress tick.
TEST(Process, ExitCodesOutputAndQuoting) {
  const fs::path d = fresh_dir("proc");
  const std::string log = (d / "out.log").string();
  int ticks = 0;
  LogFile file(log, /*fresh=*/true);
  ProcessOptions po;
  po.output_fd = file.fd();
  po.tick = [&] { ++ticks; };
  auto r = run_process({"/bin/sh", "-c", "echo hello; echo oops >&2; sleep 0.5; exit 7"}, po);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_GT(r.wall_s, 0.4);
  EXPECT_GE(ticks, 1);
  EXPECT_NE(slurp(log).find("hello"), std::string::npos);
  EXPECT_NE(slurp(log).find("oops"), std::string::npos);
  EXPECT_EQ(run_process({"/nonexistent/binary"}, po).exit_code, 127);
  EXPECT_EQ(quote_command({"attnlab", "compare", "--out", "a b.json", "it's"}), "attnlab compare --out 'a b.json' 'it'\\''s'");
}

TEST(Manifest, RecordsHashesAndDetectsChangedFiles) {
  const fs::path d = fresh_dir("manifest");
  fs::create_directories(d / "tune");
  std::ofstream(d / "a.json") << "{}";
  std::ofstream(d / "tune" / "log.csv") << "x";
  Manifest m;
  m.record({"micro", "attnlab micro", 0, 1.5, "t", {"a.json", "tune"}, ""}, d.string());
  m.record({"compare", "attnlab compare", 2, 3.0, "t", {}, ""}, d.string());
  m.save(d.string());
  const Manifest back = Manifest::load(d.string());
  ASSERT_EQ(back.files().size(), 2u);
  EXPECT_EQ(back.files()[0].sha256, sha256_hex("{}"));
  EXPECT_EQ(back.files()[1].path, "tune/log.csv");
  EXPECT_TRUE(back.complete("micro", d.string()));
  EXPECT_FALSE(back.complete("compare", d.string()));  // exit 2
  EXPECT_FALSE(back.complete("check", d.string()));    // never ran
  std::ofstream(d / "tune" / "log.csv") << "y";        // same size, other content
  EXPECT_FALSE(back.complete("micro", d.string()));
}

TEST(EvidencePipeline, WithoutGpuCompilesConfigsRendersTheCommittedReportAndResumes) {
  const fs::path d = fresh_dir("evidence-cpu");
  const fs::path committed = d / "committed";
  fs::create_directories(committed);
  setenv("FAKE_LOG", (d / "calls.log").c_str(), 1);
  unsetenv("FAKE_GPU");
  unsetenv("FAKE_FAIL");
  EvidenceOptions o;
  o.out = (d / "out").string();
  o.attnlab = fake_attnlab(d).string();
  o.committed = committed.string();
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_evidence(o), 0);
  const std::string printed = testing::internal::GetCapturedStdout();
  EXPECT_NE(printed.find("skipped (no CUDA device)"), std::string::npos) << printed;
  const std::string calls = slurp(d / "calls.log");
  EXPECT_EQ(count(calls, "configs --arch"), 9) << calls;
  EXPECT_NE(calls.find("report " + committed.string() + " --out"), std::string::npos) << calls;
  EXPECT_EQ(calls.find("compare"), std::string::npos) << "a GPU step ran without a GPU";
  EXPECT_TRUE(fs::exists(d / "out" / "report.html"));
  const Manifest m = Manifest::load(o.out);
  EXPECT_EQ(m.steps().size(), 11u);  // devices, 9 configs, report
  EXPECT_TRUE(m.complete("configs-sm_90a-d128", o.out));

  // --resume: nothing finished is run again (only devices, which decides the mode, and profile detection)
  fs::remove(d / "calls.log");
  o.resume = true;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_evidence(o), 0);
  testing::internal::GetCapturedStdout();
  EXPECT_EQ(count(slurp(d / "calls.log"), "configs"), 0) << slurp(d / "calls.log");

  // a step that runs and fails makes the exit status non-zero, and is run again by --resume
  setenv("FAKE_FAIL", "1", 1);
  o.resume = false;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_evidence(o), 1);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("FAILED (exit 3)"), std::string::npos);
  unsetenv("FAKE_FAIL");
}

TEST(EvidencePipeline, WithGpuRunsTheStepsInOrderAndSaysWhyOneIsSkipped) {
  const fs::path d = fresh_dir("evidence-gpu");
  setenv("FAKE_LOG", (d / "calls.log").c_str(), 1);
  setenv("FAKE_GPU", "1", 1);
  EvidenceOptions o;
  o.out = (d / "out").string();
  o.attnlab = fake_attnlab(d).string();
  o.quick = true;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_evidence(o), 0);
  const std::string printed = testing::internal::GetCapturedStdout();
  unsetenv("FAKE_GPU");
  const std::string calls = slurp(d / "calls.log");
  std::vector<std::string> order{"devices --json", "ceilings", "check --json", "micro --out", "tune --strategy seeded",
                                 "compare --out", "report "};
  size_t at = 0;
  for (auto& step : order) {
    const size_t p = calls.find(step, at);
    ASSERT_NE(p, std::string::npos) << step << " missing or out of order in:\n" << calls;
    at = p;
  }
  EXPECT_NE(calls.find("--max-time"), std::string::npos) << "--quick settings not passed";
  // no evo_best.json from the fake tune: the tuned compare is skipped with its reason; profile is not in the binary
  EXPECT_NE(printed.find("compare-tuned: skipped (needs tune/seeded/evo_best.json"), std::string::npos) << printed;
  EXPECT_NE(printed.find("profile-cudnn: skipped (this attnlab has no `profile` subcommand)"), std::string::npos) << printed;
  EXPECT_NE(printed.find("tune-replay: skipped (--quick"), std::string::npos) << printed;
}

}  // namespace attnlab
