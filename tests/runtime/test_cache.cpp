// The cubin cache: keyed by content (source, headers, options, arch, NVRTC version), persistent on disk,
// safe for concurrent processes, and reporting compile errors with the NVRTC log.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "runtime/nvrtc_compiler.hpp"

namespace fs = std::filesystem;

namespace attnlab {

namespace {
CompileRequest small_kernel(const std::string& body = "out[0] = 1.f;", const std::string& arch = "sm_80") {
  return {"tiny", "extern \"C\" __global__ void tiny(float* out) { " + body + " }\n", arch, {}};
}

struct TempCacheDir {
  fs::path dir;
  std::string old;
  TempCacheDir() {
    dir = fs::path(::testing::TempDir()) / ("attnlab-cache-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    if (const char* o = std::getenv("ATTNLAB_CACHE_DIR")) old = o;
    setenv("ATTNLAB_CACHE_DIR", dir.c_str(), 1);
  }
  ~TempCacheDir() {
    if (old.empty()) unsetenv("ATTNLAB_CACHE_DIR");
    else setenv("ATTNLAB_CACHE_DIR", old.c_str(), 1);
    fs::remove_all(dir);
  }
};
}  // namespace

TEST(Cache, KeyDependsOnSourceArchAndOptions) {
  const auto base = cache_key(small_kernel());
  EXPECT_EQ(base, cache_key(small_kernel()));
  EXPECT_NE(base, cache_key(small_kernel("out[0] = 2.f;")));
  EXPECT_NE(base, cache_key(small_kernel("out[0] = 1.f;", "sm_90a")));
  auto with_opt = small_kernel();
  with_opt.options.push_back("-DX=1");
  EXPECT_NE(base, cache_key(with_opt));
}

TEST(Cache, WritesEntryAndReusesIt) {
  TempCacheDir tmp;
  auto req = small_kernel("out[0] = 3.f;");
  CompiledKernel k = compile(req);
  EXPECT_FALSE(k.from_cache);
  EXPECT_TRUE(fs::exists(tmp.dir / (k.key + ".cubin")));
  EXPECT_GT(k.resources.registers, 0);
}

TEST(Cache, ConcurrentProcessesShareOneEntry) {
  TempCacheDir tmp;
  auto req = small_kernel("out[0] = 4.f + threadIdx.x;");
  std::vector<pid_t> kids;
  for (int i = 0; i < 4; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      try {
        CompiledKernel k = compile(req);
        _exit(k.cubin.empty() ? 1 : 0);
      } catch (...) {
        _exit(2);
      }
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  // Exactly one complete entry, no leftover temporaries.
  int cubins = 0, temps = 0;
  for (auto& e : fs::directory_iterator(tmp.dir)) {
    const std::string name = e.path().filename().string();
    cubins += name.ends_with(".cubin");
    temps += name.find(".tmp.") != std::string::npos;
  }
  EXPECT_EQ(cubins, 1);
  EXPECT_EQ(temps, 0);
  // This process now loads it from disk.
  EXPECT_TRUE(compile(req).from_cache);
}

TEST(Cache, CompileErrorCarriesTheLog) {
  TempCacheDir tmp;
  try {
    compile(small_kernel("this is not C++;"));
    FAIL() << "expected CompileError";
  } catch (const CompileError& e) {
    EXPECT_NE(e.log().find("error"), std::string::npos) << e.log();
  }
}

TEST(Cache, RejectsUnknownArch) {
  EXPECT_THROW(compile(small_kernel("", "sm_12")), CompileError);
  EXPECT_FALSE(is_supported_arch("compute_90"));
  EXPECT_TRUE(is_supported_arch("sm_90a"));
}

}  // namespace attnlab
