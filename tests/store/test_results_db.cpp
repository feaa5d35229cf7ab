// The SQLite results store: round trip, keys, migration from a hand-made v1 file, checkpoints, sharing
// one file between connections, and the cache in front of an evaluator.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

#include "core/error.hpp"
#include "search/cached_evaluator.hpp"
#include "store/results_db.hpp"

namespace attnlab {
namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "attnlab-db-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

EvalContext ctx() { return {"sm_90a", "GPU-1234", "580.65.06", "B4 H16/16 Sq4096 Sk4096 d128", "bf16", "abc123"}; }

Evaluation sample(const std::string& config, double tflops) {
  Evaluation e;
  e.config = TileConfig::parse(config);
  e.compiled = true;
  e.registers = 168;
  e.spill_bytes = 0;
  e.smem_bytes = 98304;
  e.correct = tflops > 0;
  e.max_error = 0.0009765625;
  e.median_us = 1234.5678901234567;
  e.tflops = tflops;
  e.speedup_vs_cudnn = 0.87654321;
  e.error = tflops > 0 ? "" : "gate: max error 0.5 > 0.02";
  return e;
}

void expect_same(const Evaluation& a, const Evaluation& b) {
  EXPECT_EQ(a.config, b.config);
  EXPECT_EQ(a.compiled, b.compiled);
  EXPECT_EQ(a.registers, b.registers);
  EXPECT_EQ(a.spill_bytes, b.spill_bytes);
  EXPECT_EQ(a.smem_bytes, b.smem_bytes);
  EXPECT_EQ(a.correct, b.correct);
  EXPECT_EQ(a.max_error, b.max_error);
  EXPECT_EQ(a.median_us, b.median_us);
  EXPECT_EQ(a.tflops, b.tflops);
  EXPECT_EQ(a.speedup_vs_cudnn, b.speedup_vs_cudnn);
  EXPECT_EQ(a.error, b.error);
}

void raw_exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &msg), SQLITE_OK) << (msg ? msg : "");
}

TEST(ResultsDb, CreatesTheLatestSchema) {
  TempDir dir;
  auto db = ResultsDb::open(dir.file("sub/dir/results.db"));  // parent folders are created
  EXPECT_EQ(db.schema_version(), ResultsDb::kLatestVersion);
  EXPECT_EQ(ResultsDb::open(dir.file("sub/dir/results.db")).schema_version(), ResultsDb::kLatestVersion);  // reopen: no-op
  EXPECT_EQ(ResultsDb::open(":memory:").schema_version(), ResultsDb::kLatestVersion);
}

TEST(ResultsDb, RoundTripAndKeys) {
  auto db = ResultsDb::open(":memory:");
  const auto c = ctx();
  const auto e = sample("m128n64w4s2-swz-qsm", 412.25);
  EXPECT_FALSE(db.find(c, e.config).has_value());
  db.put(c, e, R"({"samples":[1,2,3]})");
  auto got = db.find(c, e.config);
  ASSERT_TRUE(got.has_value());
  expect_same(*got, e);
  EXPECT_EQ(got->source_hash, "abc123");
  // Every context field is part of the key.
  for (auto field : {&EvalContext::arch, &EvalContext::gpu_uuid, &EvalContext::driver, &EvalContext::shape,
                     &EvalContext::dtype, &EvalContext::source_hash}) {
    auto other = c;
    other.*field += "x";
    EXPECT_FALSE(db.find(other, e.config).has_value());
  }
  // put() of an existing key replaces it.
  auto e2 = sample("m128n64w4s2-swz-qsm", 0);
  db.put(c, e2);
  expect_same(*db.find(c, e.config), e2);
  db.put(c, sample("m64n64w4s2-swz-qsm", 300));
  auto gpu2 = c;
  gpu2.gpu_uuid = "GPU-9999";
  db.put(gpu2, sample("m64n64w4s2-swz-qsm", 310));
  EXPECT_EQ(db.all(c).size(), 2u);
  EXPECT_EQ(db.all(EvalContext{}).size(), 3u);  // empty fields match anything
  auto any_gpu = c;
  any_gpu.gpu_uuid.clear();
  EXPECT_EQ(db.all(any_gpu).size(), 3u);
  // A proposer source has its own hash: the evaluation's hash keys it.
  auto src = sample("m64n32w4s2-swz-qsm", 200);
  src.source_hash = "def456";
  db.put(c, src);
  EXPECT_FALSE(db.find(c, src.config).has_value());
  auto c2 = c;
  c2.source_hash = "def456";
  EXPECT_TRUE(db.find(c2, src.config).has_value());
}

TEST(ResultsDb, ProfileMetricsAndCheckpoints) {
  auto db = ResultsDb::open(":memory:");
  const auto e = sample("m128n64w4s2-swz-qsm", 400);
  db.put(ctx(), e);
  EXPECT_FALSE(db.profile_metrics(ctx(), e.config).has_value());
  db.set_profile_metrics(ctx(), e.config, {{"sm__throughput", 87.5}});
  EXPECT_EQ((*db.profile_metrics(ctx(), e.config))["sm__throughput"], 87.5);
  EXPECT_THROW(db.set_profile_metrics(ctx(), TileConfig::parse("m64n32w4s2-swz-qsm"), {}), UserError);

  EXPECT_FALSE(db.load_checkpoint("run1").has_value());
  db.save_checkpoint("run1", {{"generation", 1}});
  db.save_checkpoint("run1", {{"generation", 2}});
  db.save_checkpoint("run2", {{"generation", 7}});
  EXPECT_EQ((*db.load_checkpoint("run1"))["generation"], 2);
  EXPECT_EQ((*db.load_checkpoint("run2"))["generation"], 7);
}

TEST(ResultsDb, ProfilesOfAnyBackend) {
  auto db = ResultsDb::open(":memory:");
  ProfileRecord r{"cudnn", "cuDNN 9.19", "cudnn_generated_fort_native_sdpa", "brief", {{"gpu__time_duration.sum", 818528.0}},
                  {{"kind", "tensor-pipe-bound"}}};
  db.put_profile(ctx(), r);
  r.metrics["gpu__time_duration.sum"] = 820000.0;
  db.put_profile(ctx(), r);  // same key: replaced
  db.put_profile(ctx(), {"custom", "m128n64w4s2-swz-qsm", "attnlab_flash_fwd", "full", {}, {}});
  auto all = db.profiles(EvalContext{});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].metrics["gpu__time_duration.sum"], 820000.0);
  EXPECT_EQ(all[0].verdict["kind"], "tensor-pipe-bound");
  EXPECT_EQ(all[1].config, "m128n64w4s2-swz-qsm");
  auto other = ctx();
  other.gpu_uuid = "GPU-other";
  EXPECT_TRUE(db.profiles(other).empty());
  AttnProblem p = AttnProblem::make(4, 16, 16, 4096, 4096, 128, DType::bf16, true);
  EXPECT_EQ(shape_key(p), "B4 H16/16 Sq4096 Sk4096 d128 causal");
}

// A version-1 file as the first release wrote it, made with raw SQL: opening it is refused until the
// explicit migration (which backs it up first) has run; the migration keeps its rows.
TEST(ResultsDb, MigratesAVersion1File) {
  TempDir dir;
  const auto path = dir.file("v1.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    raw_exec(raw, R"sql(
      CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')));
      INSERT INTO schema_version(version) VALUES (1);
      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        arch TEXT NOT NULL, gpu_uuid TEXT NOT NULL, driver TEXT NOT NULL,
        shape TEXT NOT NULL, dtype TEXT NOT NULL, source_hash TEXT NOT NULL, config TEXT NOT NULL,
        compiled INTEGER NOT NULL, registers INTEGER NOT NULL, spill_bytes INTEGER NOT NULL,
        smem_bytes INTEGER NOT NULL, correct INTEGER NOT NULL, max_error REAL NOT NULL,
        median_us REAL NOT NULL, tflops REAL NOT NULL, speedup_vs_cudnn REAL NOT NULL,
        error TEXT NOT NULL, timing_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL DEFAULT (datetime('now')),
        UNIQUE (arch, gpu_uuid, driver, shape, dtype, source_hash, config));
      CREATE TABLE tuner_checkpoints (run_id TEXT PRIMARY KEY, state TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (datetime('now')));
      INSERT INTO evaluations (arch, gpu_uuid, driver, shape, dtype, source_hash, config, compiled, registers,
        spill_bytes, smem_bytes, correct, max_error, median_us, tflops, speedup_vs_cudnn, error)
      VALUES ('sm_90a', 'GPU-1234', '580.65.06', 'B4 H16/16 Sq4096 Sk4096 d128', 'bf16', 'abc123',
              'm128n64w4s2-swz-qsm', 1, 168, 0, 98304, 1, 0.0009765625, 1000.5, 399.5, 0.9, '');
      INSERT INTO tuner_checkpoints (run_id, state) VALUES ('old-run', '{"generation":5}');
    )sql");
    sqlite3_close(raw);
  }
  EXPECT_THROW(ResultsDb::open(path), UserError);
  EXPECT_EQ(ResultsDb::migrate_file(path), 1);
  EXPECT_TRUE(std::filesystem::exists(path + ".bak"));
  auto db = ResultsDb::open(path);
  EXPECT_EQ(db.schema_version(), ResultsDb::kLatestVersion);
  auto old = db.find(ctx(), TileConfig::parse("m128n64w4s2-swz-qsm"));
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->tflops, 399.5);
  EXPECT_EQ(old->registers, 168);
  EXPECT_EQ((*db.load_checkpoint("old-run"))["generation"], 5);
  // The v2 column exists and works on the old row.
  EXPECT_FALSE(db.profile_metrics(ctx(), old->config).has_value());
  db.set_profile_metrics(ctx(), old->config, {{"dram__bytes", 1}});
  EXPECT_TRUE(db.profile_metrics(ctx(), old->config).has_value());
  // Every migration step is recorded.
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db.handle(), "SELECT COUNT(*) FROM schema_version", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(s, 0), ResultsDb::kLatestVersion);
  sqlite3_finalize(s);
}

TEST(ResultsDb, RejectsWhatItCannotRead) {
  TempDir dir;
  {
    auto db = ResultsDb::open(dir.file("new.db"));
    raw_exec(db.handle(), "INSERT INTO schema_version(version) VALUES (99)");
  }
  EXPECT_THROW(ResultsDb::open(dir.file("new.db")), UserError);
  std::ofstream(dir.file("junk.db")) << "this is not an SQLite file, just some text that is long enough........";
  EXPECT_THROW(ResultsDb::open(dir.file("junk.db")), UserError);
  EXPECT_THROW(ResultsDb::open("/proc/attnlab-no/such.db"), UserError);
}

// Two connections (as two processes would have) write to one WAL file; each sees the other's rows.
TEST(ResultsDb, TwoConnectionsShareOneFile) {
  TempDir dir;
  auto a = ResultsDb::open(dir.file("shared.db"));
  auto b = ResultsDb::open(dir.file("shared.db"));
  for (int i = 0; i < 20; ++i) {
    a.put(ctx(), sample(i % 2 ? "m64n64w4s2-swz-qsm" : "m64n32w4s2-swz-qsm", 100 + i));
    b.put(ctx(), sample(i % 2 ? "m128n64w4s2-swz-qsm" : "m128n32w4s2-swz-qsm", 200 + i));
  }
  EXPECT_EQ(a.all(ctx()).size(), 4u);
  EXPECT_EQ(b.find(ctx(), TileConfig::parse("m64n64w4s2-swz-qsm"))->tflops, 119);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(a.handle(), "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
}

// Two processes writing to one file at the same time: the busy timeout makes them take turns.
TEST(ResultsDb, TwoProcessesWriteConcurrently) {
  TempDir dir;
  const auto path = dir.file("two.db");
  ResultsDb::open(path);  // create and migrate first: both writers then only insert
  auto write_rows = [&](const std::string& who) {
    auto db = ResultsDb::open(path);
    for (int i = 0; i < 40; ++i) {
      auto c = ctx();
      c.gpu_uuid = who + "-" + std::to_string(i);
      db.put(c, sample("m64n64w4s2-swz-qsm", 100 + i));
    }
  };
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // child: no gtest assertions, just an exit status
    int rc = 0;
    try {
      write_rows("child");
    } catch (...) {
      rc = 1;
    }
    _exit(rc);
  }
  write_rows("parent");
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(ResultsDb::open(path).all(EvalContext{}).size(), 80u);
}

struct CountingEvaluator : Evaluator {
  int evaluated = 0;
  std::vector<Evaluation> evaluate(const std::vector<TileConfig>& configs) override {
    std::vector<Evaluation> out;
    for (auto& c : configs) out.push_back(sample(c.name(), 100 + ++evaluated));
    return out;
  }
};

TEST(ResultsDb, CachedEvaluatorNeverRepeatsAStoredEvaluation) {
  auto db = ResultsDb::open(":memory:");
  CountingEvaluator inner;
  const std::vector<TileConfig> batch = {TileConfig::parse("m64n64w4s2-swz-qsm"), TileConfig::parse("m128n64w4s2-swz-qsm")};
  CachedEvaluator cached(inner, db, ctx());
  auto first = cached.evaluate(batch);
  auto more = batch;
  more.push_back(TileConfig::parse("m64n32w4s2-swz-qsm"));
  auto second = cached.evaluate(more);
  EXPECT_EQ(inner.evaluated, 3);  // only the new one
  EXPECT_EQ(cached.hits(), 2);
  expect_same(second[0], first[0]);
  expect_same(second[1], first[1]);
  EXPECT_EQ(second[2].config.name(), "m64n32w4s2-swz-qsm");
  CachedEvaluator fresh(inner, db, ctx(), /*fresh=*/true);
  auto third = fresh.evaluate(batch);
  EXPECT_EQ(inner.evaluated, 5);
  EXPECT_EQ(db.find(ctx(), batch[0])->tflops, third[0].tflops);  // overwritten
}

}  // namespace
}  // namespace attnlab
