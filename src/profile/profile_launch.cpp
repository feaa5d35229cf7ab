#include "profile/profile_launch.hpp"

#include <nvtx3/nvToolsExt.h>

#include <algorithm>

#include <fmt/format.h>

#include "backends/backend.hpp"
#include "backends/custom/tile_config.hpp"
#include "check/inputs.hpp"
#include "core/error.hpp"
#include "profile/ncu.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/device.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab::profile {

bool is_gemm_backend(const std::string& name) {
  const auto g = gemm_backend_names();
  return std::find(g.begin(), g.end(), name) != g.end();
}

void validate_launch(const LaunchSpec& s) {
  s.problem.validate_or_throw();
  if (!is_gemm_backend(s.backend)) make_attention_backend(s.backend);  // UserError naming the known backends
  if (!s.config.empty() && s.backend != "custom") throw UserError("--config applies to the custom backend only");
  if (!s.config.empty()) TileConfig::parse(s.config);  // UserError on a malformed name
  if (s.warmup < 0) throw UserError("--warmup must be >= 0");
}

std::vector<std::string> launch_args(const LaunchSpec& s) {
  const AttnProblem& p = s.problem;
  std::vector<std::string> a = {"profile-launch", "--backend", s.backend, "--shape",
                                fmt::format("{},{},{},{},{}", p.batch, p.heads, p.seqlen_q, p.seqlen_k, p.head_dim),
                                "--heads-k", std::to_string(p.heads_k), "--dtype", std::string(dtype_name(p.dtype)),
                                "--warmup", std::to_string(s.warmup)};
  if (p.causal) a.push_back("--causal");
  if (!s.config.empty()) a.insert(a.end(), {"--config", s.config});
  return a;
}

std::string run_profiled_launch(const LaunchSpec& s) {
  validate_launch(s);
  require_device();
  const AttnProblem& p = s.problem;
  const uint64_t seed = 1234;
  std::string describe;
  auto profiled = [&](auto&& launch) {
    for (int i = 0; i < s.warmup; ++i) launch();
    ATTN_CUDA(cudaDeviceSynchronize());
    nvtxRangePushA(kProfileRange);
    launch();
    ATTN_CUDA(cudaDeviceSynchronize());
    nvtxRangePop();
  };
  if (is_gemm_backend(s.backend)) {
    GemmProblem g{p.batch * p.heads, p.seqlen_q, p.seqlen_k, p.head_dim, p.dtype};
    auto b = make_gemm_backend(s.backend);
    if (auto why = b->supports(g); !why.empty()) throw UserError(s.backend + ": " + why);
    DeviceBuffer a(size_t(g.batch) * g.m * g.k * 2), bb(size_t(g.batch) * g.n * g.k * 2), c(size_t(g.batch) * g.m * g.n * 4);
    a.upload(random_tensor(p.dtype, int64_t(g.batch) * g.m * g.k, seed).bits);
    bb.upload(random_tensor(p.dtype, int64_t(g.batch) * g.n * g.k, seed + 1).bits);
    b->prepare(g);
    profiled([&] { b->run(g, a.get(), bb.get(), c.as<float>(), nullptr); });
    describe = b->describe();
  } else {
    auto b = make_attention_backend(s.backend, s.config);
    if (auto why = b->supports(p); !why.empty()) throw UserError(s.backend + ": " + why);
    const HostInputs in = random_inputs(p, seed);
    DeviceBuffer dq(p.q_elems() * 2), dk(p.kv_elems() * 2), dv(p.kv_elems() * 2), dout(p.q_elems() * 2),
        dlse(p.lse_elems() * 4);
    dq.upload(in.q.bits);
    dk.upload(in.k.bits);
    dv.upload(in.v.bits);
    b->prepare(p);
    const AttnTensors t{dq.get(), dk.get(), dv.get(), dout.get(), dlse.as<float>()};
    profiled([&] { b->run(p, t, nullptr); });
    describe = b->describe();
  }
  return describe;
}

}  // namespace attnlab::profile
