#include "measure/verified_timing.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <set>

#include <fmt/format.h>

#include "runtime/cuda_check.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab {

namespace {
uint64_t fresh_random() {
  std::random_device rd;
  return (uint64_t(rd()) << 32) ^ rd();
}
}  // namespace

Measurement time_verified(const AttnRunner& run, const CheckCase& c, const std::vector<OutputSnapshot>& gated,
                          VerifyMode mode, const MeasureOptions& opt, TimedVerifyReport& report) {
  const AttnProblem& p = c.problem();
  if (int(gated.size()) != c.input_sets()) throw std::logic_error("time_verified: no gated output for every input set");
  report = {};
  report.mode = mode;
  DeviceBuffer q(p.q_elems() * 2), k(p.kv_elems() * 2), v(p.kv_elems() * 2), o(p.q_elems() * 2), lse(p.lse_elems() * 4);
  const AttnTensors t{q.get(), k.get(), v.get(), o.get(), lse.as<float>()};

  std::mt19937_64 rng(fresh_random());
  const int horizon = std::max(1, opt.stop.min_samples);
  std::set<int> verify;
  for (int i : choose_verified_samples(3, horizon, rng())) verify.insert(i);
  verify.insert(horizon + int(rng() % uint64_t(3 * horizon)));

  int loaded = -1, sample_set = 0;
  auto load = [&](int set, cudaStream_t s) {
    if (set != loaded) c.copy_inputs(set, q.get(), k.get(), v.get(), s);
    loaded = set;
  };
  auto poison = [&](cudaStream_t s) {
    ATTN_CUDA(cudaMemsetAsync(o.get(), 0xff, o.bytes(), s));
    ATTN_CUDA(cudaMemsetAsync(lse.get(), 0xff, lse.bytes(), s));
  };
  auto compare_now = [&](int set, const std::string& when, cudaStream_t s) {
    ATTN_CUDA(cudaStreamSynchronize(s));
    const OutputSnapshot got{o.download<uint16_t>(p.q_elems()), lse.download<float>(p.lse_elems())};
    const OutputDiff d = mode == VerifyMode::bitwise ? diff_bitwise(got, gated[set], p.dtype)
                                                     : diff_tolerance(got, c.reference(set), p.dtype);
    if (!d.ok) throw VerificationFailed(describe_mismatch(d, set, when, mode));
    report.checked.push_back(fmt::format("{} (set {})", when, input_set_name(set)));
  };
  using clock = std::chrono::steady_clock;
  auto timed_cost = [&](auto&& body) {
    const auto t0 = clock::now();
    body();
    report.cost_s += std::chrono::duration<double>(clock::now() - t0).count();
  };

  SampleHooks hooks;
  hooks.before = [&](int i, cudaStream_t s) {
    timed_cost([&] {
      sample_set = int(rng() % uint64_t(c.input_sets()));
      load(sample_set, s);
      if (verify.count(i)) poison(s);
    });
  };
  hooks.after = [&](int i, cudaStream_t s) {
    if (verify.count(i)) timed_cost([&] { compare_now(sample_set, fmt::format("after sample {}", i), s); });
  };
  load(0, nullptr);
  ATTN_CUDA(cudaDeviceSynchronize());
  Measurement m = measure([&](cudaStream_t s) { run(p, t, s); }, opt, hooks);

  // After the loop: every set once more on poisoned outputs; the inputs must be as drawn.
  timed_cost([&] {
    for (int set = 0; set < c.input_sets(); ++set) {
      load(set, nullptr);
      poison(nullptr);
      run(p, t, nullptr);
      ATTN_CHECK_LAUNCH();
      compare_now(set, "after the timing loop", nullptr);
      if (auto why = c.inputs_changed(set, q.get(), k.get(), v.get()); !why.empty())
        throw VerificationFailed("the kernel wrote to its inputs during timing: " + why);
    }
  });
  return m;
}

}  // namespace attnlab
