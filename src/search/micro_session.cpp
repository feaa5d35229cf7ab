#include "search/micro_session.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "backends/backend.hpp"
#include "backends/custom/flash_kernel.hpp"
#include "check/inputs.hpp"
#include "measure/evaluate.hpp"

namespace attnlab {

MicroRanking run_micro_ranking(const MicroRankingRequest& req) {
  auto log = [&](const std::string& s) {
    if (req.log) req.log(s);
  };
  {  // compile every variant in parallel first (cached on disk)
    std::vector<CompileJob> jobs;
    for (auto& c : req.configs) {
      jobs.push_back({c, req.micro.dtype, req.micro.head_dim, FlashVariant::micro});
      if (req.full) jobs.push_back({c, req.micro.dtype, req.micro.head_dim, FlashVariant::full});
    }
    precompile(jobs, req.arch);
  }
  MicroRanking out;
  out.results = run_microbench(req.configs, req.micro);
  out.full_tflops.assign(out.results.size(), 0.0);
  out.correlation = nullptr;
  if (!req.full) return out;
  CheckCase inputs(*req.full, fresh_seed(), req.arch);
  EvalOptions eo;
  eo.measure.stop.max_time_s = req.micro.max_time_s;
  std::vector<double> a, b;
  for (size_t i = 0; i < out.results.size(); ++i) {
    if (!out.results[i].error.empty()) continue;
    auto backend = make_attention_backend("custom", out.results[i].config.name());
    EvalResult r = evaluate_attention(*backend, inputs, eo);
    if (!r.ok()) {
      log(fmt::format("{}: full kernel {}: {}", out.results[i].config.name(), eval_status_name(r.status), r.reason));
      continue;
    }
    out.full_tflops[i] = r.tflops;
    a.push_back(out.results[i].tflops);
    b.push_back(r.tflops);
  }
  const double rho = spearman(a, b);
  out.correlation = {{"spearman", std::isnan(rho) ? nlohmann::json(nullptr) : nlohmann::json(rho)},
                     {"pairs", a.size()},
                     {"full_problem", to_json(*req.full)}};
  nlohmann::json full_rows = nlohmann::json::array();
  for (size_t i = 0; i < out.results.size(); ++i)
    if (out.full_tflops[i] > 0) full_rows.push_back({{"config", out.results[i].config.name()}, {"tflops", out.full_tflops[i]}});
  out.correlation["full_tflops"] = full_rows;
  return out;
}

std::string micro_table_text(const MicroRanking& m) {
  const bool full = !m.correlation.is_null();
  std::string s = fmt::format("{:<22} {:>5} {:>6} {:>10} {:>9} {:>9} {:>5}{}\n", "config", "regs", "spill", "cyc/tile",
                              "CTAs/SM", "micro TF", "", full ? "  full TF" : "");
  std::vector<size_t> order(m.results.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return m.results[x].tflops > m.results[y].tflops; });
  for (size_t i : order) {
    const auto& r = m.results[i];
    if (!r.error.empty()) {
      s += fmt::format("{:<22} error: {}\n", r.config.name(), r.error);
      continue;
    }
    s += fmt::format("{:<22} {:>5} {:>6} {:>10.0f} {:>9} {:>9.1f} {:>5}{}\n", r.config.name(), r.registers, r.spill_bytes,
                     r.cycles_per_tile, r.ctas_per_sm, r.tflops, "", full ? fmt::format("  {:7.1f}", m.full_tflops[i]) : "");
  }
  if (full && !m.correlation["spearman"].is_null()) {
    const double rho = m.correlation["spearman"];
    s += fmt::format("Spearman rank correlation micro vs full kernel ({} configs, {}): {:.3f}{}\n", int(m.correlation["pairs"]),
                     problem_from_json(m.correlation["full_problem"]).describe(), rho,
                     rho < 0.7 ? "  -- below 0.7: the microbenchmark does not predict the full kernel well" : "");
  }
  return s;
}

}  // namespace attnlab
