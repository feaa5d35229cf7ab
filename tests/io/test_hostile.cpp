// Issue 9, items 3-6: sizes checked before narrowing, memory before data (.npy), a self-verifying
// kernel cache, and parse errors that name their file and field. Each test failed before its fix.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "backends/custom/flash_kernel.hpp"
#include "core/parse.hpp"
#include "core/problem.hpp"
#include "io/npy.hpp"
#include "runtime/device_buffer.hpp"
#include "runtime/kernel_cache.hpp"
#include "runtime/nvrtc_compiler.hpp"
#include "search/microbench.hpp"
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

// Issue 18, row 12: an entry another user owns is a miss, however valid it looks (needs root to make one).
TEST(HostileCache, EntriesOwnedByAnotherUserAreMisses) {
  if (geteuid() != 0) GTEST_SKIP() << "only root can make a file owned by another user";
  TempDir dir;
  const std::string d = dir.path.string(), key = "feedbeef", ktext = "nvrtc=1\narch=sm_80\n";
  cache_store(d, key, ktext, CacheEntry{std::string(1000, 'c'), "log\n"});
  ASSERT_TRUE(cache_load(d, key, ktext).has_value());
  for (const char* ext : {".cubin", ".log", ".key"}) {
    const std::string f = d + "/" + key + ext;
    ASSERT_EQ(chown(f.c_str(), 65534, 65534), 0);
    EXPECT_FALSE(cache_load(d, key, ktext).has_value()) << ext << " owned by another user was trusted";
    ASSERT_EQ(chown(f.c_str(), 0, 0), 0);
  }
  EXPECT_TRUE(cache_load(d, key, ktext).has_value());
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
  // Issue 18, row 12: sticky (like /tmp) is no better: others can plant an entry before attnlab writes it.
  ::chmod(mine.c_str(), 01777);
  EXPECT_NE(prepare_cache_dir(mine).find("writable by others"), std::string::npos);
  ::chmod(mine.c_str(), 0770);
  EXPECT_NE(prepare_cache_dir(mine).find("writable by others"), std::string::npos);
  ::chmod(mine.c_str(), 0700);
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

}  // namespace
}  // namespace attnlab
