#include "search/microbench.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include <fmt/format.h>

#include "backends/custom/flash_kernel.hpp"
#include "check/inputs.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/json_text.hpp"
#include "measure/timer.hpp"
#include "runtime/cuda_check.hpp"
#include "runtime/device.hpp"
#include "runtime/device_buffer.hpp"

namespace attnlab {

std::vector<MicroResult> run_microbench(const std::vector<TileConfig>& configs, const MicroOptions& opt) {
  const DeviceInfo dev = require_device();
  std::vector<MicroResult> out;
  MeasureOptions mo;
  mo.stop.max_time_s = opt.max_time_s;
  mo.stop.min_time_s = 0.2;
  mo.flush_l2 = false;  // the shared K/V head is meant to stay in L2: this measures the on-chip pipeline
  for (const auto& cfg : configs) {
    MicroResult r;
    r.config = cfg;
    r.smem_bytes = cfg.smem_bytes(opt.head_dim);
    try {
      FlashKernel k(cfg, opt.dtype, opt.head_dim, dev.arch(), FlashVariant::micro);
      r.registers = k.compiled().resources.registers;
      r.spill_bytes = k.compiled().resources.spill_stores;
      r.ctas_per_sm = k.max_active_ctas_per_sm();
      if (r.ctas_per_sm < 1) throw std::runtime_error("config does not fit on an SM");
      r.tiles = (opt.keys + cfg.tile_cols() - 1) / cfg.tile_cols();
      // One wave: one m-block per head (a cluster's worth of m-blocks with clusters), all heads on one shared
      // K/V head.
      const long long slots = (long long)dev.sm_count * r.ctas_per_sm;
      AttnProblem p;
      p.seqlen_q = cfg.tile_rows();
      p.seqlen_k = opt.keys;
      const int per_head = int(launch_dims(cfg, p, slots).cluster.x);
      p.batch = 1;
      p.heads = std::max(1, dev.sm_count * r.ctas_per_sm / per_head);
      p.heads_k = 1;
      p.seqlen_q = cfg.tile_rows() * per_head;
      p.head_dim = opt.head_dim;
      p.dtype = opt.dtype;
      r.ctas = int(launch_dims(cfg, p, slots).ctas());
      const uint64_t seed = fresh_seed();
      DeviceBuffer q(p.q_elems() * 2), kv(p.kv_elems() * 2), v(p.kv_elems() * 2), o(p.q_elems() * 2),
          lse(p.lse_elems() * 4), cycles(size_t(r.ctas) * 8);
      q.upload(random_tensor(p.dtype, p.q_elems(), seed).bits);
      kv.upload(random_tensor(p.dtype, p.kv_elems(), seed + 1).bits);
      v.upload(random_tensor(p.dtype, p.kv_elems(), seed + 2).bits);
      const AttnTensors t{q.get(), kv.get(), v.get(), o.get(), lse.as<float>()};
      auto* cyc = cycles.as<long long>();
      Measurement m = measure([&](cudaStream_t s) { k.run(p, t, s, cyc); }, mo);
      ATTN_CUDA(cudaDeviceSynchronize());
      auto c = cycles.download<long long>(r.ctas);
      r.cycles_per_tile = std::accumulate(c.begin(), c.end(), 0.0) / c.size() / r.tiles;
      r.wave_us = m.stats.median;
      r.tflops = p.flops() / (m.stats.median * 1e-6) / 1e12;
      r.sm_clock_mhz = m.mean_sm_clock_mhz;
    } catch (const std::exception& e) {
      r.error = e.what();
      cudaGetLastError();
    }
    out.push_back(r);
  }
  return out;
}

namespace {
std::vector<double> ranks(const std::vector<double>& x) {
  std::vector<size_t> idx(x.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && x[idx[j + 1]] == x[idx[i]]) ++j;
    for (size_t k = i; k <= j; ++k) r[idx[k]] = (i + j) / 2.0 + 1;  // average rank of a tie
    i = j + 1;
  }
  return r;
}
}  // namespace

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 3) return std::nan("");
  const auto ra = ranks(a), rb = ranks(b);
  const double n = a.size(), ma = (n + 1) / 2;
  double cov = 0, va = 0, vb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    cov += (ra[i] - ma) * (rb[i] - ma);
    va += (ra[i] - ma) * (ra[i] - ma);
    vb += (rb[i] - ma) * (rb[i] - ma);
  }
  return va > 0 && vb > 0 ? cov / std::sqrt(va * vb) : std::nan("");
}

nlohmann::json micro_json(const std::vector<MicroResult>& results, int top_k, const MicroOptions& opt,
                          const nlohmann::json& environment, const nlohmann::json& correlation) {
  std::vector<MicroResult> ok;
  for (auto& r : results)
    if (r.error.empty()) ok.push_back(r);
  std::sort(ok.begin(), ok.end(), [](const MicroResult& a, const MicroResult& b) { return a.tflops > b.tflops; });
  auto row = [](const MicroResult& r) {
    return nlohmann::json{{"config", r.config.name()}, {"tflops", r.tflops}, {"wave_us", r.wave_us},
                          {"cycles_per_tile", r.cycles_per_tile}, {"ctas_per_sm", r.ctas_per_sm}, {"ctas", r.ctas},
                          {"tiles", r.tiles}, {"registers", r.registers}, {"spill_bytes", r.spill_bytes},
                          {"smem_bytes", r.smem_bytes}, {"sm_clock_mhz", r.sm_clock_mhz}, {"error", r.error}};
  };
  nlohmann::json top = nlohmann::json::array(), all = nlohmann::json::array();
  for (size_t i = 0; i < ok.size() && int(i) < top_k; ++i) top.push_back(row(ok[i]));
  for (auto& r : results) all.push_back(row(r));
  return {{"schema", "attnlab.micro/1"},
          {"problem", {{"head_dim", opt.head_dim}, {"dtype", dtype_name(opt.dtype)}, {"keys", opt.keys},
                       {"note", "one wave of CTAs, one m-block each, all sharing one K/V head"}}},
          {"top_k", top},
          {"results", all},
          {"rank_correlation", correlation},
          {"environment", environment}};
}

std::vector<TileConfig> read_micro_best(const std::string& path) {
  const nlohmann::json j = read_json_file(path, size_t(64) << 20);  // "<path>: <why not>"
  if (!j.is_object() || j.value("schema", nlohmann::json()) != "attnlab.micro/1" || !j.contains("top_k") ||
      !j["top_k"].is_array())
    throw UserError(path + ": not a micro_best.json (an object with schema attnlab.micro/1 and a top_k array)");
  std::vector<TileConfig> out;
  for (size_t i = 0; i < j["top_k"].size(); ++i)
    out.push_back(with_context(fmt::format("{}: top_k[{}].config", path, i), [&] {
      return TileConfig::parse(j["top_k"][i].at("config").get<std::string>());
    }));
  if (out.empty()) throw UserError(path + ": top_k is empty");
  return out;
}

}  // namespace attnlab
