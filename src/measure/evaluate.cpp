#include "measure/evaluate.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "check/buffer_hash.hpp"
#include "check/inputs.hpp"
#include "measure/verified_timing.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab {

namespace {
void finish(EvalResult& r, const EvalOptions& opt, DType dtype) {
  r.tflops = r.flops / (r.timing->stats.median * 1e-6) / 1e12;
  if (opt.ceilings) {
    const double peak = opt.ceilings->tensor_tflops(dtype);
    r.pct_of_peak = peak > 0 ? 100.0 * r.tflops / peak : 0;
    reject_above_ceiling(r.tflops, opt.ceilings->tensor_tflops_bound(dtype),
                         fmt::format("{} TFLOP/s on {}", r.backend, r.problem.describe()));
  }
}
// Runs body; a backend that throws is an "error" result (the CUDA error cleared), except a measurement
// error, which stops the whole command.
template <class Body>
void run_guarded(EvalResult& r, Body&& body) {
  try {
    body();
  } catch (const MeasurementError&) {
    throw;
  } catch (const VerificationFailed& e) {
    r.status = EvalStatus::failed;
    r.reason = e.what();
    r.timing.reset();
    r.verified.reset();
  } catch (const std::exception& e) {
    r.status = EvalStatus::error;
    r.reason = e.what();
    cudaGetLastError();
  }
}
}  // namespace

EvalResult evaluate_attention(AttentionBackend& b, const CheckCase& inputs, const EvalOptions& opt) {
  EvalResult r;
  r.backend = b.name();
  r.problem = inputs.problem();
  r.flops = r.problem.flops();
  if (auto why = b.supports(r.problem); !why.empty()) {
    r.status = EvalStatus::skipped;
    r.reason = why;
    return r;
  }
  run_guarded(r, [&] {
    b.prepare(r.problem);
    r.describe = b.describe();
    auto runner = [&b](const AttnProblem& p, const AttnTensors& t, cudaStream_t s) { b.run(p, t, s); };
    std::vector<OutputSnapshot> gated;
    if (opt.check) {
      const auto t0 = std::chrono::steady_clock::now();
      r.check = inputs.check(b.name(), runner, &gated);
      r.gate_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!r.check->pass) {
        r.status = EvalStatus::failed;
        r.reason = r.check->error.empty()
                       ? fmt::format("check failed: O max-abs {:.2e} rel-L2 {:.2e} bad {}, LSE max-abs {:.2e}, deterministic {}",
                                     r.check->o.max_abs, r.check->o.rel_l2, r.check->o.bad, r.check->lse.max_abs,
                                     r.check->deterministic)
                       : r.check->error;
        return;
      }
    }
    if (!gated.empty()) {
      TimedVerifyReport v;
      const VerifyMode mode = r.check->deterministic ? VerifyMode::bitwise : VerifyMode::tolerance;
      r.timing = time_verified(runner, inputs, gated, mode, opt.measure, v);
      r.verified = v;
    } else {
      DeviceBuffer o(r.problem.q_elems() * 2), lse(r.problem.lse_elems() * 4);
      const AttnTensors t = inputs.tensors(o.get(), lse.as<float>());
      r.timing = measure([&](cudaStream_t s) { b.run(r.problem, t, s); }, opt.measure);
    }
    finish(r, opt, r.problem.dtype);
  });
  return r;
}

EvalResult evaluate_gemm(GemmBackend& g, const AttnProblem& shape, const EvalOptions& opt) {
  EvalResult r;
  r.kind = "gemm";
  r.backend = g.name();
  r.problem = shape;
  GemmProblem gp{shape.batch * shape.heads, shape.seqlen_q, shape.seqlen_k, shape.head_dim, shape.dtype};
  r.flops = gp.flops();
  if (auto why = g.supports(gp); !why.empty()) {
    r.status = EvalStatus::skipped;
    r.reason = why;
    return r;
  }
  run_guarded(r, [&] {
    g.prepare(gp);
    r.describe = g.describe();
    const uint64_t seed = fresh_seed();
    const int64_t a_elems = int64_t(gp.batch) * gp.m * gp.k, b_elems = int64_t(gp.batch) * gp.n * gp.k;
    HostTensor16 a = random_tensor(gp.dtype, a_elems, seed * 2 + 1), bt = random_tensor(gp.dtype, b_elems, seed * 2 + 2);
    DeviceBuffer da(a_elems * 2), db(b_elems * 2), dc(size_t(gp.batch) * gp.m * gp.n * 4);
    da.upload(a.bits);
    db.upload(bt.bits);
    dc.fill_bytes(0xff);
    g.run(gp, da.get(), db.get(), dc.as<float>(), nullptr);
    ATTN_CUDA(cudaDeviceSynchronize());
    // Sampled rows (always including the last row of the last batch): checked against a CPU fp64 GEMM; timed
    // samples are then compared with the gated C bit for bit through keyed hashes (cuBLAS is deterministic per plan).
    std::mt19937_64 rng(seed);
    std::vector<std::pair<int, int>> rows;
    for (int s = 0; s < 64; ++s) rows.emplace_back(s == 0 ? gp.batch - 1 : int(rng() % gp.batch), s == 0 ? gp.m - 1 : int(rng() % gp.m));
    auto read_rows = [&](const DeviceBuffer& c) {
      std::vector<float> out(rows.size() * gp.n);
      for (size_t s = 0; s < rows.size(); ++s)
        ATTN_CUDA(cudaMemcpy(out.data() + s * gp.n, c.as<float>() + (int64_t(rows[s].first) * gp.m + rows[s].second) * gp.n,
                             gp.n * 4, cudaMemcpyDeviceToHost));
      return out;
    };
    const std::vector<float> gated = read_rows(dc);
    if (opt.check) {
      CheckResult c;
      c.config = g.name();
      c.problem = shape;
      c.seed = seed;
      c.reference = "cpu-fp64-sampled-rows";
      std::vector<float> ref;
      for (auto [bi, row] : rows)
        for (int j = 0; j < gp.n; ++j) {
          double acc = 0;
          for (int kk = 0; kk < gp.k; ++kk)
            acc += double(a.values[(int64_t(bi) * gp.m + row) * gp.k + kk]) * bt.values[(int64_t(bi) * gp.n + j) * gp.k + kk];
          ref.push_back(float(acc));
        }
      c.o = compare(gated.data(), ref.data(), gated.size());
      c.deterministic = true;
      c.pass = c.o.bad == 0 && c.o.rel_l2 <= 1e-4;  // fp32 accumulation of exact bf16/fp16 products
      r.check = c;
      if (!c.pass) {
        r.status = EvalStatus::failed;
        r.reason = fmt::format("check failed: S max-abs {:.2e} rel-L2 {:.2e} bad {}", c.o.max_abs, c.o.rel_l2, c.o.bad);
        return;
      }
    } else {
      r.timing = measure([&](cudaStream_t s) { g.run(gp, da.get(), db.get(), dc.as<float>(), s); }, opt.measure);
      finish(r, opt, gp.dtype);
      return;
    }
    // Every sample as for attention (check/sample_protocol.hpp): every C poisoned before it (one C per launch
    // of a graph), keyed hashes of every C, A and B after it, compared with the gated C's and the inputs'.
    TimedVerifyReport v{VerifyMode::bitwise, "every sample: C poisoned before it, keyed hashes of C, A, B compared after it"};
    const auto t0 = std::chrono::steady_clock::now();
    const int launches = std::max(1, opt.measure.graph_reps);
    std::vector<DeviceBuffer> cs;
    cs.push_back(std::move(dc));
    for (int l = 1; l < launches; ++l) {
      cs.emplace_back(cs[0].bytes());
      ATTN_CUDA(cudaMemcpy(cs[l].get(), cs[0].get(), cs[0].bytes(), cudaMemcpyDeviceToDevice));
    }
    std::vector<DeviceRange> ranges;
    for (auto& c : cs) ranges.push_back({c.get(), c.bytes()});
    ranges.insert(ranges.end(), {{da.get(), da.bytes()}, {db.get(), db.bytes()}});
    BufferHasher hasher;
    const uint64_t key = fresh_seed() * 0x9e3779b97f4a7c15ull + std::random_device{}();
    const std::vector<uint64_t> expected = hasher.hash(ranges, key, nullptr);
    for (auto& c : cs) c.fill_bytes(0xff);
    v.cost_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    SampleHooks hooks;
    hooks.before = [&](int, cudaStream_t s) {
      const auto t = std::chrono::steady_clock::now();
      for (auto& c : cs) ATTN_CUDA(cudaMemsetAsync(c.get(), 0xff, c.bytes(), s));
      v.cost_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    };
    hooks.after = [&](int i, cudaStream_t s) {
      const auto t = std::chrono::steady_clock::now();
      const std::vector<uint64_t> got = hasher.hash(ranges, key, s);
      for (int in = 0; in < 2; ++in)
        if (got[launches + in] != expected[launches + in])
          throw VerificationFailed(fmt::format("the GEMM wrote to its inputs during timing (at sample {}): {} changed", i, "AB"[in]));
      for (int l = 0; l < launches; ++l)
        if (got[l] != expected[l]) {
          const std::vector<float> timed = read_rows(cs[l]);
          size_t differ = 0;
          for (size_t e = 0; e < timed.size(); ++e) differ += std::memcmp(&timed[e], &gated[e], 4) != 0;
          throw VerificationFailed(fmt::format("timed output differs from gated output at sample {}{}: {} of {} sampled S "
                                               "elements differ, the hash of C differs (every sample is checked)",
                                               i, launches > 1 ? fmt::format(" (launch {} of its graph)", l) : "",
                                               differ, timed.size()));
        }
      ++v.samples;
      ++v.samples_checked;
      v.cost_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    };
    r.timing = measure([&](cudaStream_t s, int l) { g.run(gp, da.get(), db.get(), cs[l].as<float>(), s); }, opt.measure, hooks);
    r.verified = v;
    finish(r, opt, gp.dtype);
  });
  return r;
}

}  // namespace attnlab

namespace attnlab {

nlohmann::json peer_result_to_json(const PeerResult& r, const Ceilings& ceilings) {
  const AttnProblem p = r.c.problem();
  nlohmann::json j = {{"backend", r.c.backend}, {"describe", r.describe()}, {"kind", "attention"},
                      {"problem", to_json(p)}, {"status", r.status}, {"reason", r.reason},
                      {"flops", p.flops()}, {"note", r.note}};
  if (r.check) {
    const auto& c = *r.check;
    j["check"] = {{"pass", c.pass}, {"seed", c.seed}, {"reference", c.reference}, {"subset", c.subset},
                  {"o_max_abs", std::isnan(c.o_max_abs) ? nlohmann::json(nullptr) : nlohmann::json(c.o_max_abs)},
                  {"o_rel_l2", std::isnan(c.o_rel_l2) ? nlohmann::json(nullptr) : nlohmann::json(c.o_rel_l2)},
                  {"o_bad", c.bad}, {"deterministic", c.deterministic ? nlohmann::json(*c.deterministic) : nlohmann::json(nullptr)}};
  } else {
    j["check"] = nullptr;
  }
  j["timing"] = nullptr;
  j["tflops"] = nullptr;
  j["pct_of_peak"] = nullptr;
  if (r.ok() && r.timing && r.tflops) {
    const auto& t = *r.timing;
    j["timing"] = {{"median_us", t.median_us}, {"min_us", t.min_us},     {"q1_us", t.q1_us},
                   {"q3_us", t.q3_us},         {"max_us", t.max_us},     {"mean_us", t.mean_us},
                   {"rel_stdev", t.rel_stdev}, {"samples", t.samples},   {"stop", t.stop},
                   {"warning", t.warning},     {"clock_source", "none"}, {"host_guard_us", t.host_guard_us},
                   {"raw_us", t.raw_us},       {"method", t.method},     {"host_overhead", t.host_overhead}};
    j["timing"]["kernel_sum_us"] = t.kernel_sum_us ? nlohmann::json(*t.kernel_sum_us) : nlohmann::json(nullptr);
    j["verified"] = t.verified ? nlohmann::json{{"mode", t.verified->mode}, {"method", t.verified->method},
                                                 {"samples", t.verified->samples}, {"samples_checked", t.verified->samples},
                                                 {"cost_s", t.verified->cost_s}}
                               : nlohmann::json(nullptr);
    j["tflops"] = *r.tflops;
    const double peak = ceilings.tensor_tflops(p.dtype);
    if (peak > 0) {
      j["pct_of_peak"] = 100.0 * *r.tflops / peak;
      reject_above_ceiling(*r.tflops, ceilings.tensor_tflops_bound(p.dtype),
                           fmt::format("{} TFLOP/s on {}", r.c.backend, p.describe()));
    }
  }
  return j;
}

}  // namespace attnlab
