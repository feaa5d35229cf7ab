#pragma once
// A campaign (`attnlab campaign`, docs/campaign.md): tune every probe shape of a workload, then cut each probe
// group (one dispatch key: dtype, head dim, mask, heads, KV heads, prefill or decode) into length buckets where
// the measurements say the best config changes, and write the dispatch table.
//  - probes: per group in ascending length; each probe is a seeded tune (search/tune_session) whose Gen 0 is
//    the family's default for the problem, then the best configs of the probes already measured (this group's
//    neighbour first, then the same length in the other groups of the same dtype and head dim: transfer), then
//    the microbenchmark's Top-K for (dtype, head dim) when a GPU is there; the default is always measured, so
//    "chosen vs default" is a measurement of the same run, and so is cuDNN on every probe;
//  - buckets: adjacent probes merge while one config is within `tolerance` of the best of every probe in the
//    bucket (greedy from the shortest, which gives the fewest buckets); boundaries at the geometric mean of
//    neighbouring probes' lengths; where two neighbours do not merge and lie >= 2x apart, one refinement probe
//    at their geometric mean (seeded with both neighbours' best) decides where the boundary goes;
//  - resumable: every probe's tune has a checkpoint and every evaluation is in the results database, so an
//    interrupted campaign run again repeats no finished evaluation.
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/custom/dispatch_table.hpp"
#include "runtime/device.hpp"
#include "search/eval_runner.hpp"
#include "search/workload.hpp"

namespace attnlab {

struct CampaignOptions {
  Workload workload;
  std::string family;            // empty: the arch's best
  std::string space = "tuning";  // the space every probe searches
  int budget = 12;               // evaluations per probe
  int population = 8;            // batch size of each probe's tune
  double max_time_s = 0.3;       // timing window per evaluation
  bool micro = true;             // seed from the microbenchmark (needs a GPU)
  int micro_top = 4;
  double micro_time_s = 0.2;
  double tolerance = 0.02;       // a config within 2 % of a probe's best serves that probe
  bool refine = true;
  bool fresh = false;            // re-measure instead of reusing the database's evaluations
  uint64_t rng_seed = 1;
  std::string db = "campaign/campaign.db";
  std::string out_dir = "campaign";
  std::function<void(const std::string&)> log;
  // Tests and simulation: the device (none: this GPU) and the runner per probe (none: a worker process).
  std::optional<DeviceInfo> device;
  std::function<std::unique_ptr<EvalRunner>(const GpuEvalOptions&)> runner;
  // Evaluations measured on several GPUs (MPI ranks, docs/mpi.md): each bucket's chosen config and the default of
  // its representative probe are re-timed by this, on one GPU, before they enter the dispatch table (with cuDNN
  // measured there too). Null: the tune's measurements are used (one GPU measured everything).
  std::function<Evaluation(const GpuEvalOptions&, const TileConfig&, double& cudnn_us)> retime;
};

struct ProbeResult {
  std::string group;
  bool decode = false;
  bool refinement = false;
  AttnProblem problem;
  std::vector<std::pair<std::string, double>> tflops;  // every config that passed, TFLOP/s, best first
  std::string best_config, default_config;
  double best_tflops = 0, default_tflops = 0, cudnn_tflops = 0;
  int evaluations = 0, cache_hits = 0;
  double wall_s = 0;
  std::string stop_reason;
  int64_t length() const { return decode ? problem.seqlen_k : problem.seqlen_q; }
  double tflops_of(const std::string& config) const;  // 0 when not measured (or failed) here
};

struct CampaignBucket {
  std::string group;
  bool decode = false;
  LengthRange range;            // of the varying length (Sq = Sk for prefill, Sk for decode)
  std::vector<size_t> probes;   // indices into CampaignResult::probes, ascending length
  std::string config;           // chosen: the best worst-case ratio to each probe's best
  double worst_ratio = 0;       // min over the bucket's probes of chosen / that probe's best
  size_t representative = 0;    // the probe whose numbers the dispatch entry carries (the bucket's middle)
};

struct CampaignResult {
  std::vector<ProbeResult> probes;
  std::vector<CampaignBucket> buckets;
  DispatchTable table;
  double wall_s = 0;
  int evaluations = 0, cache_hits = 0;
};

CampaignResult run_campaign(const CampaignOptions& o);

// Pure parts, tested on their own. `group` holds one group's probes in ascending length.
std::vector<CampaignBucket> cut_buckets(const std::vector<ProbeResult>& probes, const std::vector<size_t>& group,
                                        double tolerance);
// The length boundaries of consecutive buckets: geometric means between them; the first starts at 1 and the last
// ends at INT32_MAX (a longer or shorter shape is served by the nearest bucket's config, which the table says).
void set_bucket_ranges(const std::vector<ProbeResult>& probes, std::vector<CampaignBucket>& buckets);
DispatchTable campaign_dispatch(const std::vector<ProbeResult>& probes, const std::vector<CampaignBucket>& buckets,
                                const std::string& arch, const std::string& family, const nlohmann::json& environment);

nlohmann::json campaign_to_json(const CampaignResult& r, const nlohmann::json& environment);
std::string campaign_table_text(const CampaignResult& r);

}  // namespace attnlab
