#include "report/evidence_set.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/json_text.hpp"
#include "report/svg_text.hpp"
#include "core/records_json.hpp"
#include "store/evo_log.hpp"

namespace attnlab::report {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr size_t kMaxTextBytes = size_t(256) << 20;  // after decompression: a gzip bomb stops here

// Plain or gzip-compressed text (zlib reads both).
std::string read_text(const fs::path& p) {
  gzFile f = gzopen(p.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open");
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxTextBytes) {
      gzclose(f);
      throw std::runtime_error("larger than 256 MiB; not read");
    }
  }
  gzclose(f);
  if (n < 0) throw std::runtime_error("read error");
  return out;
}
// Nesting limited (io/json_text.hpp): the report's readers never recurse deeper than that.
// The caller's warning names the file.
json read_json(const fs::path& p) { return parse_json_text(read_text(p), ""); }

// An integer field of a record (a head dim, a sequence length): whole and in range, or a UserError.
int int_of(const json& j, const char* key, int64_t hi = INT32_MAX) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  return static_cast<int>(integer_value(it->get<double>(), key, 0, hi));
}

double num(const json& j, const char* key, double fallback = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}
std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void load_compare_file(const fs::path& p, CompareData& c, bool tuned, std::vector<std::string>& warnings) {
  const json j = read_json(p);
  size_t index = 0;
  for (auto& r : j.at("results")) try {
    ++index;
    const EvalResult res = eval_result_from_json(r);  // the one reader of a result (core/records_json.hpp)
    CompareRow row;
    row.backend = res.backend;
    if (tuned && row.backend != "custom") continue;
    if (tuned) row.backend = "custom (tuned)";
    row.describe = res.describe;
    row.kind = res.kind;
    row.status = eval_status_name(res.status);
    row.tflops = res.tflops;
    row.head_dim = res.problem.head_dim;
    row.seqlen = res.problem.seqlen_k;
    row.causal = res.problem.causal;
    row.dtype = dtype_name(res.problem.dtype);
    c.rows.push_back(row);
  } catch (const std::exception& ex) {  // one bad row is left out, with a warning; the others are drawn
    warnings.push_back(fmt::format("{}: results[{}]: {}; row left out", p.filename().string(), index - 1, ex.what()));
  }
  if (!tuned && j.contains("ceilings") && j["ceilings"].is_object()) {
    c.dtype = j.contains("grid") ? str(j["grid"], "dtype") : "bf16";
    c.ceiling_tflops = num(j["ceilings"], (c.dtype.empty() ? std::string("bf16") : c.dtype).append("_tflops").c_str());
    c.copy_gbps = num(j["ceilings"], "copy_gbps");
  }
}

MicroData load_micro(const fs::path& p, const std::string& rel) {
  const json j = read_json(p);
  MicroData m;
  m.file = rel;
  const json& pr = j.value("problem", json::object());
  m.problem = fmt::format("d={} {} keys={}", num(pr, "head_dim"), str(pr, "dtype"), num(pr, "keys"));
  const json& rc = j.value("rank_correlation", json());
  if (!rc.is_object()) return m;  // --no-full: no measured ranking
  m.spearman = num(rc, "spearman", NAN);
  std::map<std::string, double> micro;
  for (auto& r : j.value("results", json::array()))
    if (str(r, "error").empty() && num(r, "tflops") > 0) micro[str(r, "config")] = num(r, "tflops");
  for (auto& f : rc.value("full_tflops", json::array())) {
    auto it = micro.find(str(f, "config"));
    if (it == micro.end() || num(f, "tflops") <= 0) continue;
    m.configs.push_back(it->first);
    m.micro_tflops.push_back(it->second);
    m.full_tflops.push_back(num(f, "tflops"));
  }
  return m;
}

void load_replay(const fs::path& p, TuneData& t) {
  const json j = read_json(p);
  t.target_tflops = num(j, "target_tflops");
  t.rng_seeds = int_of(j, "rng_seeds");
  t.replay_table = json::array();
  for (auto& s : j.at("strategies")) {
    CurveData c;
    c.name = str(s, "strategy") + " (replay, median)";
    c.replay = true;
    for (auto& v : s.at("median_best_so_far")) c.best_so_far.push_back(v.get<double>());
    t.curves.push_back(std::move(c));
    t.replay_table.push_back({{"strategy", str(s, "strategy")}, {"median", num(s, "median")}, {"mean", num(s, "mean")},
                              {"success_rate", num(s, "success_rate")}});
  }
}

CurveData load_evo_log(const fs::path& p, const std::string& rel_dir, bool has_evo_best) {
  CurveData c;
  std::string strategy;
  try {
    if (has_evo_best) strategy = str(read_json(p.parent_path() / "evo_best.json"), "strategy");
  } catch (const std::exception&) {
  }
  c.name = (strategy.empty() ? rel_dir : strategy) + " (GPU run)";
  double best = 0;
  for (auto& t : read_evo_log(p.string())) {
    best = std::max(best, t.eval.tflops);
    c.best_so_far.push_back(best);
  }
  return c;
}

// What `attnlab profile` writes (src/profile): {"backend", "describe", "kernels": [{"name", "main", "metrics",
// "verdict": {"summary", "roofline": {"achieved_tflops", "arithmetic_intensity"}}}]}. The main kernel of each
// run, with the few counters the verdict table shows (the file keeps all of them).
void add_profile_run(const json& j, const std::string& rel, std::vector<ProfileEntry>& out) {
  static const std::pair<const char*, const char*> kShown[] = {
      {"gpu__time_duration.sum", "duration_ns"},
      {"sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active", "tensor_pipe_pct"},
      {"dram__throughput.avg.pct_of_peak_sustained_elapsed", "dram_pct"},
      {"sm__warps_active.avg.pct_of_peak_sustained_active", "warps_active_pct"},
      {"lts__t_sector_hit_rate.pct", "l2_hit_pct"}};
  for (auto& k : j["kernels"]) {
    if (!k.is_object() || !k.value("main", true) || !k.contains("verdict") || !k["verdict"].is_object()) continue;
    const json& v = k["verdict"];
    const json roof = v.value("roofline", json::object());
    ProfileEntry e;
    e.file = rel;
    e.backend = str(j, "backend");
    e.kernel = e.backend.starts_with("custom") && j.contains("describe") ? str(j, "describe") : str(k, "name");
    e.verdict = str(v, "summary");
    e.tflops = num(roof, "achieved_tflops", NAN);
    e.arithmetic_intensity = num(roof, "arithmetic_intensity", NAN);
    e.metrics = json::object();
    const json m = k.value("metrics", json::object());
    for (auto& [from, to] : kShown)
      if (m.contains(from)) e.metrics[to] = m[from];
    out.push_back(std::move(e));
  }
}

void add_profiles(const fs::path& p, const std::string& rel, std::vector<ProfileEntry>& out) {
  const json j = read_json(p);
  if (j.is_object() && j.contains("kernels") && j.contains("backend")) return add_profile_run(j, rel, out);
  const json list = j.is_array() ? j : j.contains("kernels") ? j["kernels"] : json::array({j});
  for (auto& k : list) {
    if (!k.is_object() || !k.contains("kernel")) continue;
    ProfileEntry e;
    e.file = rel;
    e.kernel = str(k, "kernel");
    e.backend = str(k, "backend");
    e.verdict = str(k, "verdict");
    e.tflops = num(k, "tflops", NAN);
    e.arithmetic_intensity = num(k, "arithmetic_intensity", NAN);
    e.metrics = k.value("metrics", json::object());
    out.push_back(std::move(e));
  }
}

void load_campaign(const fs::path& p, const std::string& rel, CampaignData& c) {
  const json j = read_json(p);
  if (!j.is_object() || j.value("schema", "") != "attnlab.campaign/1") throw UserError("not an attnlab.campaign/1 file");
  CampaignData out;
  out.file = rel;
  out.probes = j.contains("probes") && j["probes"].is_array() ? int(j["probes"].size()) : 0;
  out.evaluations = json_int(j, "evaluations", 0, 0);
  out.wall_s = json_number(j, "wall_s", 0.0);
  for (auto& b : j.value("buckets", json::array())) {
    if (!b.is_object()) continue;
    CampaignBucketRow r;
    r.group = b.value("group", "");
    r.config = b.value("config", "");
    r.min = b.contains("min") && b["min"].is_number_integer() ? b["min"].get<int64_t>() : 0;
    r.max = b.contains("max") && b["max"].is_number_integer() ? b["max"].get<int64_t>() : 0;
    r.tflops = json_number(b, "tflops", 0.0);
    r.default_tflops = json_number(b, "default_tflops", 0.0);
    r.cudnn_tflops = json_number(b, "cudnn_tflops", 0.0);
    r.probes = b.contains("probes") && b["probes"].is_array() ? int(b["probes"].size()) : 0;
    out.buckets.push_back(r);
  }
  c = std::move(out);
}

void load_check(const fs::path& p, const std::string& rel, CheckSummary& c) {
  const json j = read_json(p);
  const json& rows = j.is_array() ? j : j.value("results", json::array());
  c.file = rel;
  for (auto& r : rows) {
    ++c.total;
    std::string line;
    try {
      const CheckResult cr = check_result_from_json(r);  // the one reader of a check row
      if (cr.pass) {
        ++c.passed;
        continue;
      }
      line = fmt::format("{} {} d={} {} Sq={} Sk={}: {}", cr.config, dtype_name(cr.problem.dtype), cr.problem.head_dim,
                         cr.problem.causal ? "causal" : "non-causal", cr.problem.seqlen_q, cr.problem.seqlen_k, cr.error);
    } catch (const std::exception& ex) {
      line = fmt::format("row {}: unreadable ({})", c.total - 1, ex.what());
    }
    if (c.failures.size() < 10) c.failures.push_back(line);
  }
}
}  // namespace

std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] > v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    for (size_t k = i; k <= j; ++k) r[idx[k]] = 0.5 * static_cast<double>(i + j) + 1;
    i = j + 1;
  }
  return r;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = std::min(a.size(), b.size());
  if (n < 2) return 0;
  const auto ra = ranks(std::vector<double>(a.begin(), a.begin() + static_cast<long>(n)));
  const auto rb = ranks(std::vector<double>(b.begin(), b.begin() + static_cast<long>(n)));
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / static_cast<double>(n);
  const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / static_cast<double>(n);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0;
}

namespace {
// What the report does with a file of the evidence set, by its path: the one place that knows which files
// are read (load_evidence) and therefore must not be replaced by an --out (evidence_inputs).
enum class Role { raw, compare, compare_tuned, micro, replay, evo_log, evo_best, profile, check, campaign, env, devices, manifest };

Role role_of(const std::string& rel) {
  const std::string name = fs::path(rel).filename().string();
  if (rel == "compare.json") return Role::compare;
  if (rel == "compare_tuned.json") return Role::compare_tuned;
  if (name.starts_with("micro_best") && name.ends_with(".json")) return Role::micro;
  if (name.starts_with("replay") && name.ends_with(".json")) return Role::replay;
  if (name == "evo_log.csv") return Role::evo_log;
  if (rel.starts_with("profile/") && name.ends_with(".json")) return Role::profile;
  if (name == "evo_best.json") return Role::evo_best;  // read with the evo_log.csv next to it
  if (name.starts_with("check") && (name.ends_with(".json") || name.ends_with(".json.gz"))) return Role::check;
  if (name == "campaign.json") return Role::campaign;
  if (rel == "env.json") return Role::env;
  if (rel == "devices.txt") return Role::devices;
  if (rel == "manifest.json") return Role::manifest;
  return Role::raw;
}

// The regular files under `dir`, sorted; a symbolic link whose target lies outside `dir` is left out
// (and named in *outside): the report neither reads nor links what is not part of the evidence set.
std::vector<fs::path> evidence_files(const std::string& dir, std::vector<std::string>* outside) {
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::absolute(dir), ec);
  std::vector<fs::path> all;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    if (it->is_symlink()) {
      const fs::path target = fs::weakly_canonical(it->path(), ec);
      const auto [r, t] = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
      if (ec || r != root.end()) {
        if (outside) outside->push_back(printable(it->path().lexically_relative(dir).generic_string()) +
                                        ": a symbolic link out of the evidence folder; not read or linked");
        ec.clear();
        continue;
      }
    }
    all.push_back(it->path());
  }
  std::sort(all.begin(), all.end());
  return all;
}
}  // namespace

std::vector<std::string> evidence_inputs(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (auto& p : evidence_files(dir, nullptr))
    if (role_of(p.lexically_relative(dir).generic_string()) != Role::raw) out.push_back(p.string());
  return out;
}

EvidenceSet load_evidence(const std::string& dir) {
  std::error_code dir_ec;
  if (!fs::is_directory(dir, dir_ec))
    throw UserError(dir + ": not an evidence directory (" + (dir_ec ? dir_ec.message() : "No such directory") + ")");
  EvidenceSet e;
  e.dir = dir;
  const std::vector<fs::path> all = evidence_files(dir, &e.warnings);
  const auto in_set = [&](const fs::path& p) { return std::binary_search(all.begin(), all.end(), p); };
  std::map<std::string, json> manifest;
  if (in_set(fs::path(dir) / "manifest.json")) try {
      for (auto& f : read_json(fs::path(dir) / "manifest.json").at("files")) manifest[str(f, "path")] = f;
    } catch (const std::exception& ex) {
      e.warnings.push_back(std::string("manifest.json: ") + ex.what());
    }

  auto attempt = [&](const std::string& rel, auto&& fn) {
    try {
      fn();
    } catch (const std::exception& ex) {
      e.warnings.push_back(rel + ": " + ex.what());
    }
  };
  fs::path replay_file;
  for (auto& p : all) {
    const std::string rel = p.lexically_relative(dir).generic_string();
    std::error_code ec;
    RawFile rf{rel, fs::file_size(p, ec), "", ""};
    if (auto m = manifest.find(rel); m != manifest.end()) rf.sha256 = str(m->second, "sha256"), rf.step = str(m->second, "step");
    e.files.push_back(rf);
    switch (role_of(rel)) {
      case Role::compare:
        attempt(rel, [&] { load_compare_file(p, e.compare, false, e.warnings); e.compare.files.push_back(rel); });
        break;
      case Role::compare_tuned:
        attempt(rel, [&] { load_compare_file(p, e.compare, true, e.warnings); e.compare.files.push_back(rel); });
        break;
      case Role::micro:
        attempt(rel, [&] {
          auto m = load_micro(p, rel);
          if (!m.configs.empty()) e.micro.push_back(std::move(m));
        });
        break;
      case Role::replay: replay_file = p; break;
      case Role::evo_log:
        attempt(rel, [&] {
          e.tune.curves.push_back(load_evo_log(p, p.parent_path().lexically_relative(dir).generic_string(),
                                               in_set(p.parent_path() / "evo_best.json")));
          e.tune.files.push_back(rel);
        });
        break;
      case Role::profile: attempt(rel, [&] { add_profiles(p, rel, e.profiles); }); break;
      case Role::check:
        if (e.check.file.empty()) attempt(rel, [&] { load_check(p, rel, e.check); });
        break;
      case Role::campaign:
        if (e.campaign.file.empty()) attempt(rel, [&] { load_campaign(p, rel, e.campaign); });
        break;
      case Role::env: attempt(rel, [&] { e.environment = read_json(p); e.environment_file = rel; }); break;
      case Role::devices: attempt(rel, [&] { e.devices_txt = read_text(p); }); break;
      case Role::evo_best: case Role::manifest: case Role::raw: break;
    }
  }
  if (!replay_file.empty()) {
    const std::string rel = replay_file.lexically_relative(dir).generic_string();
    attempt(rel, [&] {
      TuneData t;
      load_replay(replay_file, t);
      t.curves.insert(t.curves.end(), e.tune.curves.begin(), e.tune.curves.end());
      t.files = e.tune.files;
      t.files.insert(t.files.begin(), rel);
      e.tune = std::move(t);
    });
  }
  if (e.environment.is_null()) {
    for (const char* f : {"compare.json", "micro_best.json"}) {
      if (in_set(fs::path(dir) / f)) attempt(f, [&] {
          e.environment = read_json(fs::path(dir) / f).value("environment", json());
          e.environment_file = f;
        });
      if (!e.environment.is_null()) break;
    }
  }
  if (e.compare.rows.empty()) e.compare.missing = "no compare.json (attnlab compare --out compare.json)";
  if (e.micro.empty()) e.micro_missing = "no micro_best*.json with a full-kernel ranking (attnlab micro without --no-full)";
  if (e.tune.curves.empty()) e.tune.missing = "no replay.json or evo_log.csv (attnlab tune, attnlab tune --replay --replay-json)";
  if (e.profiles.empty()) e.profile_missing = "no profile data (profile/*.json, written by attnlab profile)";
  if (e.check.file.empty()) e.check.missing = "no check.json (attnlab check --json check.json)";
  if (e.campaign.file.empty()) e.campaign.missing = "no campaign.json (attnlab campaign --workload FILE --out DIR)";
  return e;
}

}  // namespace attnlab::report
