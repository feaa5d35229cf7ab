// CLI behaviour on bad input: one clear line, non-zero exit, never a crash. Runs the real binary.
#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>

#include "io/npy.hpp"
#include "test_helpers.hpp"

namespace attnlab {

using test::run_cli;

namespace {
void expect_error(const std::string& args, const std::string& needle) {
  auto r = run_cli(args);
  EXPECT_NE(r.exit_code, 0) << args << "\n" << r.output;
  EXPECT_GT(r.exit_code, 0) << args << " crashed:\n" << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << args << "\n" << r.output;
}

std::string write_tensor(const std::string& name, std::vector<int64_t> shape, const std::string& descr = "<f2") {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = float((i * 37) % 11) / 11.f - 0.5f;
  const std::string path = ::testing::TempDir() + "/" + name;
  write_npy(path, npy_from_float(v, shape, descr));
  return path;
}
}  // namespace

TEST(Cli, HelpEverywhere) {
  for (std::string sub : {"", "devices", "configs", "check", "run", "bench", "inspect", "profile"}) {
    auto r = run_cli(sub + " --help");
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << sub;
  }
}

TEST(Cli, DevicesNeverFails) {
  auto r = run_cli("devices");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  if (!test::has_gpu()) EXPECT_NE(r.output.find("no CUDA device"), std::string::npos) << r.output;
}

TEST(Cli, ConfigsListsAndRejects) {
  auto r = run_cli("configs --arch sm_90a --head-dim 128");  // sm_90a: the sm90 family unless named
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("sm90-m128n128s2-pp-ov-grid"), std::string::npos) << r.output;
  r = run_cli("configs --arch sm_90a --head-dim 128 --family sm80");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("m128n64w4s2-swz-qsm"), std::string::npos) << r.output;
  expect_error("configs --arch sm_89 --family sm90", "the sm90 family needs sm_90a");
  expect_error("configs --arch sm_90a --head-dim 80", "unsupported head dim 80");
  expect_error("configs --arch sm_42", "unsupported arch");
  expect_error("configs --dtype fp8", "unsupported dtype");
}

TEST(Cli, RunRejectsBadInputsBeforeTouchingTheGpu) {
  const std::string out = ::testing::TempDir() + "/o.npy";
  expect_error("run --q /nonexistent/q.npy --k x --v y --out " + out, "/nonexistent/q.npy: cannot open");
  auto q = write_tensor("q.npy", {1, 8, 4, 64}), k = write_tensor("k.npy", {1, 8, 4, 64}),
       v = write_tensor("v.npy", {1, 9, 4, 64}), k80 = write_tensor("k80.npy", {1, 8, 4, 80}),
       q80 = write_tensor("q80.npy", {1, 8, 4, 80}), k3 = write_tensor("k3.npy", {1, 8, 3, 64}),
       kb = write_tensor("kb.npy", {2, 8, 4, 64}), q32 = write_tensor("q32.npy", {1, 8, 4, 64}, "<f4"),
       k2d = write_tensor("k2d.npy", {8, 64});
  expect_error(fmt::format("run --q {} --k {} --v {} --out {}", q, k, v, out), "k and v must have the same shape");
  expect_error(fmt::format("run --q {} --k {} --v {} --out {}", q, k80, k80, out), "head dim of q (64) and k (80) differ");
  expect_error(fmt::format("run --q {} --k {} --v {} --out {}", q80, k80, k80, out), "unsupported head dim 80");
  expect_error(fmt::format("run --q {} --k {} --v {} --out {}", q, k3, k3, out), "must divide");
  expect_error(fmt::format("run --q {} --k {} --v {} --out {}", q, kb, kb, out), "batch of q (1) and k (2) differ");
  expect_error(fmt::format("run --q {} --k {} --v {} --out {}", q, q32, q32, out), "same dtype");
  expect_error(fmt::format("run --q {} --k {} --v {} --out {}", q32, q32, q32, out), "needs --dtype");
  expect_error(fmt::format("run --q {} --k {} --v {} --out {}", q, k2d, k2d, out), "expected shape");
  expect_error(fmt::format("run --q {} --k {} --v {} --out {} --dtype bf16", q, k, k, out), "does not hold bf16");
  if (!test::has_gpu())
    expect_error(fmt::format("run --q {} --k {} --v {} --out {}", q, k, k, out), "no CUDA device");
}

TEST(Cli, BenchAndCheckErrors) {
  expect_error("bench --shape 1,2,3", "expected B,H,Sq,Sk,d");
  expect_error("bench --shape 1,2,x,64", "is not an integer");
  expect_error("bench --shape 1,2,128,80", "unsupported head dim 80");
  expect_error("bench --shape 0,2,128,64", "batch must be >= 1");
  expect_error("bench --shape 1,8,128,64 --heads-k 3", "must divide");
  expect_error("check --head-dim 96", "unsupported head dim 96");
  expect_error("check --dtype int8", "unsupported dtype");
  expect_error("check --configs nonsense", "cannot parse config");
  if (!test::has_gpu()) expect_error("check", "no CUDA device");
}

TEST(Cli, CompareMicroTuneErrors) {
  expect_error("compare --head-dims 80", "unsupported head dim 80");
  expect_error("compare --backends nope", "unknown or not built attention backend 'nope'");
  expect_error("compare --mask sideways", "mask");
  expect_error("micro --head-dim 80", "unsupported head dim 80");
  expect_error("micro --top-k 0", "--top-k: 0 is out of range");
  expect_error("tune --strategy seeded", "--strategy seeded needs --seed-from");
  expect_error("tune --strategy nope", "strategy");
  expect_error("tune --budget 0", "--budget: 0 is out of range");
  expect_error("tune --seed-from /nonexistent/micro_best.json", "/nonexistent/micro_best.json: cannot open");
  expect_error("tune --replay /nonexistent/results.db", "/nonexistent/results.db: cannot open");
  expect_error("tune --db /nonexistent/x.db --export run", "/nonexistent/x.db: cannot open");
  expect_error("bench --backend nope", "unknown or not built attention backend 'nope'");
}

TEST(Cli, UnknownSubcommandOrFlag) {
  auto r = run_cli("frobnicate");
  EXPECT_NE(r.exit_code, 0);
  r = run_cli("check --no-such-flag");
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace attnlab
