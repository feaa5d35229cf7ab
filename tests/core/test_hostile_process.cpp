// Hostile input, round 2 (issue 18), rows 13, 14, 19 and 22: child processes and memory. A child that
// floods its output costs a bounded capture; a proposer that exits is done even when something it started
// still holds its stdout; SIGTERM to `attnlab evidence` reaches the running step; replay's memory does not
// grow with budget x seeds.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/process.hpp"
#include "hostile_helpers.hpp"
#include "search/proposer.hpp"
#include "search/replay.hpp"
#include "search/space.hpp"
#include "search/tuner.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace attnlab {
namespace {

using test::slurp;
using test::TempDir;
using test::user_error_of;

// True while some process has `path` open (a scan of /proc/*/fd).
bool someone_has_open(const fs::path& path) {
  std::error_code ec;
  const fs::path target = fs::weakly_canonical(path, ec);
  for (auto& proc : fs::directory_iterator("/proc", ec)) {
    std::error_code e2;
    for (auto& fd : fs::directory_iterator(proc.path() / "fd", e2)) {
      std::error_code e3;
      if (fs::read_symlink(fd.path(), e3) == target) return true;
    }
  }
  return false;
}

// Whether `pid` still runs (a zombie waiting for init counts as gone).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}
}  // namespace

// Row 13: 100 MB on stdout and on stderr in a second: the capture keeps 16 MiB of each, head and tail.
TEST(HostileProcess, AFloodingChildCostsABoundedCapture) {
  const auto r = run_shell("head -c 100000000 /dev/zero | tr '\\0' a; echo THE-END; head -c 100000000 /dev/zero >&2");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LE(r.out.size(), size_t(17) << 20);
  EXPECT_LE(r.err.size(), size_t(17) << 20);
  EXPECT_NE(r.out.find("bytes left out"), std::string::npos);
  EXPECT_NE(r.out.find("THE-END"), std::string::npos);  // the tail is kept
  EXPECT_EQ(r.out.substr(0, 4), "aaaa");                // and the head
}

// The line-protocol child (the eval worker) too: a "line" of 40 MB ends the child, not our memory.
TEST(HostileProcess, ALineProtocolChildThatFloodsIsEnded) {
  ChildProcess c({"/bin/sh", "-c", "head -c 40000000 /dev/zero; sleep 30"});
  std::string line;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.read_line(line, 20), ChildProcess::Read::eof);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_TRUE(line.empty());
}

TEST(HostileProcess, AProposerThatFloodsStdoutIsRefusedWithBoundedMemory) {
  const SearchSpace space(128, ArchLimits::for_arch("sm_90a"), KnobValues::of(Family::sm80, "default"));
  ProposerStrategy p(space, ProposerOptions{"cat > /dev/null; head -c 100000000 /dev/zero"});
  Rng rng(1);
  const std::string why = user_error_of([&] { p.propose(History{}, 4, rng); });
  EXPECT_NE(why.find("wrote more than 16 MiB to stdout"), std::string::npos) << why.substr(0, 300);
}

// Row 22: the proposer exits 0 but leaves a child holding its stdout: done at once (it waited for the
// 300 s timeout), and the leftover is killed.
TEST(HostileProcess, AProposerIsDoneWhenItExitsAndItsLeftoversAreKilled) {
  TempDir dir;
  const std::string pidfile = dir.file("leftover.pid");
  const SearchSpace space(128, ArchLimits::for_arch("sm_90a"), KnobValues::of(Family::sm80, "default"));
  ProposerOptions opt{"cat > /dev/null; sleep 60 & echo $! > " + pidfile + "; echo '{\"candidates\": []}'"};
  opt.timeout_s = 20;
  ProposerStrategy p(space, opt);
  Rng rng(1);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(user_error_of([&] { p.propose(History{}, 4, rng); }), "NO ERROR");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  const pid_t leftover = pid_t(std::stoi(slurp(pidfile)));
  for (int i = 0; i < 40 && alive(leftover); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(alive(leftover)) << "the proposer's background child still runs";
}

// Row 14: budget x seeds within the documented ranges no longer allocates budget x seeds doubles (here
// 400 seeds x a budget of 10^6 would be 3.2 GB; the child may use 1.5 GB of address space).
TEST(HostileProcess, ReplayMemoryDoesNotGrowWithBudgetTimesSeeds) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rlimit rl{rlim_t(1500) << 20, rlim_t(1500) << 20};
    setrlimit(RLIMIT_AS, &rl);
    try {
      const SearchSpace space(128, ArchLimits::for_arch("sm_90a"), KnobValues::of(Family::sm80, "default"));
      std::vector<Evaluation> records;
      double tf = 100;
      for (auto& c : space.all_valid()) {
        Evaluation e;
        e.config = c;
        e.compiled = e.correct = true;
        e.tflops = tf += 1;
        records.push_back(e);
      }
      ReplayOptions ro;
      ro.strategies = {"random"};
      ro.budget = 1000000;
      ro.n_rng_seeds = 400;
      const auto stats = replay_compare(space, records, ro);
      _exit(stats.at(0).median_best_so_far.size() == size_t(ro.budget) && stats.at(0).success_rate == 1.0 ? 0 : 2);
    } catch (...) {
      _exit(1);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: out of memory, 2: wrong curve";
}

// The median curve is what the seeds x budget matrix gave: the median over seeds at each evaluation.
TEST(HostileProcess, ReplayMedianCurveIsTheMedianOverSeeds) {
  const SearchSpace space(128, ArchLimits::for_arch("sm_90a"), KnobValues::of(Family::sm80, "default"));
  std::vector<Evaluation> records;
  double tf = 10;
  for (auto& c : space.all_valid()) {
    Evaluation e;
    e.config = c;
    e.compiled = e.correct = true;
    e.tflops = (tf += 7.5) > 100 ? tf - 90 : tf;  // not monotone in enumeration order
    records.push_back(e);
  }
  ReplayOptions ro;
  ro.strategies = {"random"};
  ro.budget = 12;
  ro.n_rng_seeds = 4;
  const auto stats = replay_compare(space, records, ro);
  ASSERT_EQ(stats.size(), 1u);
  const auto& curve = stats[0].median_best_so_far;
  ASSERT_EQ(curve.size(), 12u);
  std::vector<std::vector<double>> matrix;  // [seed][evaluation], the same runs again
  for (int seed = 1; seed <= ro.n_rng_seeds; ++seed) {
    TuneOptions o = ro.base;
    o.budget = ro.budget;
    o.rng_seed = uint64_t(seed);
    auto strategy = make_strategy("random", space, o);
    ReplayEvaluator eval(records);
    Tuner tuner(space, *strategy, eval, o);
    tuner.run();
    std::vector<double> c;
    double best = 0;
    for (size_t i = 0; i < 12; ++i) {
      if (i < tuner.history().trials().size()) best = std::max(best, fitness(tuner.history().trials()[i].eval));
      c.push_back(best);
    }
    matrix.push_back(c);
  }
  for (size_t i = 0; i < 12; ++i) {
    std::vector<double> at;
    for (auto& c : matrix) at.push_back(c[i]);
    std::sort(at.begin(), at.end());
    EXPECT_DOUBLE_EQ(curve[i], 0.5 * (at[1] + at[2])) << i;
  }
}

// Row 19: SIGTERM to `attnlab evidence` (no GPU: it compiles configs) reaches the running step's process
// tree; the step is marked unfinished and nothing writes into the folder afterwards.
TEST(HostileProcess, SigtermToEvidenceStopsTheRunningStepAndMarksItUnfinished) {
  if (test::has_gpu()) GTEST_SKIP() << "with a GPU the steps are GPU work; this checks the CPU pipeline";
  TempDir dir;
  const fs::path ev = dir.path / "ev", log = ev / "configs" / "configs_sm_80_d64.txt";
  const std::string bin = test::cli_binary(), committed = std::string(ATTNLAB_SOURCE_DIR) + "/tests/fixtures/evidence";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("ATTNLAB_CACHE_DIR", dir.file("cache").c_str(), 1);  // cold: the step compiles for a while
    freopen("/dev/null", "w", stdout);
    execl(bin.c_str(), bin.c_str(), "evidence", "--out", ev.c_str(), "--committed", committed.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 1200 && !fs::exists(log); ++i) std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(fs::exists(log)) << "the first configs step did not start";
  std::this_thread::sleep_for(1500ms);
  ASSERT_TRUE(someone_has_open(log)) << "the step finished before the signal; nothing to check";
  kill(pid, SIGTERM);
  int status = 0;
  bool ended = false;
  for (int i = 0; i < 200 && !(ended = waitpid(pid, &status, WNOHANG) == pid); ++i) std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(ended) << "attnlab evidence still runs 20 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(status)) << "attnlab evidence died of the signal instead of handling it";
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  for (int i = 0; i < 50 && someone_has_open(log); ++i) std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(someone_has_open(log)) << "the step still writes into the folder";
  const auto size = fs::file_size(log);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(fs::file_size(log), size);
  const auto manifest = nlohmann::json::parse(slurp((ev / "manifest.json").string()));
  bool marked = false;
  for (auto& s : manifest.at("steps"))
    if (s.at("name") == "configs-sm_80-d64") marked = s.value("unfinished", false) && s.at("exit_code") != 0;
  EXPECT_TRUE(marked) << manifest.dump(1);
}

}  // namespace attnlab
