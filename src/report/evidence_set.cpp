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
#include "search/tune_log.hpp"

namespace attnlab::report {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
// Plain or gzip-compressed text (zlib reads both).
std::string read_text(const fs::path& p) {
  gzFile f = gzopen(p.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open");
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  if (n < 0) throw std::runtime_error("read error");
  return out;
}
json read_json(const fs::path& p) { return json::parse(read_text(p)); }

double num(const json& j, const char* key, double fallback = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}
std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void load_compare_file(const fs::path& p, CompareData& c, bool tuned) {
  const json j = read_json(p);
  for (auto& r : j.at("results")) {
    CompareRow row;
    row.backend = str(r, "backend");
    if (tuned && row.backend != "custom") continue;
    if (tuned) row.backend = "custom (tuned)";
    row.describe = str(r, "describe");
    row.kind = str(r, "kind");
    row.status = str(r, "status");
    row.tflops = num(r, "tflops");
    const json& pr = r.at("problem");
    row.head_dim = static_cast<int>(num(pr, "head_dim"));
    row.seqlen = static_cast<int>(num(pr, "seqlen_k"));
    row.causal = pr.value("causal", false);
    row.dtype = str(pr, "dtype");
    c.rows.push_back(row);
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
  t.rng_seeds = static_cast<int>(num(j, "rng_seeds"));
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

CurveData load_evo_log(const fs::path& p, const std::string& rel_dir) {
  CurveData c;
  std::string strategy;
  try {
    strategy = str(read_json(p.parent_path() / "evo_best.json"), "strategy");
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

void load_check(const fs::path& p, const std::string& rel, CheckSummary& c) {
  const json j = read_json(p);
  const json& rows = j.is_array() ? j : j.value("results", json::array());
  c.file = rel;
  for (auto& r : rows) {
    ++c.total;
    if (r.value("pass", false)) {
      ++c.passed;
      continue;
    }
    if (c.failures.size() < 10)
      c.failures.push_back(fmt::format("{} {} d={} {} Sq={} Sk={}: {}", str(r, "config"), str(r, "dtype"), num(r, "head_dim"),
                                       r.value("causal", false) ? "causal" : "non-causal", num(r, "seqlen_q"),
                                       num(r, "seqlen_k"), str(r, "error")));
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

EvidenceSet load_evidence(const std::string& dir) {
  if (!fs::is_directory(dir)) throw UserError(dir + ": not an evidence directory (No such directory)");
  EvidenceSet e;
  e.dir = dir;
  std::map<std::string, json> manifest;
  if (fs::exists(fs::path(dir) / "manifest.json")) try {
      for (auto& f : read_json(fs::path(dir) / "manifest.json").at("files")) manifest[str(f, "path")] = f;
    } catch (const std::exception& ex) {
      e.warnings.push_back(std::string("manifest.json: ") + ex.what());
    }
  std::vector<fs::path> all;
  for (auto& it : fs::recursive_directory_iterator(dir))
    if (it.is_regular_file()) all.push_back(it.path());
  std::sort(all.begin(), all.end());

  auto attempt = [&](const std::string& rel, auto&& fn) {
    try {
      fn();
    } catch (const std::exception& ex) {
      e.warnings.push_back(rel + ": " + ex.what());
    }
  };
  fs::path replay_file;
  for (auto& p : all) {
    const std::string rel = fs::relative(p, dir).generic_string();
    const std::string name = p.filename().string();
    RawFile rf{rel, fs::file_size(p), "", ""};
    if (auto m = manifest.find(rel); m != manifest.end()) rf.sha256 = str(m->second, "sha256"), rf.step = str(m->second, "step");
    e.files.push_back(rf);
    if (rel == "compare.json") attempt(rel, [&] { load_compare_file(p, e.compare, false); e.compare.files.push_back(rel); });
    else if (rel == "compare_tuned.json") attempt(rel, [&] { load_compare_file(p, e.compare, true); e.compare.files.push_back(rel); });
    else if (name.starts_with("micro_best") && name.ends_with(".json"))
      attempt(rel, [&] {
        auto m = load_micro(p, rel);
        if (!m.configs.empty()) e.micro.push_back(std::move(m));
      });
    else if (name.starts_with("replay") && name.ends_with(".json")) replay_file = p;
    else if (name == "evo_log.csv")
      attempt(rel, [&] {
        e.tune.curves.push_back(load_evo_log(p, fs::relative(p.parent_path(), dir).generic_string()));
        e.tune.files.push_back(rel);
      });
    else if (rel.starts_with("profile/") && name.ends_with(".json")) attempt(rel, [&] { add_profiles(p, rel, e.profiles); });
    else if (name.starts_with("check") && (name.ends_with(".json") || name.ends_with(".json.gz")) && e.check.file.empty())
      attempt(rel, [&] { load_check(p, rel, e.check); });
    else if (rel == "env.json") attempt(rel, [&] { e.environment = read_json(p); e.environment_file = rel; });
    else if (rel == "devices.txt") attempt(rel, [&] { e.devices_txt = read_text(p); });
  }
  if (!replay_file.empty()) {
    const std::string rel = fs::relative(replay_file, dir).generic_string();
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
      if (fs::exists(fs::path(dir) / f)) attempt(f, [&] {
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
  return e;
}

}  // namespace attnlab::report
