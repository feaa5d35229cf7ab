#include "measure/compare_session.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "backends/backend.hpp"
#include "backends/torch_peer.hpp"
#include "check/inputs.hpp"
#include "core/error.hpp"
#include "measure/environment.hpp"
#include "measure/evaluate.hpp"

namespace attnlab {

namespace {
bool is_torch(const std::string& b) { return b.rfind("torch-", 0) == 0; }
bool contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }
std::string key(const AttnProblem& p) { return fmt::format("{}/{}/{}", p.head_dim, p.causal ? "causal" : "none", p.seqlen_q); }

// shape key -> column -> TFLOP/s, from the ok results.
std::map<std::string, std::map<std::string, double>> table_of(const std::vector<nlohmann::json>& results) {
  std::map<std::string, std::map<std::string, double>> t;
  for (const auto& j : results)
    if (j.value("status", "") == "ok" && j["tflops"].is_number())
      t[key(problem_from_json(j["problem"]))][j.value("column", j.value("backend", ""))] = j["tflops"].get<double>();
  return t;
}
}  // namespace

std::vector<AttnProblem> grid_shapes(const CompareGrid& g) {
  std::vector<AttnProblem> shapes;
  for (int d : g.head_dims) {
    if (!is_supported_head_dim(d)) throw UserError(fmt::format("unsupported head dim {} (supported: {})", d, supported_head_dims()));
    for (bool causal : {false, true}) {
      if ((causal && g.mask == "none") || (!causal && g.mask == "causal")) continue;
      for (int s : g.seqlens) {
        if (g.tokens % s || g.hidden % d)
          throw UserError(fmt::format("tokens {} / seqlen {} or hidden {} / d {} not integral", g.tokens, s, g.hidden, d));
        AttnProblem p = AttnProblem::make(g.tokens / s, g.hidden / d, g.hidden / d, s, s, d, g.dtype, causal);
        p.validate_or_throw();
        shapes.push_back(p);
      }
    }
  }
  return shapes;
}

nlohmann::json to_json(const CompareGrid& g) {
  return {{"tokens", g.tokens}, {"hidden", g.hidden}, {"seqlens", g.seqlens}, {"head_dims", g.head_dims},
          {"mask", g.mask}, {"dtype", dtype_name(g.dtype)}};
}

BackendSpec parse_backend_spec(const std::string& text) {
  BackendSpec b;
  const auto colon = text.find(':');
  b.name = text.substr(0, colon);
  if (colon != std::string::npos) b.options = text.substr(colon + 1);
  b.torch_peer = is_torch(b.name);
  b.gemm = contains(gemm_backend_names(), b.name);
  if (!b.torch_peer && !b.gemm) make_attention_backend(b.name, b.options);  // unknown names and options fail early
  return b;
}

std::string backend_column(const BackendSpec& b) { return b.name; }

std::vector<std::string> default_compare_backends() {
  std::vector<std::string> out;
  const auto attention = attention_backend_names(), gemm = gemm_backend_names();
  for (std::string b : {"custom", "cudnn", "unfused", "torch-flash", "torch-cudnn", "cublas-qk", "cutlass-qk"})
    if (is_torch(b) || contains(attention, b) || contains(gemm, b)) out.push_back(b);
  return out;
}

std::vector<nlohmann::json> run_compare(const CompareRequest& req) {
  auto log = [&](const std::string& s) {
    if (req.log) req.log(s);
  };
  EvalOptions eo;
  eo.measure.stop.max_time_s = req.max_time_s;
  eo.ceilings = req.ceilings;
  std::vector<nlohmann::json> results;
  std::vector<PeerCase> peer_cases;
  size_t step = 0;
  for (const auto& p : req.shapes) {
    ++step;
    CheckCase inputs(p, fresh_seed(), req.arch);
    for (const auto& b : req.backends) {
      if (b.torch_peer) {
        peer_cases.push_back(PeerCase::from_problem(b.name, p));
        continue;
      }
      if (b.gemm && p.causal) continue;  // a GEMM has no mask: timed once per shape, with the non-causal rows
      log(fmt::format("[{}/{}] {} {}", step, req.shapes.size(), b.name, p.describe()));
      EvalResult r;
      if (b.gemm) {
        auto g = make_gemm_backend(b.name);
        r = evaluate_gemm(*g, p, eo);
      } else {
        auto a = make_attention_backend(b.name, b.options);
        r = evaluate_attention(*a, inputs, eo);
      }
      if (!r.ok()) log(fmt::format("  {}: {}", eval_status_name(r.status), r.reason));
      nlohmann::json j = to_json(r);
      j["column"] = backend_column(b);
      results.push_back(j);
    }
  }
  if (!peer_cases.empty()) {
    log(fmt::format("torch peer: {} cases in one subprocess", peer_cases.size()));
    std::string why;
    auto peer = run_torch_peer(peer_cases, req.max_time_s, &why);
    if (peer.empty()) log("torch peer skipped: " + why);
    const Ceilings none;
    for (const auto& pr : peer) {
      nlohmann::json j = peer_result_to_json(pr, req.ceilings ? *req.ceilings : none);
      j["column"] = j["backend"];
      results.push_back(j);
    }
  }
  return results;
}

std::string compare_table_text(const std::vector<AttnProblem>& shapes, const std::vector<std::string>& cols,
                               const std::vector<nlohmann::json>& results) {
  auto table = table_of(results);
  std::string s = fmt::format("{:<4} {:<6} {:>6}", "d", "mask", "S");
  for (auto& c : cols) s += fmt::format(" {:>11}", c);
  s += "   (TFLOP/s; x = ratio to cudnn)\n";
  for (const auto& p : shapes) {
    s += fmt::format("{:<4} {:<6} {:>6}", p.head_dim, p.causal ? "causal" : "none", p.seqlen_q);
    const auto& row = table[key(p)];
    const double cudnn = row.count("cudnn") ? row.at("cudnn") : 0;
    for (auto& c : cols) {
      if (!row.count(c)) {
        s += fmt::format(" {:>11}", "-");
        continue;
      }
      const double t = row.at(c);
      s += fmt::format(" {:>11}", cudnn > 0 && c != "cudnn" ? fmt::format("{:.0f} {:.2f}x", t, t / cudnn) : fmt::format("{:.0f}", t));
    }
    s += "\n";
  }
  return s;
}

std::string compare_csv(const std::vector<AttnProblem>& shapes, const std::vector<std::string>& cols,
                        const std::vector<nlohmann::json>& results) {
  auto table = table_of(results);
  std::ostringstream csv;
  csv << "head_dim,mask,seqlen";
  for (auto& c : cols) csv << "," << c << "_tflops";
  csv << "\n";
  for (const auto& p : shapes) {
    csv << p.head_dim << "," << (p.causal ? "causal" : "none") << "," << p.seqlen_q;
    const auto& row = table[key(p)];
    for (auto& c : cols) {
      csv << ",";
      if (row.count(c)) csv << row.at(c);
    }
    csv << "\n";
  }
  return csv.str();
}

nlohmann::json compare_document(const CompareGrid& grid, const Ceilings& ceilings, const std::vector<nlohmann::json>& results) {
  return {{"schema", "attnlab.compare/1"},
          {"environment", capture_environment()},
          {"ceilings", to_json(ceilings)},
          {"grid", to_json(grid)},
          {"results", results}};
}

}  // namespace attnlab
