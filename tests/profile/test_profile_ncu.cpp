// Nsight Compute CSV parsing, ncu failure diagnoses, the command line, the per-arch metric sets, and the
// profile path with a fake ncu. No GPU and no ncu needed. tests/fixtures/ncu_raw_brief_sm90.csv is
// written in ncu 2025's raw-page format (==PROF== lines, header, base-units row, thousands separators,
// an n/a column) with values modelled on the H100 figures in shared/reference (cuDNN 818.5 us, tensor
// 76%); replace it with a CSV captured by scripts/device-profile.sh once one exists, keeping the checks.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "profile/metric_sets.hpp"
#include "profile/ncu.hpp"
#include "profile/profile.hpp"
#include "store/results_db.hpp"
#include "test_helpers.hpp"

namespace attnlab::profile {

TEST(ProfileNcu, ParsesTheRawPageFixture) {
  const auto kernels = parse_ncu_csv(test::read_fixture("ncu_raw_brief_sm90.csv"));
  ASSERT_EQ(kernels.size(), 3u);
  const auto& flash = kernels[0];
  EXPECT_EQ(flash.id, 0);
  EXPECT_EQ(flash.name, "attnlab_flash_fwd");
  EXPECT_EQ(flash.block_size, "(128, 1, 1)");
  EXPECT_EQ(flash.grid_size, "(32, 16, 4)");
  EXPECT_EQ(flash.info.at("CC"), "9.0");
  EXPECT_DOUBLE_EQ(*flash.metric(metric::kDuration), 1618432);  // "1,618,432" nsecond
  EXPECT_EQ(flash.units.at(metric::kDuration), "nsecond");
  EXPECT_DOUBLE_EQ(*flash.metric(metric::kDramBytesRead), 1102315520);
  EXPECT_DOUBLE_EQ(*flash.metric(metric::kTensorPipePct), 48.91);
  // sm__pipe_tensor_active reads n/a on sm_90: absent from metrics, listed as unavailable.
  EXPECT_FALSE(flash.metric("sm__pipe_tensor_active.avg.pct_of_peak_sustained_active").has_value());
  EXPECT_EQ(flash.unavailable, std::vector<std::string>{"sm__pipe_tensor_active.avg.pct_of_peak_sustained_active"});
  EXPECT_EQ(kernels[1].name.rfind("cudnn_generated_fort_native_sdpa_sm90", 0), 0u);
  EXPECT_DOUBLE_EQ(*kernels[1].metric(metric::kGmmaInst), 2097152);
  EXPECT_EQ(kernels[2].grid_size, "(132, 1, 1)");
}

TEST(ProfileNcu, CsvCornerCases) {
  // Quoted commas, doubled quotes, a line break inside a cell (a long kernel name).
  const auto q = parse_ncu_csv("\"ID\",\"Kernel Name\",\"m\"\n\"0\",\"k<a, \"\"b\"\"\nc>\",\"1\"\n");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].name, "k<a, \"b\"\nc>");
  EXPECT_EQ(q[0].metric("m"), 1.0);
  EXPECT_EQ(parse_ncu_number("1,234.5"), 1234.5);
  EXPECT_EQ(parse_ncu_number("n/a"), std::nullopt);
  EXPECT_EQ(parse_ncu_number(""), std::nullopt);
  EXPECT_EQ(parse_ncu_number("(128, 1, 1)"), std::nullopt);
  // Every metric n/a, and a units row missing: still one kernel, nothing numeric.
  const auto k = parse_ncu_csv("\"ID\",\"Kernel Name\",\"m1\",\"m2\"\n\"0\",\"k\",\"n/a\",\"\"\n");
  ASSERT_EQ(k.size(), 1u);
  EXPECT_TRUE(k[0].metrics.empty());
  EXPECT_EQ(k[0].unavailable.size(), 2u);
  EXPECT_THROW(parse_ncu_csv("==PROF== Connected\n==ERROR== something\n"), UserError);
}

TEST(ProfileNcu, DiagnosesFailuresInOneLine) {
  ProcessResult perm;
  perm.exit_code = 1;
  perm.out =
      "==PROF== Connected to process 123 (/x/attnlab)\n"
      "==ERROR== ERR_NVGPUCTRPERM - The user does not have permission to access NVIDIA GPU Performance Counters on "
      "the target device 0. For instructions on enabling permissions and to get more information see "
      "the ERR_NVGPUCTRPERM web page.\n";
  const auto why = ncu_failure(perm);
  EXPECT_NE(why.find("ERR_NVGPUCTRPERM"), std::string::npos);
  EXPECT_NE(why.find("NVreg_RestrictProfilingToAdminUsers=0"), std::string::npos);
  EXPECT_EQ(why.find('\n'), std::string::npos);

  ProcessResult none;
  none.exit_code = 0;
  none.out = "==PROF== Connected\n==WARNING== No kernels were profiled.\n";
  EXPECT_NE(ncu_failure(none).find("no kernel"), std::string::npos);

  ProcessResult bad_metric;
  bad_metric.exit_code = 1;
  bad_metric.out = "==ERROR== Failed to find metric regex:^sm__made_up_metric.sum$\n";
  EXPECT_EQ(ncu_failure(bad_metric), "ncu: Failed to find metric regex:^sm__made_up_metric.sum$");
  EXPECT_EQ(unknown_metrics(bad_metric.out, {"gpu__time_duration.sum", "sm__made_up_metric.sum"}),
            std::vector<std::string>{"sm__made_up_metric.sum"});

  ProcessResult missing;  // run_process could not start it
  missing.exit_code = 127;
  missing.err = "exec failed\n";
  EXPECT_NE(ncu_failure(missing).find("cannot run ncu"), std::string::npos);

  ProcessResult ok;
  ok.exit_code = 0;
  ok.out = test::read_fixture("ncu_raw_brief_sm90.csv");
  EXPECT_EQ(ncu_failure(ok), "");
}

TEST(ProfileNcu, CommandLineAndMetricSets) {
  const auto cmd = ncu_command("/usr/local/cuda/bin/ncu", {"a.sum", "b.pct"}, {"/x/attnlab", "profile-launch"});
  const std::vector<std::string> want = {"/usr/local/cuda/bin/ncu", "--csv", "--page", "raw", "--print-units", "base",
                                         "--clock-control", "none", "--nvtx", "--nvtx-include", "attnlab_profile/",
                                         "--metrics", "a.sum,b.pct", "/x/attnlab", "profile-launch"};
  EXPECT_EQ(cmd, want);
  const auto brief90 = metric_names("brief", "sm_90a"), brief80 = metric_names("brief", "sm_80");
  const auto has = [](const std::vector<std::string>& v, const char* m) { return std::find(v.begin(), v.end(), m) != v.end(); };
  EXPECT_TRUE(has(brief90, metric::kGmmaInst));
  EXPECT_FALSE(has(brief80, metric::kGmmaInst));  // wgmma exists on sm_90 only
  for (const char* m : {metric::kTensorPipePct, metric::kWarpsActivePct, metric::kDramPct, metric::kSmPct, metric::kDuration})
    EXPECT_TRUE(has(brief80, m) && has(brief90, m)) << m;
  EXPECT_FALSE(has(brief90, "sm__pipe_tensor_active.avg.pct_of_peak_sustained_active"));  // reads n/a on sm_90
  const auto full = metric_names("full", "sm_90a");
  EXPECT_GT(full.size(), brief90.size() + 20);
  EXPECT_TRUE(has(full, metric::kSmemBankConflictsLd));
  EXPECT_TRUE(has(full, metric::kLocalLoadBytes));
  EXPECT_TRUE(has(full, "smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio"));
  EXPECT_THROW(metric_names("everything", "sm_90a"), UserError);
}

TEST(ProfileNcu, KernelsOfALaunchGetVerdictsAndTheFlopsGoToTheLongest) {
  const auto kernels = parse_ncu_csv(test::read_fixture("ncu_raw_brief_sm90.csv"));
  const std::vector<NcuKernel> cudnn = {kernels[1], kernels[0]};  // pretend both ran in one launch
  const double flops = 4.0 * 4 * 16 * 4096.0 * 4096 * 128;
  const auto judged = judge_kernels(cudnn, flops, 700, 3000);
  ASSERT_EQ(judged.size(), 2u);
  EXPECT_FALSE(judged[0].main);  // 818 us < 1618 us
  EXPECT_TRUE(judged[1].main);
  EXPECT_NEAR(judged[1].verdict.achieved_tflops, flops / 1618432e-9 / 1e12, 1e-6);
  EXPECT_EQ(judged[0].verdict.achieved_tflops, 0);
  EXPECT_EQ(judged[0].verdict.kind, "tensor-pipe-bound");  // cuDNN: tensor pipe 76%
  AttnProblem p = AttnProblem::make(4, 16, 16, 4096, 4096, 128, DType::bf16, false);
  EXPECT_EQ(profile_stem("cudnn", p), "cudnn_B4_H16_S4096_d128_bf16");
  EXPECT_EQ(launch_description("==PROF== x\nattnlab-profile-launch: m128n64w4s2-swz-qsm\n\"ID\"\n"), "m128n64w4s2-swz-qsm");
}

TEST(ProfileNcu, ProfileRejectsBadInputBeforeAnyGpuWork) {
  auto r = test::run_cli("profile --backend nope --shape 1,1,128,64");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("nope"), std::string::npos) << r.output;
  r = test::run_cli("profile --backend cudnn --config m128n64w4s2-swz-qsm --shape 1,1,128,64");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--config applies to the custom backend only"), std::string::npos) << r.output;
  r = test::run_cli("profile --metrics everything");
  EXPECT_NE(r.exit_code, 0);
  // ncu missing (as on the CPU machines): one line naming the fix, before any GPU work.
  if (find_ncu().empty()) {
    r = test::run_cli("profile --shape 1,1,128,64");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("ncu (Nsight Compute) not found"), std::string::npos) << r.output;
  }
}

}  // namespace attnlab::profile

// The whole profile path without a GPU: a fake ncu on NCU_PATH prints the fixture (and first rejects a
// metric, as an older ncu would); files, verdicts and the DB rows come out as on the GPU machine.
namespace attnlab::profile {

TEST(ProfileNcu, EndToEndWithAFakeNcu) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("attnlab-fake-ncu-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "fixture.csv") << test::read_fixture("ncu_raw_brief_sm90.csv");
  {
    std::ofstream s(dir / "ncu");
    s << "#!/bin/sh\necho \"$@\" >> '" << (dir / "args").string() << "'\n"
      << "case \"$*\" in *sm__inst_executed_pipe_uniform.sum*)\n"
      << "  echo '==ERROR== Failed to find metric sm__inst_executed_pipe_uniform.sum'; exit 1;;\nesac\n"
      << "echo 'attnlab-profile-launch: m128n64w4s2-swz-qsm'\ncat '" << (dir / "fixture.csv").string() << "'\n";
  }
  ::chmod((dir / "ncu").c_str(), 0755);
  ::setenv("NCU_PATH", dir.c_str(), 1);
  ProfileRequest req;
  req.launch.problem = AttnProblem::make(4, 16, 16, 4096, 4096, 128, DType::bf16, false);
  req.metric_set = "full";
  req.out_dir = (dir / "out").string();
  req.db = (dir / "results.db").string();
  const ProfileResult r = run_profile(req, {"sm_90a", "GPU-fake", "580", 700, 3000}, "/x/attnlab");
  ::unsetenv("NCU_PATH");

  EXPECT_EQ(r.describe, "m128n64w4s2-swz-qsm");
  EXPECT_EQ(r.dropped_metrics, std::vector<std::string>{"sm__inst_executed_pipe_uniform.sum"});
  ASSERT_EQ(r.kernels.size(), 3u);
  EXPECT_TRUE(r.kernels[2].main);  // the longest
  EXPECT_GT(r.kernels[2].verdict.roof_tflops, 0);
  std::ifstream args(dir / "args");
  std::string first, second;
  std::getline(args, first);
  std::getline(args, second);
  EXPECT_NE(first.find("/x/attnlab profile-launch --backend custom --shape 4,16,4096,4096,128"), std::string::npos) << first;
  EXPECT_NE(first.find("sm__inst_executed_pipe_uniform.sum"), std::string::npos);
  EXPECT_EQ(second.find("sm__inst_executed_pipe_uniform.sum"), std::string::npos);  // retried without it
  // The raw CSV is ncu's CSV alone, and parses back to the same kernels.
  std::ifstream csv_file(r.csv_path);
  const std::string csv((std::istreambuf_iterator<char>(csv_file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(csv.rfind("\"ID\"", 0), 0u);
  EXPECT_EQ(parse_ncu_csv(csv).size(), 3u);
  std::ifstream json_file(r.json_path);
  const auto j = nlohmann::json::parse(json_file);
  EXPECT_EQ(j["schema"], "attnlab.profile/1");
  EXPECT_EQ(j["kernels"][1]["verdict"]["kind"], "tensor-pipe-bound");
  auto db = ResultsDb::open(req.db);
  const auto rows = db.profiles({"sm_90a", "GPU-fake", "580", "", "", ""});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].config, "m128n64w4s2-swz-qsm");
  EXPECT_EQ(rows[0].metric_set, "full");
  fs::remove_all(dir);
}

}  // namespace attnlab::profile
