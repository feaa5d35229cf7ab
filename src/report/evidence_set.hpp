#pragma once
// An evidence directory read into what the report draws. Every part is optional: a part that is absent or
// unreadable keeps an empty payload and a `missing` line saying why, so the report shows the gap instead of
// failing. File formats: docs/evidence-schema.md.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace attnlab::report {

struct CompareRow {
  std::string backend, describe, kind, status, dtype;
  int head_dim = 0, seqlen = 0;
  bool causal = false;
  double tflops = 0;
};

struct CompareData {
  std::vector<std::string> files;
  std::vector<CompareRow> rows;  // compare.json, then compare_tuned.json's custom rows as "custom (tuned)"
  double ceiling_tflops = 0;     // measured tensor ceiling of the grid's dtype
  double copy_gbps = 0;          // measured device-to-device copy bandwidth
  std::string dtype;
  std::string missing;
};

struct MicroData {
  std::string file;
  std::string problem;  // one line
  std::vector<std::string> configs;
  std::vector<double> micro_tflops, full_tflops;  // paired by config
  double spearman = 0;                            // as recorded by attnlab micro
};

struct CurveData {
  std::string name;  // "random (replay median)", "tune/seeded (GPU run)"
  std::vector<double> best_so_far;  // TFLOP/s after i + 1 evaluations
  bool replay = false;
};

struct TuneData {
  std::vector<std::string> files;
  std::vector<CurveData> curves;
  double target_tflops = 0;  // replay target (0: none)
  int rng_seeds = 0;
  nlohmann::json replay_table;  // per strategy: median, mean, success_rate
  std::string missing;
};

struct ProfileEntry {
  std::string file, kernel, backend, verdict;
  double tflops = 0, arithmetic_intensity = 0;  // FLOP per DRAM byte
  nlohmann::json metrics;
};

struct CheckSummary {
  std::string file;
  int total = 0, passed = 0;
  std::vector<std::string> failures;  // first few, one line each
  std::string missing;
};

// campaign.json (attnlab campaign): one row per bucket, the representative probe's numbers.
struct CampaignBucketRow {
  std::string group, config;
  int64_t min = 0, max = 0;
  double tflops = 0, default_tflops = 0, cudnn_tflops = 0;
  int probes = 0;
};
struct CampaignData {
  std::string file;
  std::vector<CampaignBucketRow> buckets;
  int probes = 0, evaluations = 0;
  double wall_s = 0;
  std::string missing;
};

struct RawFile {
  std::string path;  // relative to the evidence directory
  uintmax_t bytes = 0;
  std::string sha256, step;  // from manifest.json when listed there
};

struct EvidenceSet {
  std::string dir;
  CompareData compare;
  std::vector<MicroData> micro;
  std::string micro_missing;
  TuneData tune;
  std::vector<ProfileEntry> profiles;
  std::string profile_missing;
  CheckSummary check;
  CampaignData campaign;
  nlohmann::json environment;  // env.json, else the environment of compare.json / micro_best.json
  std::string environment_file, devices_txt;
  std::vector<RawFile> files;
  std::vector<std::string> warnings;  // files that exist but could not be read
};

// Reads `dir`; UserError only when `dir` is not a directory. A symbolic link that leads out of `dir` is
// neither read nor linked (a warning says so); a JSON file nested deeper than io/json_text.hpp allows,
// a record with a number that is not one (a head dim of 1e300), is a warning, not a crash.
EvidenceSet load_evidence(const std::string& dir);

// The files of `dir` whose content the report reads (compare.json, env.json, profile/*.json, ...; not the
// raw files it only lists): the inputs an --out must not replace.
std::vector<std::string> evidence_inputs(const std::string& dir);

// Spearman rank correlation (average ranks for ties); 0 for fewer than 2 pairs.
double spearman(const std::vector<double>& a, const std::vector<double>& b);
std::vector<double> ranks(const std::vector<double>& v);  // 1 = largest

}  // namespace attnlab::report
