// Campaigns (src/search/campaign, workload): a workload file's mistakes are one-line errors; buckets merge where one
// config serves neighbouring probes and split where the best config changes; the dispatch table a campaign writes
// looks up the bucket's config and falls back outside it; an interrupted campaign resumes without repeating an
// evaluation and ends with the table of an uninterrupted one. No GPU: a synthetic landscape answers as the runner.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <stdexcept>

#include "backends/custom/tile_config.hpp"
#include "core/error.hpp"
#include "search/campaign.hpp"
#include "search/synthetic_runner.hpp"
#include "search/workload.hpp"
#include "store/results_db.hpp"  // shape_key

using namespace attnlab;
namespace fs = std::filesystem;

namespace {
using json = nlohmann::json;

std::string workload_error(const json& j) {
  try {
    workload_from_json(j, "w.json");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

json llama() {
  return {{"schema", "attnlab.workload/1"},
          {"name", "llama"},
          {"model", {{"hidden", 4096}, {"heads", 32}, {"kv_heads", 8}, {"head_dim", 128}}},
          {"prefill", {{"tokens", 16384}, {"seqlens", {512, 2048, 1024}}}},
          {"masks", {"causal", "none"}}};
}

// The device and landscape of `--simulate landscape` (search/synthetic_runner): short prefills want 64-row tiles,
// long ones 128-row tiles, configs of one row count within 1 % of each other; cuDNN at 550 TFLOP/s. This runner
// counts the evaluations and can die after a number of them (the GPU going away mid-campaign).
class LandscapeRunner : public EvalRunner {
 public:
  LandscapeRunner(const AttnProblem& p, int* calls, int fail_after)
      : inner_(p, 0, SimulatedFaults{}), calls_(calls), fail_after_(fail_after) {}
  double cudnn_median_us() const override { return inner_.cudnn_median_us(); }
  bool launches_kernels() const override { return false; }
  Evaluation run(const EvalRequest& r) override {
    if (fail_after_ >= 0 && *calls_ >= fail_after_) throw std::runtime_error("the GPU went away (test)");
    ++*calls_;
    return inner_.run(r);
  }

 private:
  SyntheticRunner inner_;
  int* calls_;
  int fail_after_;
};

CampaignOptions options(const fs::path& dir, const json& workload, int* calls, int fail_after = -1) {
  CampaignOptions o;
  o.workload = workload_from_json(workload, "w.json");
  o.family = "sm90";
  o.budget = 24;
  o.population = 12;
  o.micro = false;
  o.db = (dir / "c.db").string();
  o.out_dir = dir.string();
  o.device = simulated_device(0);
  o.runner = [calls, fail_after](const GpuEvalOptions& go) {
    return std::make_unique<LandscapeRunner>(go.target, calls, fail_after);
  };
  return o;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("attnlab-campaign-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

ProbeResult probe(int64_t len, std::vector<std::pair<std::string, double>> t) {
  ProbeResult p;
  p.group = "g";
  p.problem = AttnProblem::make(1, 8, 8, int(len), int(len), 128, DType::bf16, false);
  std::sort(t.begin(), t.end(), [](auto& a, auto& b) { return a.second > b.second; });
  p.tflops = t;
  std::tie(p.best_config, p.best_tflops) = t.front();
  p.default_config = t.back().first;
  p.default_tflops = t.back().second;
  return p;
}
}  // namespace

TEST(Workload, ModelCrossedWithLengthsMasksAndDtypes) {
  json j = llama();
  j["dtypes"] = {"bf16", "fp16"};
  j["decode"] = {{"batch", 8}, {"seqlens_k", {4096, 1024}}};
  const Workload w = workload_from_json(j, "w.json");
  EXPECT_EQ(w.name, "llama");
  ASSERT_EQ(w.groups.size(), 6u);  // 2 dtypes x (2 masks prefill + decode)
  EXPECT_EQ(w.problems(), 2u * (2 * 3 + 2));
  for (auto& g : w.groups) {
    for (size_t k = 1; k < g.problems.size(); ++k) EXPECT_LT(g.length_of(g.problems[k - 1]), g.length_of(g.problems[k]));
    for (auto& p : g.problems) {
      EXPECT_EQ(p.heads, 32);
      EXPECT_EQ(p.heads_k, 8);
      if (g.decode) {
        EXPECT_EQ(p.seqlen_q, 1);
        EXPECT_EQ(p.batch, 8);
      } else {
        EXPECT_EQ(int64_t(p.batch) * p.seqlen_q, 16384);
      }
    }
  }
}

TEST(Workload, ExplicitShapesAndFiles) {
  const json j = {{"schema", "attnlab.workload/1"},
                  {"shapes",
                   {{{"batch", 2}, {"heads", 16}, {"seqlen_q", 1000}, {"seqlen_k", 3000}, {"head_dim", 64}, {"causal", true}},
                    {{"batch", 1}, {"heads", 16}, {"heads_k", 4}, {"seqlen_q", 1}, {"seqlen_k", 3000}, {"head_dim", 64}}}}};
  const Workload w = workload_from_json(j, "w.json");
  ASSERT_EQ(w.groups.size(), 2u);
  const fs::path ex = fs::path(ATTNLAB_SOURCE_DIR) / "examples/workloads";
  size_t files = 0;
  for (auto& f : fs::directory_iterator(ex)) {
    const Workload e = read_workload_file(f.path().string());
    EXPECT_GE(e.problems(), 12u) << f.path();
    ++files;
  }
  EXPECT_GE(files, 2u);
  json h = llama();  // head dim from hidden / heads
  h["model"].erase("head_dim");
  EXPECT_EQ(workload_from_json(h, "w.json").groups[0].problems[0].head_dim, 128);
}

TEST(Workload, MistakesAreOneLineErrors) {
  auto with = [](const std::function<void(json&)>& f) {
    json j = llama();
    f(j);
    return workload_error(j);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {with([](json& j) { j["schema"] = "attnlab.workload/9"; }), "\"schema\" must be"},
      {with([](json& j) { j["modle"] = 1; }), "unknown field 'modle'"},
      {with([](json& j) { j["model"]["kv_heads"] = 5; }), "does not divide heads 32"},
      {with([](json& j) { j["model"].erase("head_dim"); j["model"]["hidden"] = 4100; }), "4100 is not a multiple of heads 32"},
      {with([](json& j) { j["model"].erase("head_dim"); j["model"].erase("hidden"); }), "needs \"head_dim\" or \"hidden\""},
      {with([](json& j) { j["model"]["head_dim"] = 96; }), "head_dim: 96 is not supported"},
      {with([](json& j) { j["prefill"]["seqlens"] = json::array(); }), "non-empty array"},
      {with([](json& j) { j["prefill"]["seqlens"] = {512, 0}; }), "seqlens[1]: 0 is outside"},
      {with([](json& j) { j["prefill"]["seqlens"] = {512, "1k"}; }), "seqlens[1]: not an integer"},
      {with([](json& j) { j["masks"] = {"sliding"}; }), "not one of the allowed values"},
      {with([](json& j) { j["dtypes"] = {"fp8"}; }), "not one of the allowed values"},
      {with([](json& j) { j.erase("prefill"); }), "needs \"prefill\" or \"decode\""},
      {with([](json& j) { j.erase("model"); }), "needs \"model\" or \"shapes\""},
      {with([](json& j) { j["shapes"] = {{{"batch", 1}, {"heads", 8}, {"seqlen_q", 4}, {"seqlen_k", 4}}}; }), "no \"head_dim\""},
      {workload_error(json::array()), "not a JSON object"},
  };
  for (auto& [msg, want] : cases) {
    EXPECT_NE(msg.find(want), std::string::npos) << msg << " (wanted: " << want << ")";
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_EQ(msg.rfind("w.json", 0), 0u) << msg;
  }
}

TEST(CampaignBuckets, MergeWhileOneConfigServesSplitWhereTheBestChanges) {
  // x serves 512 and 1024 (best at both); at 4096 y is best and x is 10 % behind; z never serves.
  const std::vector<ProbeResult> probes = {probe(512, {{"x", 100}, {"y", 99}, {"z", 50}}),
                                           probe(1024, {{"x", 100}, {"y", 97}, {"z", 50}}),
                                           probe(4096, {{"y", 100}, {"x", 90}, {"z", 50}})};
  auto b = cut_buckets(probes, {0, 1, 2}, 0.02);
  set_bucket_ranges(probes, b);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].config, "x");  // worst ratio 1.0 beats y's 0.97
  EXPECT_EQ(b[0].probes, (std::vector<size_t>{0, 1}));
  EXPECT_DOUBLE_EQ(b[0].worst_ratio, 1.0);
  EXPECT_EQ(b[1].config, "y");
  EXPECT_EQ(b[0].range.min, 1);
  EXPECT_EQ(b[0].range.max, 2047);  // geometric mean of 1024 and 4096, minus one
  EXPECT_EQ(b[1].range.min, 2048);
  EXPECT_EQ(b[1].range.max, INT32_MAX);
  // A looser tolerance lets y serve all three: one bucket.
  EXPECT_EQ(cut_buckets(probes, {0, 1, 2}, 0.05).size(), 1u);
  // Every probe its own best: three buckets at zero tolerance when the bests differ.
  const std::vector<ProbeResult> alt = {probe(512, {{"x", 100}, {"y", 99}}), probe(1024, {{"y", 100}, {"x", 99}}),
                                        probe(2048, {{"x", 100}, {"y", 99}})};
  EXPECT_EQ(cut_buckets(alt, {0, 1, 2}, 0.0).size(), 3u);
}

TEST(Campaign, BucketsFollowTheLandscapeAndTheTableDispatchesThem) {
  const fs::path dir = fresh_dir("landscape");
  json w = llama();
  w["prefill"]["seqlens"] = {512, 1024, 2048, 8192, 16384};
  w["masks"] = {"none"};
  int calls = 0;
  const CampaignResult r = run_campaign(options(dir, w, &calls));
  // Five probes plus one refinement between 2048 and 8192 (best changes there, 4x apart).
  ASSERT_EQ(r.probes.size(), 6u);
  EXPECT_EQ(std::count_if(r.probes.begin(), r.probes.end(), [](auto& p) { return p.refinement; }), 1);
  for (auto& p : r.probes) {
    EXPECT_EQ(p.evaluations, 24);
    EXPECT_GT(p.default_tflops, 0) << "the default is measured on every probe";
    EXPECT_GT(p.cudnn_tflops, 0);
    EXPECT_EQ(TileConfig::parse(p.best_config).tile_rows(), p.problem.seqlen_q <= 2048 ? 64 : 128) << p.problem.describe();
  }
  ASSERT_EQ(r.buckets.size(), 2u);
  EXPECT_EQ(TileConfig::parse(r.buckets[0].config).tile_rows(), 64);
  EXPECT_EQ(TileConfig::parse(r.buckets[1].config).tile_rows(), 128);
  EXPECT_GE(r.buckets[0].worst_ratio, 0.98);
  // The table: each bucket's config inside it, the nearest bucket's beyond the probed lengths, the default elsewhere.
  const DispatchTable& t = r.table;
  EXPECT_EQ(t.arch, "sm_90a");
  ASSERT_EQ(t.entries.size(), 2u);
  const ArchLimits limits{"sm_90a", 232448};
  auto chosen = [&](int s, int d = 128, int hk = 8) {
    return choose_config(t, AttnProblem::make(1, 32, hk, s, s, d, DType::bf16, false), limits, 132);
  };
  EXPECT_EQ(chosen(700).config.name(), r.buckets[0].config);
  EXPECT_EQ(chosen(100).config.name(), r.buckets[0].config);
  EXPECT_EQ(chosen(12000).config.name(), r.buckets[1].config);
  EXPECT_EQ(chosen(1 << 20).config.name(), r.buckets[1].config);
  EXPECT_EQ(chosen(2048).config.name(), r.buckets[0].config);
  const DispatchChoice other_d = chosen(4096, 64);
  EXPECT_EQ(other_d.entry, nullptr);
  EXPECT_NE(other_d.note.find("no dispatch entry"), std::string::npos);
  EXPECT_EQ(chosen(4096, 128, 32).entry, nullptr) << "another GQA ratio is another key";
  // Entries carry the same run's numbers.
  for (auto& e : t.entries) {
    EXPECT_GT(e.tflops, 0);
    EXPECT_GT(e.default_tflops, 0);
    EXPECT_EQ(e.best_peer, "cudnn");
    EXPECT_NEAR(e.best_peer_tflops, 550, 1e-6);
  }
  // The table round-trips through its reader and the JSON outputs name every probe.
  EXPECT_EQ(to_json(dispatch_from_json(to_json(t), "t")), to_json(t));
  const json cj = campaign_to_json(r, t.environment);
  EXPECT_EQ(cj["probes"].size(), 6u);
  EXPECT_EQ(cj["buckets"].size(), 2u);
  EXPECT_NE(campaign_table_text(r).find("6 probes, 2 buckets"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Campaign, AnInterruptedCampaignResumesWithoutRepeatingAnEvaluation) {
  json w = llama();
  w["prefill"]["seqlens"] = {512, 4096};
  w["masks"] = {"causal", "none"};
  const fs::path whole = fresh_dir("whole"), cut = fresh_dir("cut");
  int calls_whole = 0;
  const CampaignResult ref = run_campaign(options(whole, w, &calls_whole));
  int calls_first = 0;
  EXPECT_THROW(run_campaign(options(cut, w, &calls_first, 40)), std::runtime_error);  // dies in the second probe
  EXPECT_EQ(calls_first, 40);
  int calls_second = 0;
  const CampaignResult resumed = run_campaign(options(cut, w, &calls_second));
  EXPECT_EQ(calls_first + calls_second, calls_whole) << "every evaluation once, across the interruption";
  EXPECT_EQ(resumed.evaluations, ref.evaluations);
  // The first probe resumes from its checkpoint; the four evaluations the dead one finished after its last
  // checkpoint (36 + 4 = 40 calls) were stored as each finished and come from the database.
  EXPECT_EQ(resumed.cache_hits, 4);
  ASSERT_EQ(resumed.table.entries.size(), ref.table.entries.size());
  for (size_t k = 0; k < ref.table.entries.size(); ++k) {
    EXPECT_EQ(resumed.table.entries[k].config, ref.table.entries[k].config);
    EXPECT_EQ(resumed.table.entries[k].seqlen_q.max, ref.table.entries[k].seqlen_q.max);
  }
  // Run again: nothing left to measure.
  int calls_third = 0;
  run_campaign(options(cut, w, &calls_third));
  EXPECT_EQ(calls_third, 0);
  fs::remove_all(whole);
  fs::remove_all(cut);
}

TEST(Campaign, FinalistsAreRetimedOnOneGpuBeforeTheyEnterTheTable) {
  // Evaluations from several GPUs (MPI ranks): each bucket's chosen config and default re-timed by one runner.
  const fs::path dir = fresh_dir("retime");
  json w = llama();
  w["prefill"]["seqlens"] = {512, 8192};
  w["masks"] = {"none"};
  int calls = 0;
  CampaignOptions o = options(dir, w, &calls);
  std::vector<std::string> retimed;
  o.retime = [&](const GpuEvalOptions& go, const TileConfig& c, double& cudnn_us) {
    retimed.push_back(shape_key(go.target) + " " + c.name());
    cudnn_us = go.target.flops() / 500e12 * 1e6;  // cuDNN at 500 TFLOP/s on "that GPU"
    Evaluation e;
    e.config = c;
    e.compiled = e.correct = true;
    e.tflops = 123;
    return e;
  };
  const CampaignResult r = run_campaign(o);
  ASSERT_EQ(r.table.entries.size(), 2u);
  EXPECT_GE(retimed.size(), 2u);
  EXPECT_LE(retimed.size(), 4u) << "chosen and default per bucket, nothing else";
  for (auto& e : r.table.entries) {
    EXPECT_DOUBLE_EQ(e.tflops, 123);
    EXPECT_DOUBLE_EQ(e.default_tflops, 123);
    EXPECT_NEAR(e.best_peer_tflops, 500, 1e-6);
  }
  fs::remove_all(dir);
}
