// Issue 9, item 2: reading a results database never changes it (read-only SQLite, no WAL switch, no
// migration, no -wal/-shm); foreign, empty and older files are refused; `attnlab db migrate` backs up.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "store/results_db.hpp"
#include "hostile_helpers.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace attnlab {
namespace {

using test::npy_bytes;
using test::slurp;
using test::snapshot;
using test::TempDir;
using test::user_error_of;

// ---------------------------------------------------------------- 2. read-only commands never write
void make_v1(const std::string& path) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT);"
                         "INSERT INTO schema_version(version) VALUES (1);"
                         "CREATE TABLE evaluations (id INTEGER PRIMARY KEY, arch TEXT NOT NULL, gpu_uuid TEXT NOT NULL,"
                         " driver TEXT NOT NULL, shape TEXT NOT NULL, dtype TEXT NOT NULL, source_hash TEXT NOT NULL,"
                         " config TEXT NOT NULL, compiled INTEGER NOT NULL, registers INTEGER NOT NULL,"
                         " spill_bytes INTEGER NOT NULL, smem_bytes INTEGER NOT NULL, correct INTEGER NOT NULL,"
                         " max_error REAL NOT NULL, median_us REAL NOT NULL, tflops REAL NOT NULL,"
                         " speedup_vs_cudnn REAL NOT NULL, error TEXT NOT NULL, timing_json TEXT NOT NULL DEFAULT '{}',"
                         " created_at TEXT NOT NULL DEFAULT (datetime('now')),"
                         " UNIQUE (arch, gpu_uuid, driver, shape, dtype, source_hash, config));"
                         "CREATE TABLE tuner_checkpoints (run_id TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at TEXT);"
                         "INSERT INTO evaluations (arch, gpu_uuid, driver, shape, dtype, source_hash, config, compiled,"
                         " registers, spill_bytes, smem_bytes, correct, max_error, median_us, tflops, speedup_vs_cudnn, error)"
                         " VALUES ('sm_90a', 'G', 'D', 'S', 'bf16', 'h', 'm128n64w4s2-swz-qsm', 1, 168, 0, 98304, 1, 0.001,"
                         " 1000.5, 399.5, 0.9, '');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
}

TEST(HostileDb, ReadOnlyOpenRefusesForeignEmptyAndOldFilesWithoutWriting) {
  TempDir dir;
  const auto foreign = dir.file("foreign.db"), empty = dir.file("empty.db"), v1 = dir.file("v1.db"),
             text = dir.file("text.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(foreign.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE photos (id INTEGER, path TEXT)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  std::ofstream(empty).close();
  std::ofstream(text) << "just some text, definitely not an SQLite database file..........................";
  make_v1(v1);
  for (auto& f : {foreign, empty, v1, text}) ::chmod(f.c_str(), 0444);
  const auto before = snapshot(dir.path);
  EXPECT_NE(user_error_of([&] { ResultsDb::open_readonly(foreign); }).find("not an attnlab results database"), std::string::npos);
  EXPECT_NE(user_error_of([&] { ResultsDb::open_readonly(empty); }).find("not an attnlab results database (empty file)"),
            std::string::npos);
  EXPECT_NE(user_error_of([&] { ResultsDb::open_readonly(text); }).find("not an attnlab results database"), std::string::npos);
  const std::string old = user_error_of([&] { ResultsDb::open_readonly(v1); });
  EXPECT_NE(old.find("schema version 1 is older than this attnlab's " + std::to_string(ResultsDb::kLatestVersion) + ": run `attnlab db migrate " + v1 + "` (makes " + v1 +
                     ".bak first)"),
            std::string::npos)
      << old;
  // The writer (attnlab tune) refuses them too instead of adding tables or migrating.
  EXPECT_NE(user_error_of([&] { ResultsDb::open(foreign); }).find("not an attnlab results database"), std::string::npos);
  EXPECT_NE(user_error_of([&] { ResultsDb::open(v1); }).find("attnlab db migrate"), std::string::npos);
  EXPECT_EQ(snapshot(dir.path), before);  // same files (no -wal, -shm, journal), same bytes
}

TEST(HostileDb, ReadOnlyOpenReadsAReadOnlyDatabaseAndLeavesNoTrace) {
  TempDir dir;
  const auto path = dir.file("results.db");
  {
    auto db = ResultsDb::open(path);
    db.save_checkpoint("run", {{"generation", 3}});
  }
  ::chmod(path.c_str(), 0444);
  const auto before = snapshot(dir.path);
  ASSERT_EQ(before.size(), 1u);  // the writer checkpointed and removed its -wal/-shm on close
  {
    auto db = ResultsDb::open_readonly(path);
    EXPECT_EQ(db.schema_version(), ResultsDb::kLatestVersion);
    EXPECT_EQ((*db.load_checkpoint("run"))["generation"], 3);
    EXPECT_TRUE(db.all(EvalContext{}).empty());
    EXPECT_THROW(db.save_checkpoint("x", {}), std::exception);  // the handle cannot write
  }
  EXPECT_EQ(snapshot(dir.path), before);
  // The same through the CLI (replay and export), which used to open read-write and switch to WAL.
  auto r = test::run_cli("tune --replay " + path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = test::run_cli("tune --db " + path + " --export nope --out-dir " + dir.file("out"));
  EXPECT_NE(r.output.find("no checkpoint named 'nope'"), std::string::npos) << r.output;
  EXPECT_EQ(snapshot(dir.path), before);
}

TEST(HostileDb, ReplayOfARecordedDatabaseChangesNoByte) {
  TempDir dir;
  const fs::path recorded = fs::path(ATTNLAB_SOURCE_DIR) / "evidence/h100/tune/exhaustive.db";
  if (!fs::exists(recorded)) GTEST_SKIP() << recorded << " not in this checkout";
  fs::copy_file(recorded, dir.path / "exhaustive.db");
  ::chmod(dir.file("exhaustive.db").c_str(), 0444);
  const auto before = snapshot(dir.path);
  auto r = test::run_cli("tune --replay " + dir.file("exhaustive.db") + " --replay-seeds 2 --budget 16");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("184 records"), std::string::npos) << r.output;
  EXPECT_EQ(snapshot(dir.path), before);
}

TEST(HostileDb, CliReplayOfForeignEmptyAndOldFilesChangesNothing) {
  TempDir dir;
  std::ofstream(dir.file("empty.db")).close();
  make_v1(dir.file("v1.db"));
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(dir.file("foreign.db").c_str(), &raw), SQLITE_OK);
    sqlite3_exec(raw, "CREATE TABLE t (x)", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
  }
  const auto before = snapshot(dir.path);
  for (std::string f : {"empty.db", "v1.db", "foreign.db"}) {
    for (std::string cmd : {"tune --replay " + dir.file(f), "tune --export run --db " + dir.file(f)}) {
      auto r = test::run_cli(cmd);
      EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.output;
      EXPECT_TRUE(r.output.find("not an attnlab results database") != std::string::npos ||
                  r.output.find("attnlab db migrate") != std::string::npos)
          << cmd << "\n" << r.output;
    }
  }
  EXPECT_EQ(snapshot(dir.path), before);
}

TEST(HostileDb, MigrateIsExplicitAndBacksUpFirst) {
  TempDir dir;
  const auto v1 = dir.file("v1.db");
  make_v1(v1);
  const std::string original = slurp(v1);
  auto r = test::run_cli("db migrate " + v1);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("migrated from schema version 1 to " + std::to_string(ResultsDb::kLatestVersion)), std::string::npos)
      << r.output;
  EXPECT_EQ(slurp(v1 + ".bak"), original);  // the backup is the old file, byte for byte
  EXPECT_EQ(ResultsDb::open_readonly(v1).schema_version(), ResultsDb::kLatestVersion);
  r = test::run_cli("db migrate " + v1);  // now current: nothing to do, no second backup needed
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("nothing changed"), std::string::npos) << r.output;
  make_v1(dir.file("again.db"));
  std::ofstream(dir.file("again.db.bak")) << "an older backup";
  r = test::run_cli("db migrate " + dir.file("again.db"));  // never overwrites a backup
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(slurp(dir.file("again.db.bak")), "an older backup");
}

}  // namespace
}  // namespace attnlab
