#include "profile/profile.hpp"

#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "backends/custom/tile_config.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "measure/ceilings.hpp"
#include "profile/metric_sets.hpp"
#include "profile/ncu.hpp"
#include "runtime/device.hpp"
#include "runtime/embedded_kernels.hpp"
#include "store/results_db.hpp"

namespace fs = std::filesystem;

namespace attnlab::profile {

std::vector<ProfiledKernel> judge_kernels(const std::vector<NcuKernel>& kernels, double flops, double peak_tflops,
                                          double dram_gbps) {
  size_t longest = 0;
  for (size_t i = 0; i < kernels.size(); ++i)
    if (kernels[i].metric(metric::kDuration).value_or(0) > kernels[longest].metric(metric::kDuration).value_or(0))
      longest = i;
  std::vector<ProfiledKernel> out;
  for (size_t i = 0; i < kernels.size(); ++i) {
    VerdictInput in{kernels[i].metrics, i == longest ? flops : 0, peak_tflops, dram_gbps};
    out.push_back({kernels[i], classify(in), i == longest});
  }
  return out;
}

std::string launch_description(const std::string& out) {
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(kDescribePrefix, 0) == 0) return line.substr(std::string(kDescribePrefix).size());
  return {};
}

std::string profile_stem(const std::string& backend, const AttnProblem& p) {
  return fmt::format("{}_B{}_H{}_S{}{}_d{}_{}{}", backend, p.batch, p.heads, p.seqlen_q,
                     p.seqlen_k == p.seqlen_q ? "" : fmt::format("x{}", p.seqlen_k), p.head_dim, dtype_name(p.dtype),
                     p.causal ? "_causal" : "");
}

nlohmann::json to_json(const ProfileResult& r) {
  nlohmann::json ks = nlohmann::json::array();
  for (const auto& k : r.kernels)
    ks.push_back({{"id", k.kernel.id}, {"name", k.kernel.name}, {"block", k.kernel.block_size},
                  {"grid", k.kernel.grid_size}, {"main", k.main}, {"metrics", k.kernel.metrics},
                  {"units", k.kernel.units}, {"unavailable", k.kernel.unavailable}, {"verdict", to_json(k.verdict)}});
  return {{"schema", "attnlab.profile/1"}, {"backend", r.backend}, {"describe", r.describe}, {"arch", r.arch},
          {"shape", r.shape}, {"metric_set", r.metric_set}, {"flops", r.flops},
          {"ceilings", {{"tensor_tflops", r.peak_tflops}, {"copy_gbps", r.dram_gbps}}},
          {"dropped_metrics", r.dropped_metrics}, {"csv", r.csv_path}, {"kernels", ks}};
}

void print_profile(const ProfileResult& r, std::FILE* out) {
  fmt::print(out, "{} [{}] {} ({} metrics) -> {}\n", r.backend, r.describe, r.shape, r.metric_set, r.json_path);
  if (!r.dropped_metrics.empty())
    fmt::print(out, "  not available with this ncu/GPU: {}\n", fmt::join(r.dropped_metrics, ", "));
  for (const auto& k : r.kernels) {
    const auto m = [&](const char* name) { return k.kernel.metric(name); };
    const auto f = [](std::optional<double> v) { return v ? fmt::format("{:.1f}", *v) : std::string("n/a"); };
    std::string name = k.kernel.name.size() > 60 ? k.kernel.name.substr(0, 57) + "..." : k.kernel.name;
    fmt::print(out, "  {} {:.1f} us  tensor {}%  sm {}%  dram {}%  warps {}%\n", name,
               m(metric::kDuration).value_or(0) / 1000, f(m(metric::kTensorPipePct)), f(m(metric::kSmPct)),
               f(m(metric::kDramPct)), f(m(metric::kWarpsActivePct)));
    fmt::print(out, "    verdict: {}\n", k.verdict.summary());
  }
}

namespace {
// Names attnlab makes in the --out folder: written whole, never through a planted link.
void write_text(const fs::path& p, const std::string& text) { write_file_atomic(p.string(), text, Naming::by_attnlab); }
}  // namespace

ProfileEnv device_profile_env(const ProfileRequest& req) {
  const DeviceInfo dev = require_device();
  ProfileEnv env{dev.arch(), dev.uuid, std::to_string(dev.driver_version), 0, 0};
  if (req.ceilings) {
    const Ceilings c = device_ceilings();
    env.peak_tflops = c.tensor_tflops(req.launch.problem.dtype);
    env.dram_gbps = c.copy_gbps;
  }
  return env;
}

ProfileResult run_profile(const ProfileRequest& req, const std::string& self_exe) {
  validate_launch(req.launch);
  metric_names(req.metric_set, "sm_90a");  // an unknown set fails here, before any GPU work
  require_ncu();
  return run_profile(req, device_profile_env(req), self_exe);
}

ProfileResult run_profile(const ProfileRequest& req, const ProfileEnv& env, const std::string& self_exe) {
  const AttnProblem& p = req.launch.problem;
  ProfileResult r;
  r.backend = req.launch.backend;
  r.arch = env.arch;
  r.metric_set = req.metric_set;
  r.shape = p.describe();
  r.flops = is_gemm_backend(r.backend) ? 2.0 * p.batch * p.heads * double(p.seqlen_q) * p.seqlen_k * p.head_dim : p.flops();
  r.peak_tflops = env.peak_tflops;
  r.dram_gbps = env.dram_gbps;
  std::vector<std::string> app = {self_exe};
  for (auto& a : launch_args(req.launch)) app.push_back(a);
  NcuRun run = run_ncu(metric_names(req.metric_set, r.arch), app, req.timeout_s);
  r.dropped_metrics = run.dropped_metrics;
  r.describe = launch_description(run.output);
  r.kernels = judge_kernels(run.kernels, r.flops, r.peak_tflops, r.dram_gbps);

  fs::create_directories(req.out_dir);
  const std::string stem = profile_stem(r.backend, p);
  r.csv_path = (fs::path(req.out_dir) / ("ncu_" + stem + ".csv")).string();
  r.json_path = (fs::path(req.out_dir) / ("profile_" + stem + ".json")).string();
  std::string csv;  // ncu's CSV as printed: from the first header on, without ncu's and attnlab's own lines
  std::istringstream in(run.output);
  for (std::string line; std::getline(in, line);)
    if ((!csv.empty() || line.rfind("\"ID\"", 0) == 0) && line.rfind("==", 0) != 0 && line.rfind(kDescribePrefix, 0) != 0)
      csv += line + "\n";
  write_text(r.csv_path, csv);
  nlohmann::json j = to_json(r);
  j["ncu_command"] = run.command;
  write_text(r.json_path, json_text(j, 1) + "\n");

  if (!req.db.empty()) {
    auto db = ResultsDb::open(req.db);
    EvalContext ctx{r.arch, env.gpu_uuid, env.driver, shape_key(p), std::string(dtype_name(p.dtype)),
                    r.backend == "custom" ? embedded_kernels_hash() : ""};
    for (const auto& k : r.kernels) {
      db.put_profile(ctx, {r.backend, r.describe, k.kernel.name, r.metric_set, k.kernel.metrics, to_json(k.verdict)});
      if (r.backend == "custom" && k.main) {
        try {  // attach to the stored evaluation of this config when there is one (attnlab tune / bench)
          db.set_profile_metrics(ctx, TileConfig::parse(r.describe), k.kernel.metrics);
        } catch (const UserError&) {
        }
      }
    }
  }
  return r;
}

}  // namespace attnlab::profile
