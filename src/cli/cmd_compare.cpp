// attnlab compare: backends x shapes. Default matrix = the FlashAttention benchmark grid (B*S = 16k
// tokens, H*d = 2048, S in 512..16k, d in 64/128/256, causal and not, bf16). Every backend is gated on
// the same random inputs and reference, timed by the same core; prints TFLOP/s and the ratio to cuDNN,
// writes compare.json (schema: docs/evidence-schema.md) and optionally CSV.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "backends/backend.hpp"
#include "backends/torch_peer.hpp"
#include "check/inputs.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "measure/environment.hpp"
#include "measure/evaluate.hpp"
#include "runtime/device.hpp"

namespace attnlab::cli {

namespace {
struct Opts {
  std::vector<std::string> backends{"custom", "cudnn", "unfused", "torch-flash", "torch-cudnn", "cublas-qk", "cutlass-qk"};
  std::vector<int> seqlens{512, 1024, 2048, 4096, 8192, 16384};
  std::vector<int> head_dims{64, 128, 256};
  std::string mask = "both";
  std::string dtype = "bf16";
  int tokens = 16384, hidden = 2048;
  double max_time = 5;
  std::string out = "compare.json";
  std::string csv;
  std::string custom_config;
};

bool is_torch(const std::string& b) { return b.rfind("torch-", 0) == 0; }

std::string key(const nlohmann::json& pr) {
  return fmt::format("{}/{}/{}", int(pr["head_dim"]), bool(pr["causal"]) ? "causal" : "none", int(pr["seqlen_q"]));
}
}  // namespace

void add_compare(CLI::App& app) {
  auto* cmd = app.add_subcommand("compare", "Backends x shapes (the FlashAttention benchmark grid): TFLOP/s and ratio to cuDNN");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--backends", o->backends, "backends to run")->delimiter(',')->capture_default_str();
  cmd->add_option("--seqlens", o->seqlens, "sequence lengths")->delimiter(',')->check(count_in(1, kMaxSeqlen))->capture_default_str();
  cmd->add_option("--head-dims,-d", o->head_dims, "head dims")->delimiter(',')->check(count_in(1, 1024))->capture_default_str();
  cmd->add_option("--mask", o->mask, "causal | none | both")->check(CLI::IsMember({"causal", "none", "both"}));
  cmd->add_option("--dtype", o->dtype, "bf16 | fp16")->capture_default_str();
  cmd->add_option("--tokens", o->tokens, "batch * seqlen (batch = tokens / seqlen)")->check(count_in(1, INT32_MAX))->capture_default_str();
  cmd->add_option("--hidden", o->hidden, "heads * head_dim (heads = hidden / head_dim)")->check(count_in(1, INT32_MAX))->capture_default_str();
  cmd->add_option("--max-time", o->max_time, "timing limit per measurement, seconds")->check(seconds())->capture_default_str();
  cmd->add_option("--out,-o", o->out, "compare.json path")->capture_default_str();
  cmd->add_option("--csv", o->csv, "also write a CSV table");
  cmd->add_option("--custom-config", o->custom_config, "tile config of the custom backend (default: per head dim)");
  cmd->callback([o, cmd] {
    check_outputs({{"--out", o->out, OutputKind::file_in_folders, true}, {"--csv", o->csv}});
    const DType dtype = parse_dtype(o->dtype);
    const auto gemm_names = gemm_backend_names(), attention_names = attention_backend_names();
    auto is_gemm = [&](const std::string& b) { return std::find(gemm_names.begin(), gemm_names.end(), b) != gemm_names.end(); };
    if (cmd->count("--backends") == 0)  // the default list: what this build has (CUTLASS is optional)
      std::erase_if(o->backends, [&](const std::string& b) {
        return !is_gemm(b) && !is_torch(b) && std::find(attention_names.begin(), attention_names.end(), b) == attention_names.end();
      });
    for (auto& b : o->backends)
      if (!is_gemm(b) && !is_torch(b)) make_attention_backend(b);  // unknown names fail early
    if (!o->custom_config.empty()) parse_config_option("--custom-config", o->custom_config);
    for (int d : o->head_dims)
      if (!is_supported_head_dim(d)) throw UserError(fmt::format("unsupported head dim {} (supported: {})", d, supported_head_dims()));
    std::vector<AttnProblem> shapes;
    for (int d : o->head_dims)
      for (bool causal : {false, true}) {
        if ((causal && o->mask == "none") || (!causal && o->mask == "causal")) continue;
        for (int s : o->seqlens) {
          if (o->tokens % s || o->hidden % d) throw UserError(fmt::format("tokens {} / seqlen {} or hidden {} / d {} not integral", o->tokens, s, o->hidden, d));
          AttnProblem p;
          p.batch = o->tokens / s;
          p.heads = p.heads_k = o->hidden / d;
          p.seqlen_q = p.seqlen_k = s;
          p.head_dim = d;
          p.dtype = dtype;
          p.causal = causal;
          p.validate_or_throw();
          shapes.push_back(p);
        }
      }
    const DeviceInfo dev = require_device();
    const Ceilings ceilings = device_ceilings();
    fmt::print(stderr, "ceilings on {}: bf16 {:.0f} TFLOP/s, fp16 {:.0f} TFLOP/s, copy {:.0f} GB/s\n", dev.name,
               ceilings.bf16_tflops, ceilings.fp16_tflops, ceilings.copy_gbps);
    EvalOptions eo;
    eo.measure.stop.max_time_s = o->max_time;
    eo.ceilings = &ceilings;
    nlohmann::json results = nlohmann::json::array();
    std::map<std::string, std::map<std::string, double>> table;  // shape key -> backend -> TFLOP/s
    size_t step = 0;
    const size_t steps = shapes.size();
    std::vector<PeerCase> peer_cases;
    for (const auto& p : shapes) {
      ++step;
      CheckCase inputs(p, fresh_seed(), dev.arch());
      const std::string k = key(to_json(p));
      for (const auto& b : o->backends) {
        if (is_torch(b)) {
          peer_cases.push_back(PeerCase::from_problem(b, p));
          continue;
        }
        if (is_gemm(b) && p.causal) continue;  // a GEMM has no mask: timed once per shape, with the non-causal rows
        fmt::print(stderr, "[{}/{}] {} {}\n", step, steps, b, p.describe());
        EvalResult r;
        if (is_gemm(b)) {
          auto g = make_gemm_backend(b);
          r = evaluate_gemm(*g, p, eo);
        } else {
          auto a = make_attention_backend(b, b == "custom" ? o->custom_config : "");
          r = evaluate_attention(*a, inputs, eo);
        }
        if (!r.ok()) fmt::print(stderr, "  {}: {}\n", eval_status_name(r.status), r.reason);
        else table[k][b] = r.tflops;
        results.push_back(to_json(r));
      }
    }
    if (!peer_cases.empty()) {
      fmt::print(stderr, "torch peer: {} cases in one subprocess\n", peer_cases.size());
      std::string why;
      auto peer = run_torch_peer(peer_cases, o->max_time, &why);
      if (peer.empty()) fmt::print(stderr, "torch peer skipped: {}\n", why);
      for (const auto& pr : peer) {
        nlohmann::json j = peer_result_to_json(pr, ceilings);
        if (j["status"] == "ok") table[key(j["problem"])][j["backend"]] = j["tflops"];
        results.push_back(j);
      }
    }
    // Table: TFLOP/s per backend, and ratio to cuDNN where both ran.
    std::vector<std::string> cols = o->backends;
    fmt::print("{:<4} {:<6} {:>6}", "d", "mask", "S");
    for (auto& c : cols) fmt::print(" {:>11}", c);
    fmt::print("   (TFLOP/s; x = ratio to cudnn)\n");
    std::ostringstream csv;  // written whole at the end (io/atomic_file.hpp)
    const bool want_csv = !o->csv.empty();
    if (want_csv) {
      csv << "head_dim,mask,seqlen";
      for (auto& c : cols) csv << "," << c << "_tflops";
      csv << "\n";
    }
    for (const auto& p : shapes) {
      const std::string k = key(to_json(p));
      fmt::print("{:<4} {:<6} {:>6}", p.head_dim, p.causal ? "causal" : "none", p.seqlen_q);
      if (want_csv) csv << p.head_dim << "," << (p.causal ? "causal" : "none") << "," << p.seqlen_q;
      const auto& row = table[k];
      const double cudnn = row.count("cudnn") ? row.at("cudnn") : 0;
      for (auto& c : cols) {
        if (!row.count(c)) {
          fmt::print(" {:>11}", "-");
          if (want_csv) csv << ",";
          continue;
        }
        const double t = row.at(c);
        fmt::print(" {:>11}", cudnn > 0 && c != "cudnn" ? fmt::format("{:.0f} {:.2f}x", t, t / cudnn) : fmt::format("{:.0f}", t));
        if (want_csv) csv << "," << t;
      }
      fmt::print("\n");
      if (want_csv) csv << "\n";
    }
    nlohmann::json doc = {{"schema", "attnlab.compare/1"},
                          {"environment", capture_environment()},
                          {"ceilings", to_json(ceilings)},
                          {"grid", {{"tokens", o->tokens}, {"hidden", o->hidden}, {"seqlens", o->seqlens},
                                    {"head_dims", o->head_dims}, {"mask", o->mask}, {"dtype", o->dtype}}},
                          {"results", results}};
    std::error_code ec;
    if (auto dir = std::filesystem::path(o->out).parent_path(); !dir.empty()) std::filesystem::create_directories(dir, ec);
    write_file_atomic(o->out, json_text(doc, 1) + "\n");
    if (want_csv) write_file_atomic(o->csv, csv.str());
    fmt::print("wrote {} ({} results)\n", o->out, results.size());
  });
}

}  // namespace attnlab::cli
