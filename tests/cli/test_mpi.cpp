// `mpirun -np 3 attnlab campaign|tune ... --mpi --simulate landscape` (docs/mpi.md) on the CPU: every candidate is
// evaluated exactly once (each rank logs what it evaluates: ATTNLAB_SIM_LOG), the results database and the
// dispatch table are those of a single-process run, the load is balanced, a killed rank ends the job and the same
// command resumes without repeating a stored evaluation, a rank that answers garbage is refused, a slow rank's
// request is re-issued. Skipped with a message when the build has no MPI or mpirun is missing.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "io/json_text.hpp"
#include "store/results_db.hpp"
#include "test_helpers.hpp"

using namespace attnlab;
namespace fs = std::filesystem;

namespace {
#ifdef ATTNLAB_TEST_MPIEXEC
const std::string kMpirun = ATTNLAB_TEST_MPIEXEC;
#else
const std::string kMpirun;
#endif

#define REQUIRE_MPIRUN()                                                                                   \
  do {                                                                                                     \
    if (kMpirun.empty()) GTEST_SKIP() << "attnlab built without MPI (ATTNLAB_WITH_MPI): no --mpi to test"; \
    if (!fs::exists(kMpirun)) GTEST_SKIP() << "mpirun missing (" << kMpirun << "): scripts/install-deps.sh";  \
  } while (0)

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("attnlab-mpi-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Two groups (causal, none) x {512, 4096} + one refinement each: 6 probes x 24 evaluations.
fs::path workload(const fs::path& dir) {
  const auto w = nlohmann::json{{"schema", "attnlab.workload/1"},
                                {"name", "mpi"},
                                {"model", {{"heads", 16}, {"kv_heads", 4}, {"head_dim", 128}}},
                                {"prefill", {{"tokens", 8192}, {"seqlens", {512, 4096}}}},
                                {"masks", {"causal", "none"}}};
  const fs::path f = dir / "w.json";
  std::ofstream(f) << w.dump();
  return f;
}

std::string campaign_args(const fs::path& w, const fs::path& out) {
  return "campaign --workload " + w.string() + " --out " + out.string() + " --family sm90 --budget 24 --population 12 " +
         "--simulate landscape";
}

// env: "A=1 B=2" before the command; np 0: no mpirun.
test::CommandResult run(const std::string& env, int np, const std::string& args) {
  std::string cmd = "env " + env + " ";
  if (np > 0)
    cmd += kMpirun + " --oversubscribe --allow-run-as-root --mca btl self,vader --mca btl_vader_single_copy_mechanism none -np " + std::to_string(np) + " " +
           test::cli_binary() + " " + args + " --mpi";
  else
    cmd += test::cli_binary() + " " + args;
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  test::CommandResult r{-1, ""};
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

struct Row {
  bool ok;
  double tflops;
  std::string error, timing;
};
// shape + " " + config -> row, for every evaluation in a results database.
std::map<std::string, Row> rows(const fs::path& db) {
  std::map<std::string, Row> out;
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(h);
    return out;
  }
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(h, "SELECT shape, config, correct, tflops, error, timing_json FROM evaluations", -1, &s, nullptr);
  while (sqlite3_step(s) == SQLITE_ROW) {
    auto text = [&](int c) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, c))); };
    out[text(0) + " " + text(1)] = {sqlite3_column_int(s, 2) != 0, sqlite3_column_double(s, 3), text(4), text(5)};
  }
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

struct Log {
  std::map<int, int> per_rank;
  std::multiset<std::string> evaluated;  // shape + " " + config, as rows() keys them
  int retimed = 0;                       // finalists re-timed on rank 0 (not the tunes' evaluations)
};
Log read_log(const fs::path& f) {
  Log l;
  std::ifstream in(f);
  std::string line;
  while (std::getline(in, line)) {
    if (std::count(line.begin(), line.end(), '\t') == 3) {
      l.retimed += line.rfind("0\t", 0) == 0;  // rank 0's, by construction
      continue;
    }
    const auto a = line.find('\t'), b = line.rfind('\t');
    ++l.per_rank[std::stoi(line.substr(0, a))];
    l.evaluated.insert(line.substr(a + 1, b - a - 1) + " " + line.substr(b + 1));
  }
  return l;
}

void expect_same_rows(const std::map<std::string, Row>& a, const std::map<std::string, Row>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (auto& [k, r] : a) {
    ASSERT_TRUE(b.count(k)) << k;
    EXPECT_EQ(r.ok, b.at(k).ok) << k;
    EXPECT_DOUBLE_EQ(r.tflops, b.at(k).tflops) << k;
  }
}

nlohmann::json entries(const fs::path& dispatch) { return read_json_file(dispatch.string())["entries"]; }

// The single-process campaign every MPI run is compared with.
struct Reference {
  fs::path dir;
  std::map<std::string, Row> db;
  nlohmann::json table;
};
Reference reference(const fs::path& dir, const fs::path& w) {
  Reference r{dir / "single", {}, {}};
  const auto res = run("ATTNLAB_SIM_LOG=" + (dir / "single.log").string(), 0, campaign_args(w, r.dir));
  EXPECT_EQ(res.exit_code, 0) << res.output;
  r.db = rows(r.dir / "campaign.db");
  r.table = entries(r.dir / "dispatch.json");
  EXPECT_EQ(read_log(dir / "single.log").evaluated.size(), r.db.size()) << "one evaluation per row";
  return r;
}
}  // namespace

TEST(Mpi, ACampaignOverThreeRanksEvaluatesEachCandidateOnceAndEqualsOneProcess) {
  REQUIRE_MPIRUN();
  const fs::path dir = fresh_dir("same"), w = workload(dir);
  const Reference ref = reference(dir, w);
  ASSERT_EQ(ref.db.size(), 6u * 24u);
  const auto res = run("ATTNLAB_SIM_EVAL_MS=15 ATTNLAB_SIM_LOG=" + (dir / "mpi.log").string(), 3,
                       campaign_args(w, dir / "mpi"));
  ASSERT_EQ(res.exit_code, 0) << res.output;
  const Log log = read_log(dir / "mpi.log");
  EXPECT_EQ(log.evaluated.size(), ref.db.size());
  EXPECT_EQ(std::set<std::string>(log.evaluated.begin(), log.evaluated.end()).size(), log.evaluated.size())
      << "a candidate evaluated twice";
  const auto db = rows(dir / "mpi" / "campaign.db");
  expect_same_rows(db, ref.db);
  EXPECT_EQ(entries(dir / "mpi" / "dispatch.json"), ref.table);
  // Balanced: every rank within half of the mean share (dynamic hand-out, equal evaluation times).
  ASSERT_EQ(log.per_rank.size(), 3u) << res.output;
  for (auto& [rank, n] : log.per_rank) {
    EXPECT_GT(n, int(ref.db.size()) / 3 / 2) << "rank " << rank << "\n" << res.output;
    EXPECT_LT(n, int(ref.db.size()) / 3 * 3 / 2) << "rank " << rank;
  }
  // Which GPU measured each: the rows other ranks measured say so.
  int on_rank1 = 0;
  for (auto& [k, r] : db) on_rank1 += r.timing.find("GPU-sim-rank1") != std::string::npos;
  EXPECT_EQ(on_rank1, log.per_rank.at(1));
  int read_back = 0;  // and the database's reader gives it back as Evaluation::gpu_uuid
  for (auto& e : ResultsDb::open_readonly((dir / "mpi" / "campaign.db").string()).all(EvalContext{}))
    read_back += e.gpu_uuid == "GPU-sim-rank1";
  EXPECT_EQ(read_back, on_rank1);
  EXPECT_NE(res.output.find("mpi: rank 2 GPU-sim-rank2"), std::string::npos) << res.output;
  // The finalists re-timed on rank 0's GPU, one per bucket (the synthetic landscape gives the same numbers).
  size_t retimed = 0;
  for (size_t at = 0; (at = res.output.find("re-timed on one GPU", at)) != std::string::npos; ++at) ++retimed;
  EXPECT_EQ(retimed, ref.table.size()) << res.output;
  EXPECT_GE(log.retimed, int(ref.table.size())) << "chosen (and default) of each bucket, measured on rank 0";
  fs::remove_all(dir);
}

TEST(Mpi, AKilledRankEndsTheJobAndTheCampaignResumesWithoutRepeatingStoredEvaluations) {
  REQUIRE_MPIRUN();
  const fs::path dir = fresh_dir("kill"), w = workload(dir);
  const Reference ref = reference(dir, w);
  const auto first = run("ATTNLAB_SIM_EVAL_MS=10 ATTNLAB_SIM_DIE=2:15 ATTNLAB_SIM_LOG=" + (dir / "first.log").string(), 3,
                         campaign_args(w, dir / "mpi"));
  EXPECT_NE(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("rank 2 dies at its evaluation 16"), std::string::npos) << first.output;
  const auto stored = rows(dir / "mpi" / "campaign.db");
  EXPECT_GT(stored.size(), 15u);
  EXPECT_LT(stored.size(), ref.db.size());
  const auto second = run("ATTNLAB_SIM_EVAL_MS=10 ATTNLAB_SIM_LOG=" + (dir / "second.log").string(), 3,
                          campaign_args(w, dir / "mpi"));
  ASSERT_EQ(second.exit_code, 0) << second.output;
  const Log l1 = read_log(dir / "first.log"), l2 = read_log(dir / "second.log");
  for (auto& k : l2.evaluated) EXPECT_FALSE(stored.count(k)) << k << " was stored and evaluated again";
  int repeated = 0;  // finished on a rank but not yet stored when the job ended: at most one per rank
  for (auto& k : l2.evaluated) repeated += int(l1.evaluated.count(k));
  EXPECT_LE(repeated, 3);
  expect_same_rows(rows(dir / "mpi" / "campaign.db"), ref.db);
  EXPECT_EQ(entries(dir / "mpi" / "dispatch.json"), ref.table);
  fs::remove_all(dir);
}

TEST(Mpi, ARankThatAnswersGarbageIsRefusedAndASlowRanksRequestReissued) {
  REQUIRE_MPIRUN();
  const fs::path dir = fresh_dir("garbage"), w = workload(dir);
  const auto res = run("ATTNLAB_SIM_GARBAGE=1:malformed ATTNLAB_SIM_SLOW=2:4 ATTNLAB_SIM_LOG=" + (dir / "mpi.log").string(),
                       3, campaign_args(w, dir / "mpi") + " --mpi-reissue-after 1.5");
  ASSERT_EQ(res.exit_code, 0) << res.output;
  EXPECT_NE(res.output.find("mpi: rank 1 (GPU-sim-rank1) answered request"), std::string::npos) << res.output;
  EXPECT_NE(res.output.find("refused"), std::string::npos);
  EXPECT_NE(res.output.find("re-issued to another rank"), std::string::npos) << res.output;
  EXPECT_NE(res.output.find("late answer of rank 2"), std::string::npos) << res.output;
  const auto db = rows(dir / "mpi" / "campaign.db");
  int failed = 0;
  for (auto& [k, r] : db)
    if (!r.ok) {
      ++failed;
      EXPECT_NE(r.error.find("rank 1 (GPU-sim-rank1) answered something malformed"), std::string::npos) << r.error;
    }
  EXPECT_EQ(failed, 1) << "the garbage answer is one failed evaluation; the rank gets nothing more";
  const Log log = read_log(dir / "mpi.log");
  EXPECT_EQ(log.per_rank.count(1) ? log.per_rank.at(1) : 0, 1);
  // Every logged evaluation is a stored row, the garbage one (logged by rank 1, stored as failed), or a late answer.
  size_t late = 0;
  for (size_t at = 0; (at = res.output.find("mpi: late answer of", at)) != std::string::npos; ++at) ++late;
  EXPECT_GE(late, 1u);
  EXPECT_EQ(log.evaluated.size(), db.size() + late) << res.output;
  fs::remove_all(dir);
}

TEST(Mpi, ATuneOverThreeRanksEqualsOneProcessAndBadUseIsAOneLineError) {
  REQUIRE_MPIRUN();
  const fs::path dir = fresh_dir("tune");
  auto args = [&](const std::string& name, const std::string& strategy = "random") {
    return "tune --simulate landscape --family sm90 --strategy " + strategy + " --budget 30 --population 10 --shape 2,16,4096,128 "
           "--db " + (dir / (name + ".db")).string() + " --out-dir " + (dir / name).string();
  };
  fs::create_directories(dir / "one");
  fs::create_directories(dir / "mpi");
  const auto one = run("", 0, args("one"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto mpi = run("", 3, args("mpi"));
  ASSERT_EQ(mpi.exit_code, 0) << mpi.output;
  expect_same_rows(rows(dir / "mpi.db"), rows(dir / "one.db"));
  EXPECT_EQ(rows(dir / "one.db").size(), 30u);
  for (const std::string& bad : std::vector<std::string>{args("one") + " --replay " + (dir / "one.db").string(),
                                                          args("one", "proposer") + " --proposer true"}) {
    const auto r = run("", 0, bad + " --mpi");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--mpi"), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
  fs::remove_all(dir);
}

TEST(Mpi, WithoutMpiOrItsPluginTheFlagIsAOneLineErrorBeforeAnyWork) {
  // A copy of the binary with no plugin beside it (or a build without MPI): --mpi cannot work, and says so.
  const fs::path dir = fresh_dir("noplugin");
  fs::copy_file(test::cli_binary(), dir / "attnlab");
  const std::string cmd = (dir / "attnlab").string() + " tune --simulate landscape --family sm90 --strategy random " +
                          "--budget 4 --db " + (dir / "t.db").string() + " --out-dir " + dir.string() + " --mpi 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << out;
  EXPECT_EQ(out.rfind("attnlab: error: --mpi: ", 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_FALSE(fs::exists(dir / "t.db")) << "no work before the error";
  fs::remove_all(dir);
}
