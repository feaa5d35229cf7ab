#include "check/check_matrix.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "check/inputs.hpp"
#include "core/records_json.hpp"

namespace attnlab {

namespace {
std::string shape_label(const AttnProblem& p) {
  return fmt::format("B{} H{}:{} {}x{}", p.batch, p.heads, p.heads_k, p.seqlen_q, p.seqlen_k);
}
}  // namespace

int CheckMatrixResult::failed() const {
  return int(std::count_if(results.begin(), results.end(), [](const CheckResult& r) { return !r.pass; }));
}

CheckMatrixResult run_check_matrix(const CheckMatrixRequest& req, const std::function<void(const CheckRow&)>& on_row) {
  CheckMatrixResult out;
  for (DType dt : req.dtypes)
    for (int d : req.head_dims) {
      const std::vector<CheckTarget> targets = req.targets(dt, d);
      for (bool causal : req.masks)
        for (const auto& p : check_shapes(dt, d, causal)) {
          CheckRow row{dt, d, causal, p};
          row.seed = req.seed ? req.seed : fresh_seed();
          const CheckCase cc(p, row.seed, req.arch);
          row.reference = cc.reference_kind();
          for (const auto& t : targets) {
            const CheckResult r = cc.check(t.name, t.run);
            out.results.push_back(r);
            ++row.targets;
            row.passed += r.pass;
            row.o_max_abs = std::max(row.o_max_abs, r.o.max_abs);
            row.o_rel_l2 = std::max(row.o_rel_l2, r.o.rel_l2);
            row.lse_max_abs = std::max(row.lse_max_abs, r.lse.max_abs);
          }
          out.rows.push_back(row);
          if (on_row) on_row(row);
        }
    }
  return out;
}

std::string check_matrix_header(const std::string& device, const std::string& arch) {
  return fmt::format("attnlab check on {} ({}), tolerances: bf16 O max-abs {} rel-L2 {}, fp16 O max-abs {} rel-L2 {}, LSE {}\n",
                     device, arch, tolerance_for(DType::bf16).o_max_abs, tolerance_for(DType::bf16).o_rel_l2,
                     tolerance_for(DType::f16).o_max_abs, tolerance_for(DType::f16).o_rel_l2,
                     tolerance_for(DType::bf16).lse_max_abs) +
         fmt::format("{:<5} {:>4} {:<6} {:<20} {:>8} {:>10} {:>10} {:>10} {:<9} {}\n", "dtype", "d", "mask", "shape", "pass",
                     "O maxabs", "O relL2", "LSE maxabs", "ref", "seed");
}

std::string check_row_line(const CheckRow& r) {
  return fmt::format("{:<5} {:>4} {:<6} {:<20} {:>4}/{:<3} {:>10.2e} {:>10.2e} {:>10.2e} {:<9} {}\n", dtype_name(r.dtype),
                     r.head_dim, r.causal ? "causal" : "none", shape_label(r.problem), r.passed, r.targets, r.o_max_abs,
                     r.o_rel_l2, r.lse_max_abs, r.reference, r.seed);
}

std::string check_failures_text(const CheckMatrixResult& res) {
  std::string s;
  for (const auto& r : res.results)
    if (!r.pass)
      s += fmt::format("FAIL {} {} {} seed={}: O maxabs {:.2e} relL2 {:.2e} bad {}, LSE maxabs {:.2e} bad {}, deterministic {}{}\n",
                       r.config, r.problem.describe(), shape_label(r.problem), r.seed, r.o.max_abs, r.o.rel_l2, r.o.bad,
                       r.lse.max_abs, r.lse.bad, r.deterministic, r.error.empty() ? "" : ", error: " + r.error);
  return s;
}

std::string check_summary_line(const CheckMatrixResult& r) {
  return fmt::format("{} of {} checks passed\n", int(r.results.size()) - r.failed(), r.results.size());
}

nlohmann::json check_matrix_json(const CheckMatrixResult& r) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& c : r.results) all.push_back(to_json(c));
  return all;
}

}  // namespace attnlab
