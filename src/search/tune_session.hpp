#pragma once
// A tune as a library call (`attnlab tune`, the campaign's buckets): the space, the strategy (or proposer),
// the GPU evaluator behind the results database, the checkpoint, evo_log.csv as trials happen and
// evo_best.json at the end.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/device.hpp"
#include "search/eval_runner.hpp"
#include "search/tuner.hpp"

namespace attnlab {

struct TuneSessionOptions {
  AttnProblem target;
  std::string family;              // empty: the arch's best
  std::string space = "tuning";    // default | tuning
  std::string strategy = "seeded"; // random | exhaustive | genetic | seeded | proposer
  std::string proposer;            // command, for the proposer strategy
  TuneOptions tune;                // budget, time limit, RNG seed, population, seeds (micro_best / neighbours)
  std::string db = "attnlab.db";
  std::string out_dir = ".";
  std::string run_id;              // empty: strategy, shape and seed
  bool fresh = false, resume = false;
  double max_time_s = 2.0;
  double sanitize_timeout_s = 300;
  int top_k = 8;
  std::function<void(const std::string&)> log;  // progress lines (optional)
  // The device the tune is for (none: this GPU). With a runner that needs no GPU (a replay), a tune runs without one.
  std::optional<DeviceInfo> device;
  // Runs the candidates (null: this GPU's worker process, search/eval_runner.hpp).
  std::function<std::unique_ptr<EvalRunner>(const GpuEvalOptions&)> runner;
};

struct TuneSessionResult {
  TuneResult result;
  History history;
  std::string run_id, log_path, best_path;
  double cudnn_us = 0;
  int cache_hits = 0;
  std::optional<Trial> best;
};

TuneSessionResult run_tune_session(const TuneSessionOptions& o);
std::string tune_summary_text(const TuneSessionResult& r);

}  // namespace attnlab
