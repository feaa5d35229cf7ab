#include "search/campaign.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "backends/custom/tile_config.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "core/records_json.hpp"
#include "io/atomic_file.hpp"
#include "io/json_text.hpp"
#include "measure/environment.hpp"
#include "search/microbench.hpp"
#include "search/tune_session.hpp"
#include "store/results_db.hpp"

namespace fs = std::filesystem;

namespace attnlab {

namespace {
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string duration_text(double s) {
  if (s < 90) return fmt::format("{:.0f} s", s);
  if (s < 5400) return fmt::format("{:.0f} min {:02.0f} s", std::floor(s / 60), std::fmod(s, 60));
  return fmt::format("{:.0f} h {:02.0f} min", std::floor(s / 3600), std::fmod(s, 3600) / 60);
}

std::string bar(size_t done, size_t total) {
  const size_t w = 24, fill = total ? done * w / total : w;
  return "[" + std::string(fill, '#') + std::string(w - fill, '.') + "]";
}

// A probe at length L between two of a group: the same tokens as the shorter one (prefill: batch = tokens / L).
AttnProblem probe_between(const AttnProblem& a, int64_t length, bool decode) {
  AttnProblem p = a;
  if (decode) {
    p.seqlen_k = int(length);
  } else {
    const int64_t tokens = int64_t(a.batch) * a.seqlen_q;
    p.batch = int(std::max<int64_t>(1, tokens / length));
    p.seqlen_q = p.seqlen_k = int(length);
  }
  return p;
}

// Geometric mean of two lengths, rounded to a multiple of 64 when that stays strictly between them.
int64_t geometric_mid(int64_t a, int64_t b) {
  const int64_t g = std::llround(std::sqrt(double(a) * double(b)));
  const int64_t r = (g + 32) / 64 * 64;
  return (r > a && r < b) ? r : g;
}

bool mergeable(const ProbeResult& a, const ProbeResult& b, double tol) {
  for (auto& [cfg, t] : a.tflops)
    if (t >= (1 - tol) * a.best_tflops && b.tflops_of(cfg) >= (1 - tol) * b.best_tflops) return true;
  return false;
}
}  // namespace

double ProbeResult::tflops_of(const std::string& config) const {
  for (auto& [c, t] : tflops)
    if (c == config) return t;
  return 0;
}

std::vector<CampaignBucket> cut_buckets(const std::vector<ProbeResult>& probes, const std::vector<size_t>& group,
                                        double tolerance) {
  std::vector<CampaignBucket> out;
  auto serves = [&](const std::string& cfg, size_t i) {
    const ProbeResult& p = probes[i];
    return p.best_tflops > 0 && p.tflops_of(cfg) >= (1 - tolerance) * p.best_tflops;
  };
  for (size_t start = 0; start < group.size();) {
    const ProbeResult& first = probes[group[start]];
    CampaignBucket b;
    b.group = first.group;
    b.decode = first.decode;
    if (first.best_tflops <= 0) {  // nothing passed here: a bucket of its own, served by the default
      b.probes = {group[start]};
      b.config = first.default_config;
      b.representative = group[start];
      out.push_back(b);
      ++start;
      continue;
    }
    std::vector<std::string> candidates;
    for (auto& [cfg, _] : first.tflops)
      if (serves(cfg, group[start])) candidates.push_back(cfg);
    size_t end = start + 1;
    for (; end < group.size(); ++end) {
      std::vector<std::string> keep;
      for (auto& c : candidates)
        if (serves(c, group[end])) keep.push_back(c);
      if (keep.empty()) break;
      candidates = std::move(keep);
    }
    for (size_t k = start; k < end; ++k) b.probes.push_back(group[k]);
    // The candidate with the best worst-case ratio (then the best sum) over the bucket's probes.
    double best_worst = -1, best_sum = -1;
    for (auto& c : candidates) {
      double worst = 1e9, sum = 0;
      for (size_t i : b.probes) {
        const double r = probes[i].tflops_of(c) / probes[i].best_tflops;
        worst = std::min(worst, r);
        sum += r;
      }
      if (worst > best_worst + 1e-12 || (std::abs(worst - best_worst) <= 1e-12 && sum > best_sum)) {
        best_worst = worst;
        best_sum = sum;
        b.config = c;
      }
    }
    b.worst_ratio = best_worst;
    b.representative = b.probes[b.probes.size() / 2];
    out.push_back(b);
    start = end;
  }
  return out;
}

void set_bucket_ranges(const std::vector<ProbeResult>& probes, std::vector<CampaignBucket>& buckets) {
  for (size_t k = 0; k < buckets.size(); ++k) {
    CampaignBucket& b = buckets[k];
    const bool first = k == 0 || buckets[k - 1].group != b.group;
    const bool last = k + 1 == buckets.size() || buckets[k + 1].group != b.group;
    b.range.min = first ? 1 : buckets[k - 1].range.max + 1;
    if (last) {
      b.range.max = INT32_MAX;
    } else {
      const int64_t hi = probes[b.probes.back()].length(), next = probes[buckets[k + 1].probes.front()].length();
      b.range.max = std::max<int64_t>(hi, std::llround(std::sqrt(double(hi) * double(next))) - 1);
      b.range.max = std::min<int64_t>(b.range.max, next - 1);
    }
  }
}

DispatchTable campaign_dispatch(const std::vector<ProbeResult>& probes, const std::vector<CampaignBucket>& buckets,
                                const std::string& arch, const std::string& family, const json& environment) {
  DispatchTable t;
  t.arch = arch;
  t.family = family;
  t.environment = environment;
  // Decode groups take Sq = 1; a prefill group of the same key then starts at Sq = 2 so that no two entries overlap.
  std::set<std::string> decode_keys;
  auto key_of = [](const AttnProblem& p) {
    return fmt::format("{} {} {} {}", dtype_name(p.dtype), p.head_dim, p.causal, p.heads / std::max(1, p.heads_k));
  };
  for (auto& b : buckets)
    if (b.decode) decode_keys.insert(key_of(probes[b.representative].problem));
  for (auto& b : buckets) {
    const ProbeResult& rep = probes[b.representative];
    if (b.config.empty()) continue;
    DispatchEntry e;
    e.dtype = rep.problem.dtype;
    e.head_dim = rep.problem.head_dim;
    e.causal = rep.problem.causal;
    e.gqa_ratio = rep.problem.heads / std::max(1, rep.problem.heads_k);
    if (b.decode) {
      e.seqlen_q = {1, 1};
      e.seqlen_k = b.range;
    } else {
      e.seqlen_q = e.seqlen_k = b.range;
      if (decode_keys.count(key_of(rep.problem)) && e.seqlen_q.min == 1) e.seqlen_q.min = 2;
    }
    e.config = b.config;
    e.tflops = rep.tflops_of(b.config);
    e.default_config = rep.default_config;
    e.default_tflops = rep.default_tflops;
    e.best_peer = rep.cudnn_tflops > 0 ? "cudnn" : "";
    e.best_peer_tflops = rep.cudnn_tflops;
    e.measured = rep.problem;
    t.entries.push_back(e);
  }
  // The reader's checks (overlaps, family of every config) on what we write.
  return with_context("the campaign's dispatch table", [&] { return dispatch_from_json(to_json(t), "dispatch"); });
}

namespace {
// Each bucket's chosen config and its representative probe's default, re-timed on one GPU (o.retime), so the numbers
// a dispatch entry carries — chosen, default, cuDNN — come from one GPU. The choice itself stays the tunes'.
void retime_finalists(const CampaignOptions& o, CampaignResult& res, const std::function<void(const std::string&)>& log) {
  for (const CampaignBucket& b : res.buckets) {
    if (b.config.empty()) continue;
    ProbeResult& rep = res.probes[b.representative];
    GpuEvalOptions go;
    go.target = rep.problem;
    go.max_time_s = o.max_time_s;
    auto retimed = [&](const std::string& name, double& cudnn_us) {
      const Evaluation e = o.retime(go, TileConfig::parse(name), cudnn_us);
      for (auto& [c, t] : rep.tflops)
        if (c == name && e.ok()) t = e.tflops;
      return e;
    };
    double cudnn_us = 0, ignored = 0;
    const Evaluation chosen = retimed(b.config, cudnn_us);
    if (rep.default_config != b.config) retimed(rep.default_config, ignored);
    rep.default_tflops = rep.tflops_of(rep.default_config);
    if (cudnn_us > 0) rep.cudnn_tflops = rep.problem.flops() / (cudnn_us * 1e-6) / 1e12;
    log(fmt::format("re-timed on one GPU: {} {}: {}", rep.problem.describe(), b.config,
                    chosen.ok() ? fmt::format("{:.1f} TFLOP/s", chosen.tflops) : "failed (" + chosen.error + ")"));
  }
}
}  // namespace

namespace {
// One campaign's state while it runs; each step a method (run_campaign below strings them together).
class CampaignRun {
 public:
  explicit CampaignRun(const CampaignOptions& o)
      : o_(o),
        dev_(o.device ? *o.device : require_device()),
        limits_{dev_.arch(), dev_.smem_per_block_optin},
        family_(o.family.empty() ? limits_.best_family() : parse_family(o.family)),
        planned_(o.workload.problems()) {}

  CampaignResult run() {
    fs::create_directories(o_.out_dir);
    for (const ProbeGroup& g : o_.workload.groups) {
      std::vector<size_t> idx = probe_group(g);
      if (o_.refine) idx = refine_group(g, idx);
      auto buckets = cut_buckets(res_.probes, idx, o_.tolerance);
      res_.buckets.insert(res_.buckets.end(), buckets.begin(), buckets.end());
    }
    set_bucket_ranges(res_.probes, res_.buckets);
    if (o_.retime) retime_finalists(o_, res_, [&](const std::string& s) { log(s); });
    res_.wall_s = seconds_since(t0_);
    json env = capture_environment();
    env["workload"] = o_.workload.name;
    res_.table = campaign_dispatch(res_.probes, res_.buckets, dev_.arch(), family_name(family_), env);
    return res_;
  }

 private:
  void log(const std::string& s) const {
    if (o_.log) o_.log(s);
  }

  // Every problem of a group in ascending length, each seeded from the group's previous probe and from the same
  // length in the other groups of this dtype and head dim (transfer). Returns the probes' indices.
  std::vector<size_t> probe_group(const ProbeGroup& g) {
    std::vector<size_t> idx;
    for (const AttnProblem& p : g.problems) {
      std::vector<ProbeResult> neighbours;  // copies: res_.probes grows below
      if (!idx.empty()) neighbours.push_back(res_.probes[idx.back()]);
      for (auto& q : res_.probes)
        if (q.group != g.name && q.length() == g.length_of(p) && q.problem.dtype == p.dtype && q.problem.head_dim == p.head_dim)
          neighbours.push_back(q);
      res_.probes.push_back(probe(g, p, false, neighbours));
      idx.push_back(res_.probes.size() - 1);
    }
    return idx;
  }

  // One midpoint probe between neighbours that do not merge and lie >= 2x apart, seeded with both; the group's
  // indices with the refinements in length order.
  std::vector<size_t> refine_group(const ProbeGroup& g, const std::vector<size_t>& idx) {
    std::vector<std::pair<size_t, AttnProblem>> mids;
    for (size_t k = 0; k + 1 < idx.size(); ++k) {
      const ProbeResult &a = res_.probes[idx[k]], &b = res_.probes[idx[k + 1]];
      if (a.best_tflops <= 0 || b.best_tflops <= 0 || mergeable(a, b, o_.tolerance) || b.length() < 2 * a.length()) continue;
      mids.emplace_back(k, probe_between(a.problem, geometric_mid(a.length(), b.length()), g.decode));
    }
    planned_ += mids.size();
    std::vector<size_t> refined = idx;
    for (auto it = mids.rbegin(); it != mids.rend(); ++it) {  // from the back, so earlier positions stay valid
      const size_t k = it->first;
      const std::vector<ProbeResult> ns{res_.probes[idx[k]], res_.probes[idx[k + 1]]};
      res_.probes.push_back(probe(g, it->second, true, ns));
      refined.insert(refined.begin() + long(k) + 1, res_.probes.size() - 1);
    }
    return refined;
  }

  // Gen 0 of a probe: the family's default for it, the neighbours' two best (best first), the micro Top-K.
  std::vector<TileConfig> seeds_for(const AttnProblem& p, const std::vector<ProbeResult>& neighbours) {
    std::vector<TileConfig> seeds{default_config_for(p, limits_, family_, dev_.sm_count)};
    auto add = [&](const TileConfig& c) {
      if (c.family != family_ || !c.constraint_violation(p.head_dim, limits_).empty()) return;
      if (std::none_of(seeds.begin(), seeds.end(), [&](auto& s) { return s.name() == c.name(); })) seeds.push_back(c);
    };
    for (const ProbeResult& n : neighbours)
      for (size_t k = 0; k < n.tflops.size() && k < 2; ++k) add(TileConfig::parse(n.tflops[k].first));
    for (auto& c : micro_seeds(p)) add(c);
    return seeds;
  }

  // Microbenchmark Top-K per (dtype, head dim), cached in out_dir (a resumed campaign does not re-run it).
  const std::vector<TileConfig>& micro_seeds(const AttnProblem& p) {
    const std::string key = fmt::format("{}_d{}", dtype_name(p.dtype), p.head_dim);
    if (auto it = micro_top_.find(key); it != micro_top_.end()) return it->second;
    std::vector<TileConfig>& top = micro_top_[key];
    if (!o_.micro) return top;
    const fs::path cache = fs::path(o_.out_dir) / fmt::format("micro_{}.json", key);
    if (fs::exists(cache)) {
      for (auto& n : read_json_file(cache.string())["top"]) top.push_back(TileConfig::parse(n.get<std::string>()));
      return top;
    }
    MicroOptions mo;
    mo.head_dim = p.head_dim;
    mo.dtype = p.dtype;
    mo.max_time_s = o_.micro_time_s;
    auto configs = valid_space(p.head_dim, limits_, KnobValues::of(family_, o_.space));
    log(fmt::format("micro: {} configs for {} d={}", configs.size(), dtype_name(p.dtype), p.head_dim));
    auto results = run_microbench(configs, mo);
    std::sort(results.begin(), results.end(), [](auto& a, auto& b) { return a.tflops > b.tflops; });
    json names = json::array();
    for (auto& r : results)
      if (r.error.empty() && r.tflops > 0 && int(top.size()) < o_.micro_top) {
        top.push_back(r.config);
        names.push_back(r.config.name());
      }
    write_file_atomic(cache.string(), json_text({{"top", names}, {"head_dim", p.head_dim}, {"dtype", dtype_name(p.dtype)}}, 1) + "\n");
    return top;
  }

  TuneSessionOptions tune_options(const AttnProblem& p, std::vector<TileConfig> seeds) const {
    TuneSessionOptions t;
    t.target = p;
    t.family = family_name(family_);
    t.space = o_.space;
    t.strategy = "seeded";
    t.tune.budget = o_.budget;
    t.tune.population = o_.population;
    t.tune.rng_seed = o_.rng_seed;
    t.tune.seeds = std::move(seeds);
    t.db = o_.db;
    t.out_dir = (fs::path(o_.out_dir) / "probes" / shape_key(p)).string();
    t.run_id = fmt::format("campaign-{}-{}", o_.workload.name, shape_key(p));
    t.fresh = o_.fresh;
    t.resume = true;
    t.max_time_s = o_.max_time_s;
    t.device = dev_;
    t.runner = o_.runner;
    return t;
  }

  ProbeResult probe(const ProbeGroup& g, const AttnProblem& p, bool refinement, const std::vector<ProbeResult>& neighbours) {
    ProbeResult r;
    r.group = g.name;
    r.decode = g.decode;
    r.refinement = refinement;
    r.problem = p;
    r.default_config = default_config_for(p, limits_, family_, dev_.sm_count).name();
    const auto tp = Clock::now();
    const TuneSessionResult s = run_tune_session(tune_options(p, seeds_for(p, neighbours)));
    r.wall_s = seconds_since(tp);
    r.stop_reason = s.result.stop_reason;
    r.evaluations = int(s.history.size());
    r.cache_hits = s.cache_hits;
    if (s.cudnn_us > 0) r.cudnn_tflops = p.flops() / (s.cudnn_us * 1e-6) / 1e12;
    for (auto& tr : s.history.trials())
      if (tr.source_file.empty() && tr.eval.ok()) r.tflops.emplace_back(tr.eval.config.name(), tr.eval.tflops);
    std::stable_sort(r.tflops.begin(), r.tflops.end(), [](auto& a, auto& b) { return a.second > b.second; });
    if (!r.tflops.empty()) std::tie(r.best_config, r.best_tflops) = r.tflops.front();
    r.default_tflops = r.tflops_of(r.default_config);
    res_.evaluations += r.evaluations;
    res_.cache_hits += r.cache_hits;
    progress(g, r);
    return r;
  }

  // One line per probe: a bar over the campaign, the probe's best and ratios, elapsed and ETA.
  void progress(const ProbeGroup& g, const ProbeResult& r) {
    ++finished_;
    const double el = seconds_since(t0_);
    const double eta = finished_ < planned_ ? el / double(finished_) * double(planned_ - finished_) : 0;
    log(fmt::format("{} {}/{} {}{} {}: best {} {:.1f} TFLOP/s ({:.2f}x default, {:.2f}x cuDNN), {} evals ({} cached), "
                    "{} | elapsed {}, ETA {}",
                    bar(finished_, planned_), finished_, planned_, r.refinement ? "refine " : "", g.name, r.problem.describe(),
                    r.best_config.empty() ? "none" : r.best_config, r.best_tflops,
                    r.default_tflops > 0 ? r.best_tflops / r.default_tflops : 0.0,
                    r.cudnn_tflops > 0 ? r.best_tflops / r.cudnn_tflops : 0.0, r.evaluations, r.cache_hits,
                    duration_text(r.wall_s), duration_text(el), duration_text(eta)));
  }

  const CampaignOptions& o_;
  const DeviceInfo dev_;
  const ArchLimits limits_;
  const Family family_;
  const Clock::time_point t0_ = Clock::now();
  size_t planned_, finished_ = 0;
  std::map<std::string, std::vector<TileConfig>> micro_top_;
  CampaignResult res_;
};
}  // namespace

CampaignResult run_campaign(const CampaignOptions& o) {
  if (o.workload.groups.empty()) throw UserError("the workload has no shapes");
  return CampaignRun(o).run();
}

json campaign_to_json(const CampaignResult& r, const json& environment) {
  json probes = json::array(), buckets = json::array();
  for (auto& p : r.probes) {
    json all = json::array();
    for (auto& [c, t] : p.tflops) all.push_back({{"config", c}, {"tflops", t}});
    probes.push_back({{"group", p.group}, {"decode", p.decode}, {"refinement", p.refinement}, {"problem", to_json(p.problem)},
                      {"best_config", p.best_config}, {"best_tflops", p.best_tflops}, {"default_config", p.default_config},
                      {"default_tflops", p.default_tflops}, {"cudnn_tflops", p.cudnn_tflops},
                      {"evaluations", p.evaluations}, {"cache_hits", p.cache_hits}, {"wall_s", p.wall_s},
                      {"stop_reason", p.stop_reason}, {"passed", all}});
  }
  for (auto& b : r.buckets) {
    const ProbeResult& rep = r.probes[b.representative];
    buckets.push_back({{"group", b.group}, {"decode", b.decode}, {"min", b.range.min}, {"max", b.range.max},
                       {"probes", b.probes}, {"config", b.config}, {"worst_ratio_to_probe_best", b.worst_ratio},
                       {"representative", b.representative}, {"tflops", rep.tflops_of(b.config)},
                       {"default_tflops", rep.default_tflops}, {"cudnn_tflops", rep.cudnn_tflops}});
  }
  return {{"schema", "attnlab.campaign/1"}, {"environment", environment}, {"wall_s", r.wall_s},
          {"evaluations", r.evaluations}, {"cache_hits", r.cache_hits}, {"probes", probes}, {"buckets", buckets}};
}

std::string campaign_table_text(const CampaignResult& r) {
  std::string s = fmt::format("{:<30} {:>15} {:<30} {:>9} {:>9} {:>9} {:>8} {:>8}\n", "group", "length", "chosen",
                              "TFLOP/s", "default", "cuDNN", "vs def", "vs cuDNN");
  for (auto& b : r.buckets) {
    const ProbeResult& rep = r.probes[b.representative];
    const double t = rep.tflops_of(b.config);
    const std::string len = fmt::format("{}..{}", b.range.min, b.range.max == INT32_MAX ? std::string("inf")
                                                                                        : std::to_string(b.range.max));
    s += fmt::format("{:<30} {:>15} {:<30} {:>9.1f} {:>9.1f} {:>9.1f} {:>8.3f} {:>8.3f}\n", b.group, len, b.config, t,
                     rep.default_tflops, rep.cudnn_tflops, rep.default_tflops > 0 ? t / rep.default_tflops : 0.0,
                     rep.cudnn_tflops > 0 ? t / rep.cudnn_tflops : 0.0);
  }
  s += fmt::format("{} probes, {} buckets, {} evaluations ({} from the database), {}\n", r.probes.size(), r.buckets.size(),
                   r.evaluations, r.cache_hits, duration_text(r.wall_s));
  return s;
}

}  // namespace attnlab
