// compute-sanitizer report parsing (src/check/sanitizer) on recorded-format samples of each tool, and the
// command line it builds. Samples follow the documented report format (lines prefixed "========= ").
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "check/sanitizer.hpp"

using namespace attnlab;

namespace {
const char* kMemcheckOob = R"(========= COMPUTE-SANITIZER
========= Invalid __global__ read of size 16 bytes
=========     at attnlab_flash_fwd+0x1b30
=========     by thread (64,0,0) in block (2,1,0)
=========     Address 0x7f3a2c0a0000 is out of bounds
=========     and is 1 bytes after the nearest allocation at 0x7f3a2c000000 of size 655359 bytes
=========     Saved host backtrace up to driver entry point at kernel launch time
=========         Host Frame: [0x2f2e5f] in libcuda.so.1
=========
========= Invalid __global__ read of size 16 bytes
=========     at attnlab_flash_fwd+0x1b30
=========     by thread (65,0,0) in block (2,1,0)
=========
========= ERROR SUMMARY: 12 errors
)";
const char* kRacecheck = R"(========= COMPUTE-SANITIZER
========= Error: Race reported between Write access at attnlab_flash_fwd+0x9d0
=========     and Read access at attnlab_flash_fwd+0x1290 [4096 hazards]
=========
========= RACECHECK SUMMARY: 1 hazard displayed (1 error, 0 warnings)
)";
const char* kRacecheckWarningsOnly = R"(========= COMPUTE-SANITIZER
========= Warning: Race reported between Read access at attnlab_flash_fwd+0x200
=========     and Write access at attnlab_flash_fwd+0x240 [32 hazards]
========= RACECHECK SUMMARY: 1 hazard displayed (0 errors, 1 warning)
)";
const char* kSynccheck = R"(========= COMPUTE-SANITIZER
========= Barrier error detected. Divergent thread(s) in warp
=========     at attnlab_flash_fwd+0x2b0
=========     by thread (32,0,0) in block (0,0,0)
=========
========= ERROR SUMMARY: 1 error
)";
const char* kInitcheck = R"(========= COMPUTE-SANITIZER
sanitize-run m128n64w4s2-swz-qsm B1 H4/2 Sq333 Sk517 d128 bf16: pass
========= Uninitialized __global__ memory read of size 4 bytes
=========     at attnlab_flash_fwd+0x470
=========     by thread (0,0,0) in block (0,0,0)
=========     Address 0x7f5e94000200
=========
========= ERROR SUMMARY: 1 error
)";
const char* kFault = R"(========= COMPUTE-SANITIZER
========= Program hit cudaErrorIllegalAddress (error 700) due to "an illegal memory access was encountered" on CUDA API call to cudaDeviceSynchronize.
=========     Saved host backtrace up to driver entry point at error
=========
========= ERROR SUMMARY: 1 error
)";
const char* kClean = "========= COMPUTE-SANITIZER\nsanitize-run ...: pass\n========= ERROR SUMMARY: 0 errors\n";
const char* kCleanRace = "========= COMPUTE-SANITIZER\n========= RACECHECK SUMMARY: 0 hazards displayed (0 errors, 0 warnings)\n";
}  // namespace

TEST(Sanitizer, MemcheckOutOfBoundsGivesTheFirstFindingAndCount) {
  const auto r = parse_sanitizer_report("memcheck", kMemcheckOob);
  EXPECT_FALSE(r.clean());
  EXPECT_EQ(r.errors, 12);
  EXPECT_TRUE(r.summary_seen);
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0], "Invalid __global__ read of size 16 bytes");
  EXPECT_EQ(r.first_location, "at attnlab_flash_fwd+0x1b30");
  EXPECT_EQ(r.first_finding(),
            "memcheck: Invalid __global__ read of size 16 bytes (at attnlab_flash_fwd+0x1b30) [12 error(s) in all]");
}

TEST(Sanitizer, RacecheckErrorsRejectWarningsDoNot) {
  const auto r = parse_sanitizer_report("racecheck", kRacecheck);
  EXPECT_EQ(r.errors, 1);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].rfind("Error: Race reported between Write access at attnlab_flash_fwd+0x9d0", 0), 0u);
  EXPECT_NE(r.first_finding().find("racecheck: Error: Race reported"), std::string::npos);
  const auto w = parse_sanitizer_report("racecheck", kRacecheckWarningsOnly);
  EXPECT_TRUE(w.clean()) << w.first_finding();
  EXPECT_TRUE(w.summary_seen);
}

TEST(Sanitizer, SynccheckInitcheckAndFaults) {
  const auto s = parse_sanitizer_report("synccheck", kSynccheck);
  EXPECT_EQ(s.errors, 1);
  EXPECT_EQ(s.findings.at(0), "Barrier error detected. Divergent thread(s) in warp");
  const auto i = parse_sanitizer_report("initcheck", kInitcheck);
  EXPECT_EQ(i.errors, 1);
  EXPECT_EQ(i.findings.at(0), "Uninitialized __global__ memory read of size 4 bytes");
  EXPECT_EQ(i.first_location, "at attnlab_flash_fwd+0x470");
  const auto f = parse_sanitizer_report("memcheck", kFault);
  EXPECT_FALSE(f.clean());
  EXPECT_EQ(f.findings.at(0).rfind("Program hit cudaErrorIllegalAddress", 0), 0u);
}

TEST(Sanitizer, CleanReportsAndMissingSummary) {
  const auto c = parse_sanitizer_report("memcheck", kClean);
  EXPECT_TRUE(c.clean());
  EXPECT_TRUE(c.summary_seen);
  EXPECT_TRUE(parse_sanitizer_report("racecheck", kCleanRace).clean());
  // Killed before the summary: clean of findings, but the caller sees summary_seen == false.
  const auto cut = parse_sanitizer_report("memcheck", "========= COMPUTE-SANITIZER\n");
  EXPECT_TRUE(cut.clean());
  EXPECT_FALSE(cut.summary_seen);
}

TEST(Sanitizer, CommandLineLimitsToTheKernelAndSetsAnErrorExitCode) {
  const auto a = sanitizer_argv("/usr/local/cuda/bin/compute-sanitizer", "racecheck", "attnlab_flash_fwd",
                                {"/opt/attnlab", "sanitize-run", "--config", "m128n64w4s2-swz-qsm"});
  const std::vector<std::string> head = {"/usr/local/cuda/bin/compute-sanitizer", "--tool", "racecheck"};
  EXPECT_TRUE(std::equal(head.begin(), head.end(), a.begin()));
  EXPECT_NE(std::find(a.begin(), a.end(), "kns=attnlab_flash_fwd"), a.end());
  EXPECT_NE(std::find(a.begin(), a.end(), "--error-exitcode"), a.end());
  EXPECT_EQ(a[a.size() - 4], "/opt/attnlab");
  EXPECT_EQ(sanitizer_tools().size(), 4u);
}

TEST(Sanitizer, MissingSanitizerIsReportedNotRun) {
  setenv("ATTNLAB_COMPUTE_SANITIZER", "/nonexistent/compute-sanitizer", 1);
  std::string why;
  EXPECT_TRUE(find_compute_sanitizer(&why).empty());
  EXPECT_NE(why.find("ATTNLAB_COMPUTE_SANITIZER"), std::string::npos);
  const auto r = run_sanitizers({"/bin/true"}, "k");
  EXPECT_FALSE(r.ran);
  EXPECT_FALSE(r.clean);
  unsetenv("ATTNLAB_COMPUTE_SANITIZER");
}

TEST(Sanitizer, RunsEachToolThroughTheProcessRunner) {
  // A fake sanitizer (a shell script): clean for memcheck, a race for racecheck -> stops there.
  const std::string path = ::testing::TempDir() + "/fake-compute-sanitizer";
  {
    FILE* f = fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs("#!/bin/sh\nif [ \"$2\" = racecheck ]; then\n"
          "echo '========= Error: Race reported between Write access at attnlab_flash_fwd+0x9d0'\n"
          "echo '========= RACECHECK SUMMARY: 1 hazard displayed (1 error, 0 warnings)'; exit 86; fi\n"
          "echo '========= ERROR SUMMARY: 0 errors'\n", f);
    fclose(f);
  }
  chmod(path.c_str(), 0755);
  setenv("ATTNLAB_COMPUTE_SANITIZER", path.c_str(), 1);
  const auto r = run_sanitizers({"/bin/true"}, "attnlab_flash_fwd", 10);
  unsetenv("ATTNLAB_COMPUTE_SANITIZER");
  EXPECT_TRUE(r.ran);
  EXPECT_FALSE(r.clean);
  ASSERT_EQ(r.reports.size(), 2u);  // memcheck clean, racecheck reported, synccheck/initcheck not run
  EXPECT_EQ(r.error.rfind("racecheck: Error: Race reported", 0), 0u) << r.error;
}
