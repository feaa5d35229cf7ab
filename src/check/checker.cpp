#include "check/checker.hpp"

#include <cstring>

#include "check/gpu_reference.hpp"
#include "check/inputs.hpp"
#include "runtime/cuda_check.hpp"

namespace attnlab {

namespace {
// FNV-1a over 64-bit words (then the tail bytes): fast enough for inputs of hundreds of MB.
uint64_t fnv(const void* data, size_t bytes) {
  uint64_t h = 1469598103934665603ull;
  const auto* p = static_cast<const unsigned char*>(data);
  size_t i = 0;
  for (uint64_t w; i + 8 <= bytes; i += 8) {
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 1099511628211ull;
  }
  for (; i < bytes; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}
uint64_t device_hash(const void* ptr, size_t bytes) {
  std::vector<unsigned char> h(bytes);
  ATTN_CUDA(cudaMemcpy(h.data(), ptr, bytes, cudaMemcpyDeviceToHost));
  return fnv(h.data(), bytes);
}
// Set B's seed: a different stream of the same recorded seed.
uint64_t set_seed(uint64_t seed, int set) { return set == 0 ? seed : (seed ^ 0x9e3779b97f4a7c15ull) * (2 * set + 1); }
}  // namespace

CheckCase::CheckCase(const AttnProblem& p, uint64_t seed, const std::string& arch, double cpu_work_limit) : problem_(p) {
  p.validate_or_throw();
  o_ = DeviceBuffer(p.q_elems() * 2);
  lse_ = DeviceBuffer(p.lse_elems() * 4);
  const double work = double(p.batch) * p.heads * p.seqlen_q * p.seqlen_k * p.head_dim;
  reference_kind_ = work <= cpu_work_limit ? "cpu-fp64" : "gpu-fp32";
  sets_.resize(kInputSets);
  for (int s = 0; s < kInputSets; ++s) {
    InputSet& set = sets_[s];
    set.seed = set_seed(seed, s);
    const HostInputs in = random_inputs(p, set.seed);
    set.q = DeviceBuffer(p.q_elems() * 2);
    set.k = DeviceBuffer(p.kv_elems() * 2);
    set.v = DeviceBuffer(p.kv_elems() * 2);
    set.q.upload(in.q.bits);
    set.k.upload(in.k.bits);
    set.v.upload(in.v.bits);
    set.q_hash = fnv(in.q.bits.data(), in.q.bits.size() * 2);
    set.k_hash = fnv(in.k.bits.data(), in.k.bits.size() * 2);
    set.v_hash = fnv(in.v.bits.data(), in.v.bits.size() * 2);
    if (reference_kind_ == "cpu-fp64") {
      set.ref = cpu_reference(p, in.q.values, in.k.values, in.v.values);
    } else {
      DeviceBuffer o32(p.q_elems() * 4), lse32(p.lse_elems() * 4);
      o32.fill_bytes(0xff);
      lse32.fill_bytes(0xff);
      gpu_reference(p, {set.q.get(), set.k.get(), set.v.get(), o32.get(), lse32.as<float>()}, arch, nullptr);
      ATTN_CUDA(cudaDeviceSynchronize());
      set.ref.o = o32.download<float>(p.q_elems());
      set.ref.lse = lse32.download<float>(p.lse_elems());
    }
  }
}

AttnTensors CheckCase::tensors(void* o, float* lse, int set) const {
  const InputSet& s = sets_.at(set);
  return {s.q.get(), s.k.get(), s.v.get(), o, lse};
}

void CheckCase::copy_inputs(int set, void* q, void* k, void* v, cudaStream_t stream) const {
  const InputSet& s = sets_.at(set);
  ATTN_CUDA(cudaMemcpyAsync(q, s.q.get(), s.q.bytes(), cudaMemcpyDeviceToDevice, stream));
  ATTN_CUDA(cudaMemcpyAsync(k, s.k.get(), s.k.bytes(), cudaMemcpyDeviceToDevice, stream));
  ATTN_CUDA(cudaMemcpyAsync(v, s.v.get(), s.v.bytes(), cudaMemcpyDeviceToDevice, stream));
}

std::string CheckCase::inputs_changed(int set, const void* q, const void* k, const void* v) const {
  const InputSet& s = sets_.at(set);
  const std::string which = std::string(" of input set ") + input_set_name(set) + " changed";
  if (device_hash(q, s.q.bytes()) != s.q_hash) return "Q" + which;
  if (device_hash(k, s.k.bytes()) != s.k_hash) return "K" + which;
  if (device_hash(v, s.v.bytes()) != s.v_hash) return "V" + which;
  return {};
}


CheckResult CheckCase::check(const std::string& name, const AttnRunner& run, std::vector<OutputSnapshot>* gated) const {
  CheckResult r;
  r.config = name;
  r.problem = problem_;
  r.seed = seed();
  r.reference = reference_kind_;
  auto run_once = [&](int set) {
    o_.fill_bytes(0xff);  // NaN in fp16, bf16 and fp32
    lse_.fill_bytes(0xff);
    run(problem_, tensors(o_.get(), lse_.as<float>(), set), nullptr);
    ATTN_CUDA(cudaDeviceSynchronize());
    return OutputSnapshot{o_.download<uint16_t>(problem_.q_elems()), lse_.download<float>(problem_.lse_elems())};
  };
  auto worse = [](ErrorStats& acc, const ErrorStats& e, bool first) {
    if (first || e.bad > acc.bad || (e.bad == acc.bad && e.max_abs > acc.max_abs)) acc = e;
  };
  try {
    std::vector<OutputSnapshot> outs;
    for (int s = 0; s < input_sets(); ++s) {
      outs.push_back(run_once(s));
      const OutputSnapshot& out = outs.back();
      std::vector<float> of(out.o.size());
      for (size_t i = 0; i < of.size(); ++i) of[i] = from_bits(problem_.dtype, out.o[i]);
      worse(r.o, compare(of.data(), sets_[s].ref.o.data(), of.size()), s == 0);
      worse(r.lse, compare(out.lse.data(), sets_[s].ref.lse.data(), out.lse.size()), s == 0);
    }
    const OutputSnapshot again = run_once(0);
    r.deterministic = again.o == outs[0].o && std::memcmp(again.lse.data(), outs[0].lse.data(), again.lse.size() * 4) == 0;
    r.output_hash = fnv(outs[0].o.data(), outs[0].o.size() * 2);
    const Tolerance tol = tolerance_for(problem_.dtype);
    r.pass = within(r.o, tol.o_max_abs, tol.o_rel_l2) && within(r.lse, tol.lse_max_abs, 1.0) && r.deterministic;
    if (r.pass && outs[0].o == outs[1].o && outs[0].lse == outs[1].lse) {
      r.pass = false;
      r.error = "outputs did not change when the inputs changed (input sets A and B gave the same O)";
    }
    for (int s = 0; s < input_sets() && r.error.empty(); ++s) {
      const InputSet& set = sets_[s];
      if (auto why = inputs_changed(s, set.q.get(), set.k.get(), set.v.get()); !why.empty()) {
        r.pass = false;
        r.error = "the kernel wrote to its inputs: " + why;
      }
    }
    if (gated && r.pass) *gated = std::move(outs);
  } catch (const std::exception& e) {
    r.error = e.what();
    r.pass = false;
  }
  // No accepted output stays in device memory for a later launch to find (the gated copies live on the host).
  try {
    o_.fill_bytes(0xff);
    lse_.fill_bytes(0xff);
  } catch (const std::exception& e) {
    if (r.error.empty()) r.error = e.what();
    r.pass = false;
  }
  return r;
}

std::vector<AttnProblem> check_shapes(DType dtype, int d, bool causal) {
  auto mk = [&](int b, int h, int hk, int sq, int sk) { return AttnProblem::make(b, h, hk, sq, sk, d, dtype, causal); };
  return {mk(1, 2, 2, 1, 1),     mk(2, 2, 2, 17, 17),     mk(1, 2, 2, 113, 203),  mk(1, 2, 2, 203, 113),
          mk(2, 2, 2, 512, 512), mk(1, 2, 2, 1000, 1000), mk(1, 2, 2, 4096, 4096), mk(2, 8, 2, 333, 517)};
}

}  // namespace attnlab
