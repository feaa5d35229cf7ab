#include "search/synthetic_runner.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/json_text.hpp"
#include "store/results_db.hpp"  // shape_key

namespace attnlab {

DeviceInfo simulated_device(int rank) {
  DeviceInfo d;
  d.name = "simulated H100 (synthetic landscape)";
  d.uuid = fmt::format("GPU-sim-rank{}", rank);
  d.cc_major = 9;
  d.sm_count = 132;
  d.smem_per_block_optin = 232448;
  d.driver_version = 13000;
  return d;
}

double synthetic_tflops(const TileConfig& c, const AttnProblem& p) {
  const double want = p.seqlen_q <= 2048 ? 64 : 128;
  const double noise = double(std::hash<std::string>{}(c.name()) % 100) / 100.0 * 0.009;
  return 600 * (1 - 0.2 * std::abs(std::log2(c.tile_rows() / want))) * (1 - noise);
}

namespace {
// "R:V" of an ATTNLAB_SIM_* variable; false when unset.
bool rank_and_value(const char* name, int& rank, std::string& value) {
  const char* v = std::getenv(name);
  if (!v || !*v) return false;
  const std::string s = v;
  const auto colon = s.find(':');
  if (colon == std::string::npos) throw UserError(fmt::format("{}={}: expected RANK:VALUE", name, s));
  rank = int(parse_int(s.substr(0, colon), name, 0, 1 << 20));
  value = s.substr(colon + 1);
  return true;
}
int evaluations_here = 0;  // this process's evaluations, over every session
}  // namespace

SimulatedFaults SimulatedFaults::from_env() {
  SimulatedFaults f;
  if (const char* v = std::getenv("ATTNLAB_SIM_LOG")) f.log = v;
  if (const char* v = std::getenv("ATTNLAB_SIM_EVAL_MS")) f.eval_s = double(parse_int(v, "ATTNLAB_SIM_EVAL_MS", 0, 600000)) / 1000;
  std::string value;
  if (rank_and_value("ATTNLAB_SIM_DIE", f.die_rank, value))
    f.die_after = int(parse_int(value, "ATTNLAB_SIM_DIE", 0, 1 << 30));
  if (rank_and_value("ATTNLAB_SIM_SLOW", f.slow_rank, value))
    f.slow_s = double(parse_int(value, "ATTNLAB_SIM_SLOW", 0, 3600));
  if (rank_and_value("ATTNLAB_SIM_GARBAGE", f.garbage_rank, f.garbage) && f.garbage != "malformed" && f.garbage != "wrong-id")
    throw UserError("ATTNLAB_SIM_GARBAGE=" + f.garbage + ": expected RANK:malformed or RANK:wrong-id");
  return f;
}

std::function<std::string(const std::string&)> SimulatedFaults::tamper(int rank) const {
  if (rank != garbage_rank) return {};
  if (garbage == "malformed") return [](const std::string&) { return std::string("{\"reply\": 1, \"evaluation\": [garbage"); };
  return [](const std::string& text) {  // a well-formed reply to a request nobody sent
    auto j = parse_json_text(text, "reply");
    j["reply"] = j["reply"].get<long>() + 1000000;
    return json_text(j);
  };
}

SyntheticRunner::SyntheticRunner(const AttnProblem& target, int rank, SimulatedFaults faults)
    : target_(target), rank_(rank), faults_(std::move(faults)) {}

double SyntheticRunner::cudnn_median_us() const { return target_.flops() / 550e12 * 1e6; }

Evaluation SyntheticRunner::run(const EvalRequest& r) {
  if (rank_ == faults_.die_rank && evaluations_here >= faults_.die_after) {
    std::fprintf(stderr, "simulate: rank %d dies at its evaluation %d (ATTNLAB_SIM_DIE)\n", rank_, evaluations_here + 1);
    std::_Exit(17);
  }
  double sleep_s = faults_.eval_s;
  if (rank_ == faults_.slow_rank && evaluations_here == 0) sleep_s = faults_.slow_s;
  ++evaluations_here;
  if (sleep_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
  Evaluation e;
  e.config = r.config;
  e.source_hash = request_source_hash(r);
  e.compiled = e.correct = true;
  e.tflops = synthetic_tflops(r.config, target_);
  e.median_us = target_.flops() / (e.tflops * 1e12) * 1e6;
  e.speedup_vs_cudnn = cudnn_median_us() / e.median_us;
  if (!faults_.log.empty()) {
    const std::string line = fmt::format("{}\t{}\t{}{}\n", rank_, shape_key(target_), r.config.name(),
                                         r.source_file.empty() ? "" : "\t" + r.source_file);
    if (FILE* f = std::fopen(faults_.log.c_str(), "a")) {  // one short append: whole lines from every rank
      std::fwrite(line.data(), 1, line.size(), f);
      std::fclose(f);
    }
  }
  return e;
}

}  // namespace attnlab
