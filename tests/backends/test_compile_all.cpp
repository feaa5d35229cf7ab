// NVRTC compiles every config of the valid space for sm_80, sm_89 and sm_90a, both dtypes, every head
// dim, and the ptxas report is parsed (registers, shared memory, spills). Runs without a GPU.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "backends/custom/flash_kernel.hpp"

namespace attnlab {

struct Job {
  std::string arch;
  DType dtype;
  int d;
  TileConfig cfg;
};

// Compiles every job on a thread pool; `inspect` looks at each result under a lock and returns a failure
// text ("" when fine); a compile error is a failure too.
std::vector<std::string> compile_in_parallel(const std::vector<Job>& jobs,
                                             const std::function<std::string(const Job&, const CompiledKernel&)>& inspect) {
  std::atomic<size_t> next{0};
  std::mutex m;
  std::vector<std::string> failures;
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      const Job& j = jobs[i];
      const std::string what = fmt::format("{} {} d={} {}", j.arch, dtype_name(j.dtype), j.d, j.cfg.name());
      try {
        CompiledKernel k = compile_flash(j.cfg, j.dtype, j.d, j.arch);
        std::lock_guard lk(m);
        if (auto why = inspect(j, k); !why.empty()) failures.push_back(what + ": " + why);
      } catch (const std::exception& e) {
        std::lock_guard lk(m);
        failures.push_back(what + ": " + e.what());
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  return failures;
}

TEST(CompileAll, EveryConfigEveryArch) {
  std::vector<Job> jobs;
  for (std::string arch : {"sm_80", "sm_89", "sm_90a"})
    for (DType dt : {DType::bf16, DType::f16})
      for (int d : {64, 128, 256}) {
        auto space = valid_space(d, ArchLimits::for_arch(arch));
        ASSERT_FALSE(space.empty()) << arch << " d=" << d;
        for (auto& c : space) jobs.push_back({arch, dt, d, c});
      }
  size_t spilling = 0;
  const auto failures = compile_in_parallel(jobs, [&](const Job&, const CompiledKernel& k) -> std::string {
    const auto& r = k.resources;
    spilling += r.spill_stores > 0;
    if (k.cubin.size() < 1000 || r.registers <= 0 || r.registers > 255 || r.spill_stores < 0)
      return fmt::format("bad ptxas report (regs {}, cubin {} B)", r.registers, k.cubin.size());
    return "";
  });
  for (auto& f : failures) ADD_FAILURE() << f;
  fmt::print("compiled {} kernels; {} spill registers (kept in the space, the tuner measures them)\n", jobs.size(),
             spilling);
}

// The defaults are the fastest measured tiles (docs/perf-notes.md); on sm_90a d=128 that tile spills a
// little (36 B) and is still fastest, so this guards against a regression to heavy spilling.
TEST(CompileAll, DefaultConfigsBarelySpill) {
  for (std::string arch : {"sm_80", "sm_89", "sm_90a"})
    for (int d : {64, 128, 256}) {
      auto limits = ArchLimits::for_arch(arch);
      auto c = default_config(d, limits);
      auto k = compile_flash(c, DType::bf16, d, arch);
      EXPECT_LE(k.resources.spill_stores, 64) << arch << " d=" << d << " " << c.name();
      EXPECT_LE(c.smem_bytes(d), limits.smem_optin);
    }
}

// The sm90 family: every config of its default space for sm_90a (bf16, every head dim; fp16 shares the code
// path and is compiled for the defaults below). ptxas must not serialise wgmma (C7511) anywhere.
TEST(CompileAll, Sm90SpaceCompilesWithoutSerialisedWgmma) {
  std::vector<Job> jobs;
  const auto h100 = ArchLimits::for_arch("sm_90a");
  for (int d : {64, 128, 256})
    for (auto& c : valid_space(d, h100, KnobValues::defaults(Family::sm90))) jobs.push_back({"sm_90a", DType::bf16, d, c});
  const auto failures = compile_in_parallel(jobs, [](const Job&, const CompiledKernel& k) -> std::string {
    if (k.log.find("C7511") != std::string::npos || k.log.find("serialized") != std::string::npos)
      return "wgmma serialised: " + k.log;
    return k.resources.registers <= 0 ? "no ptxas report" : "";
  });
  for (auto& f : failures) ADD_FAILURE() << f;
  fmt::print("compiled {} sm90 kernels\n", jobs.size());
}

// The shipped sm90 defaults: no spills, no serialised wgmma, both dtypes.
TEST(CompileAll, Sm90DefaultsDoNotSpill) {
  const auto h100 = ArchLimits::for_arch("sm_90a");
  for (DType dt : {DType::bf16, DType::f16})
    for (int d : {64, 128, 256})
      for (bool causal : {false, true}) {
        auto c = default_config(d, h100, Family::sm90, causal);
        auto k = compile_flash(c, dt, d, "sm_90a");
        EXPECT_EQ(k.resources.spill_stores, 0) << d << " " << c.name();
        EXPECT_EQ(k.log.find("C7511"), std::string::npos) << d << " " << c.name();
      }
}

TEST(CompileAll, PtxasReportParsing) {
  const std::string log =
      "ptxas info    : Compiling entry function 'x' for 'sm_90a'\n"
      "ptxas info    : Function properties for x\n"
      "    8 bytes stack frame, 12 bytes spill stores, 16 bytes spill loads\n"
      "ptxas info    : Used 168 registers, used 1 barriers, 1024 bytes smem, 392 bytes cmem[0]\n";
  auto r = parse_ptxas_report(log);
  EXPECT_EQ(r.registers, 168);
  EXPECT_EQ(r.stack_frame, 8);
  EXPECT_EQ(r.spill_stores, 12);
  EXPECT_EQ(r.spill_loads, 16);
  EXPECT_EQ(r.static_smem, 1024);
  EXPECT_EQ(r.barriers, 1);
}

}  // namespace attnlab

namespace attnlab {
// The tuning space adds BLOCK_M 256, odd BLOCK_N and 4 stages: one config per new value compiles cleanly.
TEST(CompileAll, TuningSpaceNewKnobValues) {
  const auto limits = ArchLimits::for_arch("sm_90a");
  for (const char* name : {"m256n32w8s2-swz-qsm", "m128n48w4s2-swz-qsm", "m128n80w8s2-swz-qsm", "m128n96w8s2-swz-qsm",
                           "m128n112w8s2-swz-qsm", "m128n64w8s4-swz-qsm"}) {
    auto c = TileConfig::parse(name);
    ASSERT_EQ(c.constraint_violation(128, limits), "") << name;
    auto k = compile_flash(c, DType::bf16, 128, "sm_90a");
    EXPECT_GT(k.resources.registers, 0) << name;
  }
  EXPECT_GT(valid_space(128, limits, KnobValues::tuning()).size(), 3 * valid_space(128, limits).size());
}
}  // namespace attnlab
