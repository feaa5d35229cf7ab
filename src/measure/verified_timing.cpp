#include "measure/verified_timing.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include "check/buffer_hash.hpp"
#include "check/sample_protocol.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab {

namespace {
uint64_t fresh_random() {
  std::random_device rd;
  return (uint64_t(rd()) << 32) ^ rd();
}

// The timed buffers: Q/K/V at fixed addresses, and one (O, LSE) pair per launch of a sample (graph mode
// captures several launches: each writes its own outputs, so no launch starts from another's result).
class TimedBuffers : public SampleDevice {
 public:
  TimedBuffers(const CheckCase& c, int launches)
      : c_(c), q_(c.problem().q_elems() * 2), k_(c.problem().kv_elems() * 2), v_(c.problem().kv_elems() * 2) {
    const AttnProblem& p = c.problem();
    for (int l = 0; l < launches; ++l) {
      o_.emplace_back(p.q_elems() * 2);
      lse_.emplace_back(p.lse_elems() * 4);
      ranges_.push_back({o_.back().get(), o_.back().bytes()});
      ranges_.push_back({lse_.back().get(), lse_.back().bytes()});
    }
    ranges_.insert(ranges_.end(), {{q_.get(), q_.bytes()}, {k_.get(), k_.bytes()}, {v_.get(), v_.bytes()}});
  }
  AttnTensors tensors(int launch) const {
    return {q_.get(), k_.get(), v_.get(), o_.at(launch).get(), lse_.at(launch).as<float>()};
  }
  // The hashes a correct sample on `set` leaves: the gated output in every output buffer, the set's inputs.
  std::vector<uint64_t> expected_hashes(int set, const OutputSnapshot& gated, uint64_t key) {
    load_inputs(set, nullptr);
    for (size_t l = 0; l < o_.size(); ++l) {
      o_[l].upload(gated.o);
      lse_[l].upload(gated.lse);
    }
    return hasher_.hash(ranges_, key, nullptr);
  }
  void load_inputs(int set, cudaStream_t s) override { c_.copy_inputs(set, q_.get(), k_.get(), v_.get(), s); }
  void poison_outputs(cudaStream_t s) override {
    for (size_t l = 0; l < o_.size(); ++l) {
      ATTN_CUDA(cudaMemsetAsync(o_[l].get(), 0xff, o_[l].bytes(), s));
      ATTN_CUDA(cudaMemsetAsync(lse_[l].get(), 0xff, lse_[l].bytes(), s));
    }
  }
  std::vector<uint64_t> hash_buffers(uint64_t key, cudaStream_t s) override { return hasher_.hash(ranges_, key, s); }
  OutputSnapshot download(int launch) override {
    const AttnProblem& p = c_.problem();
    return {o_.at(launch).download<uint16_t>(p.q_elems()), lse_.at(launch).download<float>(p.lse_elems())};
  }

 private:
  const CheckCase& c_;
  DeviceBuffer q_, k_, v_;
  std::vector<DeviceBuffer> o_, lse_;
  std::vector<DeviceRange> ranges_;
  BufferHasher hasher_;
};
}  // namespace

Measurement time_verified(const AttnRunner& run, const CheckCase& c, const std::vector<OutputSnapshot>& gated,
                          VerifyMode mode, const MeasureOptions& opt, TimedVerifyReport& report) {
  const AttnProblem& p = c.problem();
  if (int(gated.size()) != c.input_sets()) throw std::logic_error("time_verified: no gated output for every input set");
  report = {};
  report.mode = mode;
  report.method = mode == VerifyMode::bitwise ? kEverySampleHashed : kToleranceSampled;
  using clock = std::chrono::steady_clock;
  auto timed_cost = [&](auto&& body) {
    const auto t0 = clock::now();
    body();
    report.cost_s += std::chrono::duration<double>(clock::now() - t0).count();
  };
  const int launches = std::max(1, opt.graph_reps);
  TimedBuffers buffers(c, launches);
  // Tolerance mode compares about 4 of the first min_samples samples, each chosen after it has run.
  SampleProtocol protocol(buffers, launches, mode, p.dtype, 4.0 / std::max(1, opt.stop.min_samples), fresh_random());
  timed_cost([&] {
    for (int set = 0; set < c.input_sets(); ++set)
      protocol.expect({&gated[set], &c.reference(set), buffers.expected_hashes(set, gated[set], protocol.key())});
    buffers.poison_outputs(nullptr);
    ATTN_CUDA(cudaDeviceSynchronize());
  });
  SampleHooks hooks;
  hooks.before = [&](int i, cudaStream_t s) { timed_cost([&] { protocol.before_sample(i, s); }); };
  hooks.after = [&](int i, cudaStream_t s) { timed_cost([&] { protocol.after_sample(i, s); }); };
  hooks.before_warmup = [&](cudaStream_t s) { timed_cost([&] { protocol.before_warmup(s); }); };
  Measurement m = measure([&](cudaStream_t s, int launch) { run(p, buffers.tensors(launch), s); }, opt, hooks);
  report.samples = protocol.samples();
  report.samples_checked = protocol.samples_checked();
  return m;
}

}  // namespace attnlab
