#pragma once
// The tile microbenchmark: for each tile config, the real kernel's mainloop (same pipeline, QK^T mma,
// online softmax, PV mma) over a fixed number of K/V tiles on exactly one full wave of CTAs (SMs x
// resident CTAs per SM), timed in-kernel with clock64 (cycles per tile, per CTA) and by the measurement
// core (wave time -> TFLOP/s). All CTAs share one K/V head (MQA), so K/V stay in L2 and the number
// reflects the on-chip pipeline the config builds. Ranks configs; Top-K seeds the tuner.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "backends/custom/tile_config.hpp"
#include "core/problem.hpp"

namespace attnlab {

struct MicroOptions {
  int head_dim = 128;
  DType dtype = DType::bf16;
  int keys = 4096;          // K/V length each CTA walks through
  double max_time_s = 1.0;  // per config
};

struct MicroResult {
  TileConfig config;
  int registers = -1, spill_bytes = 0, smem_bytes = 0;
  int ctas_per_sm = 0, ctas = 0, tiles = 0;
  double cycles_per_tile = 0;  // mean over CTAs of mainloop cycles / tiles
  double wave_us = 0;          // median wave time (measurement core, cold L2)
  double tflops = 0;           // FLOPs of the wave / wave time
  double sm_clock_mhz = 0;
  std::string error;
};

std::vector<MicroResult> run_microbench(const std::vector<TileConfig>& configs, const MicroOptions& opt);

// Spearman rank correlation (average ranks for ties); NaN when fewer than 3 pairs.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

// micro_best.json (schema attnlab.micro/1, docs/evidence-schema.md): the top-k by TFLOP/s, all results,
// and, when given, the rank correlation with the full kernel.
nlohmann::json micro_json(const std::vector<MicroResult>& results, int top_k, const MicroOptions& opt,
                          const nlohmann::json& environment, const nlohmann::json& correlation = nullptr);
// The Top-K configs of a micro_best.json (UserError when the file is missing or malformed).
std::vector<TileConfig> read_micro_best(const std::string& path);

}  // namespace attnlab
