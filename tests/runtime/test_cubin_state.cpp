// What a cubin keeps between launches (src/runtime/cubin_state): NVRTC-compiled kernels with __device__
// variables, initialised ones, string literals and device malloc are reported by name; a stateless kernel and
// every built-in default config (both families) report nothing, so the rule refuses no honest candidate.
#include <gtest/gtest.h>

#include "backends/custom/flash_kernel.hpp"
#include "runtime/cubin_state.hpp"
#include "runtime/nvrtc_compiler.hpp"
#include "search/source_edits.hpp"

using namespace attnlab;

namespace {
std::vector<std::string> state_of(const std::string& body) {
  const CompiledKernel k = compile({"cubin_state_test", body, "sm_80", {}});
  return cubin_launch_state(k.cubin);
}
std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += x + "; ";
  return s;
}
}  // namespace

TEST(CubinState, StatelessKernelHasNone) {
  EXPECT_TRUE(state_of("extern \"C\" __global__ void k(float* o) { __shared__ float s[32]; s[threadIdx.x] = o[0];"
                       " __syncthreads(); o[threadIdx.x] = s[31 - threadIdx.x]; }")
                  .empty());
}

TEST(CubinState, DeviceVariablesHeapAndLiteralsAreNamed) {
  const auto st = state_of("__device__ unsigned hits;\n__device__ int inited = 5;\n"
                           "extern \"C\" __global__ void k(float* o) { atomicAdd(&hits, 1u); o[0] = inited; }");
  const std::string s = joined(st);
  EXPECT_NE(s.find("__device__ object 'hits' (4 bytes in .nv.global)"), std::string::npos) << s;
  EXPECT_NE(s.find("__device__ object 'inited' (4 bytes in .nv.global.init)"), std::string::npos) << s;
  const std::string heap = joined(state_of(
      "extern \"C\" __global__ void k(float* o) { float* p = (float*)malloc(64); p[0] = o[0]; o[1] = p[0]; free(p); }"));
  EXPECT_NE(heap.find("calls malloc"), std::string::npos) << heap;
  const std::string lit = joined(state_of("extern \"C\" __global__ void k(float* o) { if (o[0] > 1) printf(\"x%f\", o[0]); }"));
  EXPECT_NE(lit.find(".nv.global.init"), std::string::npos) << lit;
}

TEST(CubinState, MalformedImagesThrow) {
  EXPECT_THROW(cubin_launch_state(""), std::runtime_error);
  EXPECT_THROW(cubin_launch_state(std::string("\x7f" "ELF\x02\x01", 6) + std::string(60, '\0')), std::runtime_error);
  std::string truncated = compile({"cubin_state_trunc", "extern \"C\" __global__ void k() {}", "sm_80", {}}).cubin;
  truncated.resize(200);
  EXPECT_THROW(cubin_launch_state(truncated), std::runtime_error);
}

TEST(CubinState, BuiltInObjectsAreTheConfigsConstantsAndAnHonestSourcePasses) {
  // NVRTC emits the kernel config's static constexpr members as 1-4 byte device objects; nothing else (no
  // object of the kernel's own, no heap) and little in all: the bound docs/trust.md states.
  for (const char* arch : {"sm_80", "sm_90a"}) {
    const ArchLimits lim = ArchLimits::for_arch(arch);
    for (Family f : {Family::sm80, Family::sm90}) {
      if (f == Family::sm90 && std::string(arch) != "sm_90a") continue;
      const TileConfig cfg = default_config(128, lim, f);
      const CompiledKernel k = compile_flash(cfg, DType::bf16, 128, arch);
      uint64_t bytes = 0;
      for (const auto& o : cubin_device_objects(k.cubin)) {
        bytes += o.bytes;
        EXPECT_LE(o.bytes, 4u) << o.name;
        EXPECT_TRUE(o.name.find("FlashConfig") != std::string::npos || o.name.find("SmemPlan") != std::string::npos ||
                    o.name.find("Barrier") != std::string::npos || o.name.find("__nv_atomic_triv_cp_helper") != std::string::npos)
            << o.name << " in " << cfg.name();
      }
      EXPECT_LT(bytes, 256u) << cfg.name();
      EXPECT_TRUE(cubin_launch_state(k.cubin, cubin_device_objects(k.cubin)).empty());
    }
  }
  // The built-in shell handed in as a source candidate (the adversarial suite's control) compiles.
  const auto cfg = TileConfig::parse("m64n32w4s2-swz-qsm");
  EXPECT_NO_THROW(compile_flash(cfg, DType::f16, 64, "sm_80", FlashVariant::full, builtin_kernel_with_edits("")));
}
