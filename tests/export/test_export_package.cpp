// attnlab export on the CPU: a tiny sm_90a table exported for sm_90a and sm_80 (cubins through NVRTC, no GPU),
// the package's files, and the exported library's own config choice (dispatch entry, fallback, another arch,
// missing code) through its C API. One export for the whole suite (compiles cost seconds each here).
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/process.hpp"
#include "export/runtime/attnlab_flash.h"

namespace {
namespace fs = std::filesystem;

const fs::path kWork = fs::temp_directory_path() / ("attnlab-export-test-" + std::to_string(getpid()));

void write_table(const fs::path& p) {
  std::ofstream(p) << R"({"schema": "attnlab.dispatch/1", "arch": "sm_90a", "family": "sm90", "entries": [
    {"dtype": "bf16", "head_dim": 128, "causal": false, "gqa_ratio": 1, "seqlen_q": {"min": 1, "max": 2048},
     "seqlen_k": {"min": 1, "max": 2048}, "config": "sm90-m128n128s2-pp-ov-grid"}]})";
}

struct Exported {
  attnlab::ProcessResult run;
  void* lib = nullptr;
  Exported() {
    fs::create_directories(kWork);
    write_table(kWork / "dispatch.json");
    run = attnlab::run_process({ATTNLAB_BINARY, "export", "--dispatch", (kWork / "dispatch.json").string(), "--arch",
                                "sm_90a,sm_80", "--out", (kWork / "pkg").string()});
    if (run.ok()) lib = dlopen((kWork / "pkg/lib/libattnlab_flash.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  }
};
Exported& exported() {
  static Exported e;
  return e;
}

attnlab_flash_problem problem(int64_t sq, int64_t sk, int64_t d = 128, bool causal = false) {
  attnlab_flash_problem p{};
  p.struct_size = sizeof p;
  p.abi_version = ATTNLAB_FLASH_ABI_VERSION;
  p.batch = 4, p.heads = 16, p.heads_k = 16, p.seqlen_q = sq, p.seqlen_k = sk, p.head_dim = d;
  p.dtype = ATTNLAB_FLASH_BF16;
  p.causal = causal;
  return p;
}

// "config\treason", or the error message after "error <code>: ".
std::string choose(const attnlab_flash_problem& p, const char* arch, int sms) {
  auto fn = reinterpret_cast<int (*)(const attnlab_flash_problem*, const char*, int, char*, size_t)>(
      dlsym(exported().lib, "attnlab_flash_choose_config"));
  auto err = reinterpret_cast<const char* (*)()>(dlsym(exported().lib, "attnlab_last_error"));
  char buf[512];
  const int code = fn(&p, arch, sms, buf, sizeof buf);
  return code == 0 ? std::string(buf) : "error " + std::to_string(code) + ": " + err();
}

TEST(Export, PackageForSm90aAndSm80) {
  const Exported& e = exported();
  ASSERT_TRUE(e.run.ok()) << e.run.describe() << "\n" << e.run.err << e.run.out;
  ASSERT_NE(e.lib, nullptr) << dlerror();
  for (const char* f : {"include/attnlab_flash.h", "lib/libattnlab_flash.so", "lib/pkgconfig/attnlab_flash.pc",
                        "lib/cmake/attnlab_flash/attnlab_flashConfig.cmake", "manifest.json", "dispatch.json",
                        "python/attnlab_flash/__init__.py", "python/attnlab_flash/libattnlab_flash.so",
                        "cubins/sm_90a/sm90-m128n128s2-pp-ov-grid_bf16_d128.cubin"})
    EXPECT_TRUE(fs::is_regular_file(kWork / "pkg" / f)) << f;
  bool wheel = false;
  for (const auto& d : fs::directory_iterator(kWork / "pkg/dist")) wheel = wheel || d.path().extension() == ".whl";
  EXPECT_TRUE(wheel);
  bool sm80 = false;
  for (const auto& d : fs::directory_iterator(kWork / "pkg/cubins/sm_80")) sm80 = sm80 || d.path().extension() == ".cubin";
  EXPECT_TRUE(sm80);
  auto archs = reinterpret_cast<const char* (*)()>(dlsym(e.lib, "attnlab_flash_archs"));
  EXPECT_STREQ(archs(), "sm_90a,sm_80");
  // only the C API is visible (the version script): the package table the library holds is not
  EXPECT_EQ(dlsym(e.lib, "attnlab_flash_embedded_package"), nullptr);
}

TEST(Export, EmbeddedDispatchLookupAndFallback) {
  ASSERT_NE(exported().lib, nullptr);
  const std::string in = choose(problem(1024, 1024), "sm_90a", 132);
  EXPECT_EQ(in.rfind("sm90-m128n128s2-pp-ov-grid\tdispatch:", 0), 0u) << in;
  const std::string beyond = choose(problem(4096, 4096), "sm_90a", 132);  // past the entry's range
  EXPECT_NE(beyond.find("no dispatch entry"), std::string::npos) << beyond;
  EXPECT_EQ(beyond.find("error"), std::string::npos) << beyond;
  const std::string causal = choose(problem(1024, 1024, 128, true), "sm_90a", 132);  // another mask: the default
  EXPECT_NE(causal.find("no dispatch entry"), std::string::npos) << causal;
  const std::string small = choose(problem(64, 64), "sm_90a", 132);  // 16 tiles on 132 SMs still in the entry
  EXPECT_EQ(small.rfind("sm90-m128n128s2-pp-ov-grid", 0), 0u) << small;
  // other archs: the sm80 family default, from the sm_80 cubins (sm_86 loads them too)
  for (const char* arch : {"sm_80", "sm_86", "sm_89"}) {
    const std::string other = choose(problem(1024, 1024), arch, 0);
    EXPECT_EQ(other.rfind("m", 0), 0u) << arch << ": " << other;
    EXPECT_NE(other.find("the dispatch table is for sm_90a"), std::string::npos) << other;
  }
  EXPECT_NE(choose(problem(1024, 1024, 64), "sm_90a", 132).find("error 3: this export has no code for bf16 d=64"),
            std::string::npos);
  EXPECT_NE(choose(problem(1024, 1024), "sm_100a", 0).find("error 3: this export has no code for sm_100a"),
            std::string::npos);
}

TEST(Export, BadInputIsOneLineBeforeAnyCompile) {
  fs::create_directories(kWork);  // ctest runs each test in its own process: the folder may not exist yet
  write_table(kWork / "t.json");
  ASSERT_TRUE(fs::is_regular_file(kWork / "t.json"));
  auto r = attnlab::run_process({ATTNLAB_BINARY, "export", "--dispatch", (kWork / "t.json").string(), "--arch", "sm_99",
                                 "--out", (kWork / "bad").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("attnlab: error: unsupported arch 'sm_99'"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(kWork / "bad"));
  fs::create_directories(kWork / "taken");
  std::ofstream(kWork / "taken/notes.txt") << "mine";
  r = attnlab::run_process({ATTNLAB_BINARY, "export", "--dispatch", (kWork / "t.json").string(), "--out",
                            (kWork / "taken").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("other than an attnlab export"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(kWork / "taken/notes.txt"));
}

}  // namespace
