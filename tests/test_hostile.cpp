// Issue 9, library side: what a careless or hostile input does to the npy reader, the results database,
// the kernel cache, the problem checks and source candidates. Each test failed before its fix.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "backends/custom/flash_kernel.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "core/problem.hpp"
#include "io/npy.hpp"
#include "runtime/device_buffer.hpp"
#include "runtime/include_policy.hpp"
#include "runtime/kernel_cache.hpp"
#include "runtime/nvrtc_compiler.hpp"
#include "search/microbench.hpp"
#include "search/proposer.hpp"
#include "search/source_candidate.hpp"
#include "store/results_db.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace attnlab {
namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "attnlab-hostile-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Every file of a folder with its bytes: "nothing was written" means this map did not change.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> m;
  for (auto& e : fs::directory_iterator(dir)) m[e.path().filename().string()] = slurp(e.path().string());
  return m;
}

// A .npy header (version 1.0) declaring `shape` of <f2, followed by `data_bytes` zero bytes.
std::string npy_bytes(const std::string& shape, size_t data_bytes) {
  std::string dict = "{'descr': '<f2', 'fortran_order': False, 'shape': " + shape + ", }";
  dict += std::string((64 - (10 + dict.size() + 1) % 64) % 64, ' ') + '\n';
  std::string s = std::string("\x93NUMPY\x01\x00", 8) + char(dict.size() & 0xff) + char(dict.size() >> 8) + dict;
  return s + std::string(data_bytes, '\0');
}

template <class F>
std::string user_error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("NOT A UserError: ") + e.what();
  }
  return "NO ERROR";
}

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
  EXPECT_NE(old.find("schema version 1 is older than this attnlab's 2: run `attnlab db migrate " + v1 + "` (makes " + v1 +
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
  const fs::path recorded = fs::path(__FILE__).parent_path().parent_path() / "evidence/h100/tune/exhaustive.db";
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
  EXPECT_NE(r.output.find("migrated from schema version 1 to 2"), std::string::npos) << r.output;
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

// ---------------------------------------------------------------- 3. sizes before narrowing
TEST(HostileSizes, GridLimitsAndNarrowing) {
  auto p = AttnProblem::make(65536, 1, 1, 128, 128, 64, DType::bf16, false);
  EXPECT_NE(p.validate().find("grid z limit"), std::string::npos) << p.validate();
  p = AttnProblem::make(1, 65536, 1, 128, 128, 64, DType::bf16, false);
  EXPECT_NE(p.validate().find("grid y limit"), std::string::npos) << p.validate();
  p = AttnProblem::make(65535, 65535, 65535, INT32_MAX, INT32_MAX, 256, DType::bf16, false);
  EXPECT_FALSE(p.validate().empty());  // the per-batch product check, computed without overflow
  EXPECT_EQ(narrow_dim(64, "d"), 64);
  EXPECT_NE(user_error_of([] { narrow_dim(4294967360LL, "q.npy: head dim"); }).find("q.npy: head dim 4294967360 is out of range"),
            std::string::npos);
  EXPECT_THROW(narrow_dim(0, "batch"), UserError);
}

TEST(HostileSizes, UploadChecksTheHostSize) {
  DeviceBuffer empty;  // no device needed: the check comes before any copy
  EXPECT_THROW(empty.upload(std::vector<uint16_t>(3)), std::logic_error);
}

TEST(HostileSizes, RunRejectsA4GiBHeadDimBeforeReadingData) {
  TempDir dir;
  for (const char* n : {"q.npy", "k.npy", "v.npy"}) {
    std::ofstream(dir.file(n), std::ios::binary) << npy_bytes("(1, 1, 1, 4294967360)", 0);
    fs::resize_file(dir.file(n), fs::file_size(dir.file(n)) + 2 * 4294967360ULL);  // sparse: the data "is there"
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto r = test::run_cli("run --q " + dir.file("q.npy") + " --k " + dir.file("k.npy") + " --v " + dir.file("v.npy") +
                         " --out " + dir.file("o.npy"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("head dim 4294967360 is out of range"), std::string::npos) << r.output;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  EXPECT_FALSE(fs::exists(dir.file("o.npy")));
}

// ---------------------------------------------------------------- 6. memory before data
long max_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

TEST(HostileNpy, ShortStreamDeclaring2GiBFailsFastWithoutAllocatingIt) {
  const size_t header = npy_bytes("(1073741824,)", 0).size();
  const std::string bytes = npy_bytes("(1073741824,)", 256 - header);  // 2 GiB of <f2 declared, 256 bytes in all
  ASSERT_EQ(bytes.size(), 256u);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], bytes.data(), bytes.size()), ssize_t(bytes.size()));
  close(fds[1]);
  const long rss0 = max_rss_kb();
  const auto t0 = std::chrono::steady_clock::now();
  const std::string why = user_error_of([&] { read_npy("/dev/fd/" + std::to_string(fds[0])); });
  close(fds[0]);
  EXPECT_NE(why.find("truncated data"), std::string::npos) << why;
  EXPECT_NE(why.find("stream had " + std::to_string(256 - header)), std::string::npos) << why;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_LT(max_rss_kb() - rss0, 200 * 1024) << "allocated far more than arrived";
  // A declaration beyond this machine's memory fails before reading at all.
  const std::string huge = npy_bytes("(2305843009213693952,)", 64);  // 2^62 bytes of <f2
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], huge.data(), huge.size()), ssize_t(huge.size()));
  close(fds[1]);
  const std::string mem = user_error_of([&] { read_npy("/dev/fd/" + std::to_string(fds[0])); });
  close(fds[0]);
  EXPECT_NE(mem.find("more than this machine's memory"), std::string::npos) << mem;
}

TEST(HostileNpy, RegularFileDeclaringMoreThanItHoldsOrThanMemory) {
  TempDir dir;
  std::ofstream(dir.file("short.npy"), std::ios::binary) << npy_bytes("(1073741824,)", 192);
  EXPECT_NE(user_error_of([&] { read_npy(dir.file("short.npy")); }).find("file has 192"), std::string::npos);
  std::ofstream(dir.file("huge.npy"), std::ios::binary) << npy_bytes("(4611686018427387904,)", 0);  // 2^63 bytes
  EXPECT_NE(user_error_of([&] { read_npy(dir.file("huge.npy")); }).find("too large"), std::string::npos);
}

// ---------------------------------------------------------------- 4. the kernel cache verifies itself
TEST(HostileCache, CorruptTruncatedOrForeignEntriesAreMisses) {
  TempDir dir;
  const std::string d = dir.path.string(), key = "0123abcd", ktext = "nvrtc=1\narch=sm_80\n";
  const CacheEntry good{std::string(1000, 'c'), "ptxas info    : Used 40 registers\n"};
  cache_store(d, key, ktext, good);
  ASSERT_TRUE(cache_load(d, key, ktext).has_value());
  EXPECT_EQ(cache_load(d, key, ktext)->cubin, good.cubin);
  EXPECT_FALSE(cache_load(d, key, "nvrtc=2\narch=sm_80\n").has_value());  // another key text
  const auto base = dir.path / key;
  auto restore = [&] { cache_store(d, key, ktext, good); };
  fs::resize_file(fs::path(base) += ".cubin", 500);  // truncated
  EXPECT_FALSE(cache_load(d, key, ktext).has_value());
  restore();
  std::ofstream(fs::path(base) += ".cubin", std::ios::binary) << std::string(1000, 'x');  // same length, random bytes
  EXPECT_FALSE(cache_load(d, key, ktext).has_value());
  restore();
  std::ofstream(fs::path(base) += ".log") << "ptxas info    : Used 99999999999 registers\n";  // edited log
  EXPECT_FALSE(cache_load(d, key, ktext).has_value());
  restore();
  ASSERT_TRUE(cache_load(d, key, ktext).has_value());
  // A FIFO or a directory where an entry file should be: a miss at once, never a hang.
  fs::remove(fs::path(base) += ".key");
  ASSERT_EQ(mkfifo((fs::path(base) += ".key").c_str(), 0600), 0);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(cache_load(d, key, ktext).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  restore();  // rename replaces the FIFO
  EXPECT_TRUE(cache_load(d, key, ktext).has_value());
  fs::remove(fs::path(base) += ".cubin");
  fs::create_directory(fs::path(base) += ".cubin");
  EXPECT_FALSE(cache_load(d, key, ktext).has_value());
  // An edited log never reaches stoi: out-of-range numbers leave the defaults.
  EXPECT_EQ(parse_ptxas_report("ptxas info    : Used 99999999999 registers").registers, -1);
}

TEST(HostileCache, ACorruptEntryIsRecompiledAndReplaced) {
  TempDir dir;
  const char* old_env = std::getenv("ATTNLAB_CACHE_DIR");
  const std::string old = old_env ? old_env : "";
  setenv("ATTNLAB_CACHE_DIR", dir.path.c_str(), 1);
  const CompileRequest req{"hostile", "extern \"C\" __global__ void hostile(float* o) { o[0] = 7.f; }\n", "sm_80", {}};
  const pid_t pid = fork();  // the child fills the cache; this process has not compiled the kernel yet
  if (pid == 0) _exit(compile(req).cubin.empty() ? 1 : 0);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const auto cubin_path = dir.path / (cache_key(req) + ".cubin");
  const std::string real = slurp(cubin_path.string());
  std::ofstream(cubin_path, std::ios::binary) << real.substr(0, real.size() / 2);  // truncated
  const CompiledKernel k = compile(req);
  if (old.empty()) unsetenv("ATTNLAB_CACHE_DIR");
  else setenv("ATTNLAB_CACHE_DIR", old.c_str(), 1);
  EXPECT_FALSE(k.from_cache);
  EXPECT_EQ(k.cubin, real);
  EXPECT_EQ(slurp(cubin_path.string()), real);  // the bad entry was replaced
}

TEST(HostileCache, DirectoryOwnedByAnotherUserOrWritableByOthersIsRefused) {
  TempDir dir;
  const std::string mine = dir.file("mine");
  EXPECT_EQ(prepare_cache_dir(mine), "");
  struct stat st {};
  ASSERT_EQ(stat(mine.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ::chmod(mine.c_str(), 0777);
  EXPECT_NE(prepare_cache_dir(mine).find("writable by others"), std::string::npos);
  ::chmod(mine.c_str(), 01777);  // sticky, like /tmp: allowed
  EXPECT_EQ(prepare_cache_dir(mine), "");
  std::string other = "/";  // owned by root
  if (geteuid() == 0) {
    other = dir.file("other");
    fs::create_directory(other);
    ASSERT_EQ(chown(other.c_str(), 65534, 65534), 0);
  }
  EXPECT_NE(prepare_cache_dir(other).find("is owned by uid"), std::string::npos) << prepare_cache_dir(other);
  std::ofstream(dir.file("file")) << "x";
  EXPECT_NE(prepare_cache_dir(dir.file("file")).find("not a directory"), std::string::npos);
  // compile() refuses to use it (with the reason) rather than trusting what someone else put there.
  const char* old_env = std::getenv("ATTNLAB_CACHE_DIR");
  const std::string old = old_env ? old_env : "";
  setenv("ATTNLAB_CACHE_DIR", other.c_str(), 1);
  const std::string why = user_error_of(
      [] { compile({"foreign", "extern \"C\" __global__ void foreign(float* o) { o[0] = 9.f; }\n", "sm_80", {}}); });
  if (old.empty()) unsetenv("ATTNLAB_CACHE_DIR");
  else setenv("ATTNLAB_CACHE_DIR", old.c_str(), 1);
  EXPECT_NE(why.find("is owned by uid"), std::string::npos) << why;
}

TEST(HostileCache, WithoutHomeTheCacheIsPerUser) {
  std::map<std::string, std::string> saved;
  for (const char* v : {"ATTNLAB_CACHE_DIR", "XDG_CACHE_HOME", "HOME"}) {
    if (const char* x = std::getenv(v)) saved[v] = x;
    unsetenv(v);
  }
  const std::string dir = kernel_cache_dir();
  for (auto& [k, v] : saved) setenv(k.c_str(), v.c_str(), 1);
  EXPECT_NE(dir, "/tmp/attnlab-kernels");
  if (dir.starts_with("/tmp/")) EXPECT_EQ(dir, "/tmp/attnlab-kernels-" + std::to_string(geteuid()));
}

// ---------------------------------------------------------------- 5. messages name the file and field
TEST(HostileMessages, SeedFilesAndDatabaseRowsNameTheirSource) {
  TempDir dir;
  std::ofstream(dir.file("list.json")) << "[]";
  std::ofstream(dir.file("type.json")) << R"({"schema": "attnlab.micro/1", "top_k": [{"config": 5}]})";
  std::ofstream(dir.file("huge.json")) << R"({"schema": "attnlab.micro/1", "top_k": [{"config": "m99999999999n64w4s2-swz-qsm"}]})";
  for (const char* f : {"list.json", "type.json", "huge.json"}) {
    const std::string why = user_error_of([&] { read_micro_best(dir.file(f)); });
    EXPECT_EQ(why.rfind(dir.file(f) + ": ", 0), 0u) << why;
    EXPECT_EQ(why.find("json.exception"), std::string::npos) << why;
    EXPECT_EQ(why.find("stoi"), std::string::npos) << why;
  }
  auto db = ResultsDb::open(":memory:");
  ASSERT_EQ(sqlite3_exec(db.handle(),
                         "INSERT INTO evaluations (arch, gpu_uuid, driver, shape, dtype, source_hash, config, compiled,"
                         " registers, spill_bytes, smem_bytes, correct, max_error, median_us, tflops, speedup_vs_cudnn, error)"
                         " VALUES ('a', 'g', 'd', 's', 'bf16', 'h', 'm99999999999n64w4s2-swz-qsm', 1, 1, 0, 0, 1, 0, 1, 1, 1, '');"
                         "INSERT INTO tuner_checkpoints (run_id, state) VALUES ('bad', '{not json');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const std::string row = user_error_of([&] { db.all(EvalContext{}); });
  EXPECT_NE(row.find("results database row with config 'm99999999999n64w4s2-swz-qsm'"), std::string::npos) << row;
  EXPECT_EQ(row.find("stoi"), std::string::npos) << row;
  const std::string cp = user_error_of([&] { db.load_checkpoint("bad"); });
  EXPECT_NE(cp.find("checkpoint 'bad'"), std::string::npos) << cp;
  EXPECT_EQ(cp.find("json.exception"), std::string::npos) << cp;
}

TEST(HostileMessages, NumberParserNamesFieldAndValue) {
  EXPECT_EQ(parse_int("42", "f", 0, 100), 42);
  EXPECT_NE(user_error_of([] { parse_int("99999999999999999999", "--x", 0, 10); }).find("--x: '99999999999999999999' is out of range"),
            std::string::npos);
  EXPECT_NE(user_error_of([] { parse_int("12abc", "--x"); }).find("--x: '12abc' is not an integer"), std::string::npos);
  EXPECT_NE(user_error_of([] { parse_double("nan", "--t"); }).find("--t: 'nan' is not a finite number"), std::string::npos);
  const std::string cfg = user_error_of([] { with_context("f.json", [] { return TileConfig::parse("m99999999999n64w4s2-swz-qsm"); }); });
  EXPECT_EQ(cfg.rfind("f.json: ", 0), 0u) << cfg;
  EXPECT_EQ(cfg.find("stoi"), std::string::npos) << cfg;
}

// ---------------------------------------------------------------- 8. source candidates and host files
TEST(HostileSource, IncludeScanFindsEveryDisguise) {
  const auto embedded = [](const std::string& p) { return p == "sm80/mainloop.cuh"; };
  EXPECT_EQ(include_violation("#include \"sm80/mainloop.cuh\"\nint x;\n", embedded), "");
  for (const char* src : {
           "#include \"/etc/passwd\"\n",
           "#include </etc/passwd>\n",
           "  #  include \"../../../etc/passwd\"\n",
           "#include \"sm80/../../etc/passwd\"\n",
           "#inc\\\nlude \"/etc/passwd\"\n",
           "#include \"/etc/pa\\\nsswd\"\n",
           "%:include \"/etc/passwd\"\n",
           "?\?=include \"/etc/passwd\"\n",
           "/* c */ # /* c */ include /* c */ \"/etc/passwd\"\n",
           "#define P \"/etc/passwd\"\n#include P\n",
           "#define Q(x) #x\n#include Q(/etc/passwd)\n",
           "#include_next \"/etc/passwd\"\n",
           "#embed \"/etc/passwd\"\n",
           "const char* s = R\"x( \" /* )x\";\n#include \"/etc/passwd\"\n// */\n",
           "#if __has_include(\"/etc/passwd\")\n#endif\n",
           "#include \"helper.cuh\"\n",  // not embedded, and not inlined from a folder
       })
    EXPECT_NE(include_violation(src, embedded), "") << src;
}

TEST(HostileSource, UntrustedSourcesGetNoIncludeDirectoryAndACappedLog) {
  CompileRequest req{"cand", "int x;\n", "sm_80", {"-I/etc", "--include-path=/"}};
  req.untrusted = true;
  const auto opts = nvrtc_options(req);
  EXPECT_NE(std::find(opts.begin(), opts.end(), "--no-source-include"), opts.end());
  for (auto& o : opts) EXPECT_FALSE(o.starts_with("-I") || o.starts_with("--include-path")) << o;
  req.untrusted = false;
  EXPECT_NE(nvrtc_options(req), opts);  // and the cache key tells them apart
  // 300 errors' worth of log is cut to the limit before it can reach the database or the proposer.
  std::string bad;
  for (int i = 0; i < 300; ++i) bad += "__global__ void k" + std::to_string(i) + "() { undefined_symbol_" + std::to_string(i) + "(); }\n";
  CompileRequest noisy{"noisy", bad, "sm_80", {}};
  noisy.untrusted = true;
  try {
    compile(noisy);
    FAIL() << "compiled";
  } catch (const CompileError& e) {
    EXPECT_LE(e.log().size(), kUntrustedLogLimit + 32) << e.log().size();
    EXPECT_NE(e.log().find("undefined_symbol_0"), std::string::npos);
  }
}

TEST(HostileSource, CandidateIncludingEtcPasswdIsRefusedWithoutItsContents) {
  TempDir dir;
  const std::string secret = "attnlab-hostile-secret-line";
  std::ofstream(dir.file("secret.txt")) << secret << "\n";
  std::ofstream(dir.file("cand.cuh")) << "#include \"/etc/passwd\"\n#include \"" << dir.file("secret.txt") << "\"\n";
  const std::string text = read_source_file(dir.file("cand.cuh"));
  EXPECT_EQ(text.find(secret), std::string::npos);
  const auto cfg = TileConfig::parse("m128n64w8s2-swz-qsm");
  try {
    compile_flash(cfg, DType::bf16, 128, "sm_90a", FlashVariant::full, text);
    FAIL() << "a candidate including /etc/passwd compiled";
  } catch (const CompileError& e) {
    const std::string all = std::string(e.what()) + e.log();
    EXPECT_NE(all.find("refused before compiling"), std::string::npos) << all;
    EXPECT_NE(all.find("absolute paths are not allowed"), std::string::npos) << all;
    EXPECT_EQ(all.find("root:"), std::string::npos) << all;  // no line of /etc/passwd
    EXPECT_EQ(all.find(secret), std::string::npos) << all;
  }
}

TEST(HostileSource, LocalIncludesAreInlinedAndEscapesAreNot) {
  TempDir dir;
  fs::create_directories(dir.path / "cand" / "parts");
  std::ofstream(dir.path / "cand" / "parts" / "helper.cuh") << "// HELPER BODY\n#include \"sm80/mainloop.cuh\"\n";
  std::ofstream(dir.path / "outside.cuh") << "// OUTSIDE BODY\n";
  fs::create_symlink("/etc/passwd", dir.path / "cand" / "link.cuh");
  std::ofstream(dir.path / "cand" / "k.cuh") << "#include \"parts/helper.cuh\"\n#include \"parts/helper.cuh\"\n"
                                             << "#include \"../outside.cuh\"\n#include \"link.cuh\"\n";
  std::string text;
  try {
    text = read_source_file((dir.path / "cand" / "k.cuh").string());
  } catch (const UserError& e) {
    text = e.what();  // the symlink may be refused outright: also fine, as long as nothing leaks
  }
  EXPECT_EQ(text.find("root:"), std::string::npos) << text;
  EXPECT_EQ(text.find("OUTSIDE BODY"), std::string::npos) << text;
  if (text.find("HELPER BODY") != std::string::npos) {
    EXPECT_EQ(text.find("HELPER BODY"), text.rfind("HELPER BODY")) << "inlined once";
    EXPECT_NE(include_violation(text, [](const std::string& p) { return p == "sm80/mainloop.cuh"; }), "")
        << "the escapes stay and are refused at compile time";
  }
  EXPECT_THROW(read_source_file("/dev/zero"), UserError);
}

// ---------------------------------------------------------------- seeded mutation fuzzing (bounded, CI)
// Random byte edits of valid inputs: each parser either accepts or throws UserError; nothing else.
std::string mutate(std::string s, std::mt19937_64& rng) {
  const int edits = 1 + int(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const size_t at = rng() % s.size();
    switch (rng() % 4) {
      case 0: s[at] = char(rng()); break;
      case 1: s.erase(at, 1 + rng() % 8); break;
      case 2: s.insert(at, std::string(1 + rng() % 3, "0123456789,()[]{}'\":-9"[rng() % 23])); break;
      default: s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 16)); break;
    }
  }
  return s;
}

TEST(HostileFuzz, ParsersOnlyAcceptOrRaiseUserErrors) {
  std::mt19937_64 rng(20261126);
  TempDir dir;
  const std::string npy = npy_bytes("(2, 3, 4)", 48);
  const std::string micro = R"({"schema": "attnlab.micro/1", "top_k": [{"config": "m128n64w4s2-swz-qsm", "tflops": 1}]})";
  const std::string proposal = R"({"candidates": [{"config": "m128n64w4s2-swz-qsm", "note": "x"}, {"config": "m64n64w4s2-swz-qsm"}]})";
  const std::string source = "#include \"sm80/mainloop.cuh\"\n/* c */ #define X 1\nint y = X;\n";
  const auto only_user_errors = [](const char* what, const std::string& input, auto&& f) {
    try {
      f();
    } catch (const UserError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << ": " << typeid(e).name() << " " << e.what() << " on " << testing::PrintToString(input);
    }
  };
  for (int i = 0; i < 1500; ++i) {
    const std::string n = mutate(npy, rng), m = mutate(micro, rng), p = mutate(proposal, rng), s = mutate(source, rng);
    std::ofstream(dir.file("f.npy"), std::ios::binary | std::ios::trunc) << n;
    only_user_errors("read_npy", n, [&] { read_npy(dir.file("f.npy")); });
    std::ofstream(dir.file("m.json"), std::ios::trunc) << m;
    only_user_errors("read_micro_best", m, [&] { read_micro_best(dir.file("m.json")); });
    only_user_errors("parse_proposer_response", p, [&] { parse_proposer_response(p); });
    only_user_errors("include_violation", s, [&] { include_violation(s, [](const std::string&) { return true; }); });
  }
}

}  // namespace
}  // namespace attnlab
