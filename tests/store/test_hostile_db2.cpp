// Hostile input, round 2 (issue 18), rows 5, 15, 16, 23 and 24: the results database. Reading never trusts
// a file that a writer is changing, never creates a -shm; `db migrate` backs up through a temporary file
// (and SQLite's backup API when a -wal holds pages), and every failure names the file and the cause.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "hostile_helpers.hpp"
#include "store/results_db.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace attnlab {
namespace {

using test::slurp;
using test::snapshot;
using test::TempDir;
using test::user_error_of;

void sql(sqlite3* db, const std::string& text) {
  char* msg = nullptr;
  ASSERT_EQ(sqlite3_exec(db, text.c_str(), nullptr, nullptr, &msg), SQLITE_OK) << (msg ? msg : "") << "\n" << text;
}

const char* kRow =
    "INSERT INTO evaluations (arch, gpu_uuid, driver, shape, dtype, source_hash, config, compiled, registers, spill_bytes,"
    " smem_bytes, correct, max_error, median_us, tflops, speedup_vs_cudnn, error) VALUES ('sm_90a', 'G', 'D',"
    " 'B4 H16/16 Sq4096 Sk4096 d128', 'bf16', 'h', '%s', 1, 168, 0, 98304, 1, 0.001, 1000, %s, 0.9, '');";

std::string row(const std::string& config, const std::string& tflops) {
  char buf[1024];
  std::snprintf(buf, sizeof buf, kRow, config.c_str(), tflops.c_str());
  return buf;
}

// A current-version database in the rollback-journal format (what another tool, or an older attnlab, may
// have), with one committed row.
void make_rollback_db(const std::string& path) {
  ResultsDb::open(path);  // schema, in WAL format
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  sql(raw, "PRAGMA journal_mode=DELETE");
  sql(raw, row("m128n64w4s2-swz-qsm", "300"));
  sqlite3_close(raw);
}

// Runs `body` in a child process that then dies without closing anything (a writer killed mid-write).
template <class F>
void in_a_child_that_crashes(F body) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    body();
    _exit(0);  // no sqlite3_close: the -journal / -wal stays as a crash leaves it
  }
  int status = 0;
  waitpid(pid, &status, 0);
}
}  // namespace

// Row 5: a writer's uncommitted transaction that spilled into the file, left by a crash with its hot
// journal: replay used to read it immutable and print the uncommitted values.
TEST(HostileDb2, ReplayRefusesAFileThatIsBeingWritten) {
  TempDir dir;
  const std::string db = dir.file("r.db");
  make_rollback_db(db);
  in_a_child_that_crashes([&] {
    sqlite3* raw = nullptr;
    sqlite3_open(db.c_str(), &raw);
    sqlite3_exec(raw, "PRAGMA cache_size=1; BEGIN", nullptr, nullptr, nullptr);
    for (int i = 0; i < 400; ++i)  // enough pages to spill the cache into the file before COMMIT
      sqlite3_exec(raw, row("m64n64w4s" + std::to_string(i) + "-swz-qsm", "999").c_str(), nullptr, nullptr, nullptr);
  });
  ASSERT_TRUE(fs::exists(db + "-journal"));
  const auto before = snapshot(dir.path);
  const auto r = test::run_cli("tune --replay " + db + " --budget 4 --replay-seeds 1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(db + ": the file is being written by another process"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("999"), std::string::npos) << r.output;
  EXPECT_EQ(snapshot(dir.path), before);
}

// Row 24: a WAL file copied with its -wal but without its -shm is read from a private copy: nothing is
// created next to it, and what the -wal holds is read.
TEST(HostileDb2, ReadOnlyOpenNeverCreatesAShm) {
  TempDir dir;
  const std::string db = dir.file("w.db");
  ResultsDb::open(db);
  in_a_child_that_crashes([&] {
    sqlite3* raw = nullptr;
    sqlite3_open(db.c_str(), &raw);
    sqlite3_exec(raw, "PRAGMA wal_autocheckpoint=0", nullptr, nullptr, nullptr);
    sqlite3_exec(raw, row("m128n64w4s2-swz-qsm", "300").c_str(), nullptr, nullptr, nullptr);
  });
  ASSERT_GT(fs::file_size(db + "-wal"), 0u);
  fs::remove(db + "-shm");
  const auto before = snapshot(dir.path);
  {
    auto r = ResultsDb::open_readonly(db);
    EXPECT_EQ(r.all(EvalContext{}).size(), 1u);  // the row in the -wal
  }
  EXPECT_EQ(snapshot(dir.path), before);  // no -shm, nothing changed
}

// Row 16: `db migrate` of a file whose -wal holds committed pages: "Input/output error" before.
TEST(HostileDb2, MigrateWorksWithANonEmptyWal) {
  TempDir dir;
  const std::string db = dir.file("v2.db");
  in_a_child_that_crashes([&] {
    sqlite3* raw = nullptr;
    sqlite3_open(db.c_str(), &raw);
    sqlite3_exec(raw,
                 "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                 "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT);"
                 "INSERT INTO schema_version(version) VALUES (1), (2);"
                 "CREATE TABLE evaluations (id INTEGER PRIMARY KEY, arch TEXT NOT NULL, gpu_uuid TEXT NOT NULL,"
                 " driver TEXT NOT NULL, shape TEXT NOT NULL, dtype TEXT NOT NULL, source_hash TEXT NOT NULL,"
                 " config TEXT NOT NULL, compiled INTEGER NOT NULL, registers INTEGER NOT NULL,"
                 " spill_bytes INTEGER NOT NULL, smem_bytes INTEGER NOT NULL, correct INTEGER NOT NULL,"
                 " max_error REAL NOT NULL, median_us REAL NOT NULL, tflops REAL NOT NULL,"
                 " speedup_vs_cudnn REAL NOT NULL, error TEXT NOT NULL, timing_json TEXT NOT NULL DEFAULT '{}',"
                 " created_at TEXT NOT NULL DEFAULT (datetime('now')), profile_metrics TEXT,"
                 " UNIQUE (arch, gpu_uuid, driver, shape, dtype, source_hash, config));"
                 "CREATE TABLE tuner_checkpoints (run_id TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at TEXT);",
                 nullptr, nullptr, nullptr);
    sqlite3_exec(raw, row("m128n64w4s2-swz-qsm", "300").c_str(), nullptr, nullptr, nullptr);
  });
  ASSERT_GT(fs::file_size(db + "-wal"), 0u);
  const auto r = test::run_cli("db migrate " + db);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("migrated from schema version 2"), std::string::npos) << r.output;
  EXPECT_EQ(ResultsDb::open_readonly(db).schema_version(), ResultsDb::kLatestVersion);
  EXPECT_EQ(ResultsDb::open_readonly(db + ".bak").schema_version(), 2);  // the backup holds the -wal's pages too
  EXPECT_EQ(ResultsDb::open_readonly(db + ".bak").all(EvalContext{}).size(), 1u);
}

// Row 15: `db migrate` killed while it writes the backup (here by the file-size limit, SIGXFSZ) leaves no
// truncated file under the backup's name.
TEST(HostileDb2, AMigrateKilledDuringTheBackupLeavesNoTruncatedBak) {
  TempDir dir;
  const std::string db = dir.file("v2.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    sql(raw, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT);"
             "INSERT INTO schema_version(version) VALUES (1), (2);"
             "CREATE TABLE evaluations (id INTEGER PRIMARY KEY, blob TEXT);"
             "CREATE TABLE tuner_checkpoints (run_id TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at TEXT);"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
             " INSERT INTO evaluations (blob) SELECT printf('%.2000c', 'x') FROM n;");
    sqlite3_close(raw);
  }
  const auto size = fs::file_size(db);
  ASSERT_GT(size, 4u << 20);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const rlim_t limit = size / 2;
    rlimit rl{limit, limit};
    setrlimit(RLIMIT_FSIZE, &rl);
    const std::string bin = test::cli_binary();
    execl(bin.c_str(), bin.c_str(), "db", "migrate", db.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the size limit did not stop the backup";
  if (fs::exists(db + ".bak")) EXPECT_EQ(fs::file_size(db + ".bak"), size) << "a truncated backup under the final name";
}

// Row 23: what went wrong, in words, with the file's name.
TEST(HostileDb2, MessagesNameTheFileAndTheCause) {
  TempDir dir;
  // A damaged page where the schema version is stored reads as a garbage version: corrupt, not "newer".
  const std::string bad = dir.file("bad.db");
  ResultsDb::open(bad);
  int root = 0, page_size = 0;
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(bad.c_str(), &raw), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(raw, "SELECT rootpage FROM sqlite_master WHERE name='schema_version'", -1, &s, nullptr);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    root = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_prepare_v2(raw, "PRAGMA page_size", -1, &s, nullptr);
    sqlite3_step(s);
    page_size = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(raw);
  }
  {
    std::fstream f(bad, std::ios::in | std::ios::out | std::ios::binary);
    std::string page(size_t(page_size), '\0');
    f.seekg(std::streamoff(root - 1) * page_size);
    f.read(page.data(), page_size);
    // The last cell's rowid (= the version) made a large varint, and the cell count doubled: a damaged
    // page whose largest rowid is 73007923.
    const int cells = (static_cast<unsigned char>(page[3]) << 8) | static_cast<unsigned char>(page[4]);
    const int last = (static_cast<unsigned char>(page[8 + 2 * (cells - 1)]) << 8) | static_cast<unsigned char>(page[9 + 2 * (cells - 1)]);
    page[size_t(last) + 1] = char(0x80 | 0x22), page[size_t(last) + 2] = char(0x80 | 0x5a);
    page[size_t(last) + 3] = char(0x80 | 0x74), page[size_t(last) + 4] = char(0x33);
    f.seekp(std::streamoff(root - 1) * page_size);
    f.write(page.data(), page_size);
  }
  const std::string corrupt = user_error_of([&] { ResultsDb::open_readonly(bad); });
  EXPECT_NE(corrupt.find(bad + ": the file is corrupt"), std::string::npos) << corrupt;
  EXPECT_EQ(corrupt.find("is newer"), std::string::npos) << corrupt;

  // Row 24: a tflops stored as text or as Inf is refused with the row's config, not read as 0 or ranked.
  const std::string odd = dir.file("odd.db");
  ResultsDb::open(odd);
  for (const char* value : {"'fast'", "9e999"}) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(odd.c_str(), &raw), SQLITE_OK);
    sql(raw, "DELETE FROM evaluations; " + row("m128n64w4s2-swz-qsm", value));
    sqlite3_close(raw);
    const std::string why = user_error_of([&] { ResultsDb::open_readonly(odd).all(EvalContext{}); });
    EXPECT_NE(why.find(odd + ": results database row with config 'm128n64w4s2-swz-qsm': tflops"), std::string::npos) << why;
    EXPECT_NE(why.find("is not a finite number"), std::string::npos) << why;
  }
}

// Row 23: a lock held by another process is said as such, with the file's name; it was "not an attnlab
// results database (database is locked)" (and "sqlite: database is locked" once the schema was read).
// Waits out the 15 s busy timeout.
TEST(HostileDb2, ALockedFileIsNamedWithTheCause) {
  TempDir dir;
  const std::string db = dir.file("v1.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    sql(raw, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT);"
             "INSERT INTO schema_version(version) VALUES (1);"
             "CREATE TABLE evaluations (id INTEGER PRIMARY KEY);");
    sqlite3_close(raw);
  }
  int ready[2], done[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(done), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // holds the write lock until the parent is done
    sqlite3* raw = nullptr;
    sqlite3_open(db.c_str(), &raw);
    sqlite3_exec(raw, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr);
    (void)!write(ready[1], "x", 1);
    char c;
    (void)!read(done[0], &c, 1);
    _exit(0);
  }
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  const auto r = test::run_cli("db migrate " + db);
  (void)!write(done[1], "x", 1);
  waitpid(pid, nullptr, 0);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(db + ": cannot read it: the file is being written by another process"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("not an attnlab results database"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(db + ".bak"));
}

}  // namespace attnlab
