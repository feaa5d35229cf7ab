#pragma once
// The record of one candidate's evaluation: what the search produces (search/evaluation.hpp's Evaluator),
// the results database persists and replays, the eval worker sends back, and the proposer's history shows.
// Its one JSON form is evaluation_to_json / evaluation_from_json.
#include <nlohmann/json.hpp>

#include <string>

#include "backends/custom/tile_config.hpp"

namespace attnlab {

struct Evaluation {
  TileConfig config;
  std::string source_hash;   // content hash of the kernel sources (+ proposer source, if any)
  bool compiled = false;
  int registers = -1, spill_bytes = 0, smem_bytes = 0;
  bool correct = false;      // passed the gate
  double max_error = 0;      // worst O max-abs error over the gate's shapes
  double median_us = 0;      // on the target shape; 0 when not timed
  double tflops = 0;         // fitness (0 when failed)
  double speedup_vs_cudnn = 0;  // median_cudnn / median_us on the target shape (0 when unknown)
  std::string error;         // compile log excerpt, gate failure or fault
  // The GPU that measured it (its UUID) when that is not the database context's own GPU (an MPI rank,
  // docs/mpi.md); empty: the context's GPU. Its speedup_vs_cudnn is against cuDNN timed on that GPU.
  std::string gpu_uuid;
  bool ok() const { return compiled && correct && tflops > 0; }
};

// One evaluation in a tune's history: when it was made and for which source candidate.
struct Trial {
  int generation = 0;
  std::string source_file;  // empty for config candidates
  Evaluation eval;
  // Identity in the history: the config, plus the source for source candidates (search's Candidate::key).
  std::string key() const { return source_file.empty() ? eval.config.name() : eval.config.name() + "@" + source_file; }
};

nlohmann::json evaluation_to_json(const Evaluation& e);
Evaluation evaluation_from_json(const nlohmann::json& j);  // UserError on a malformed record

}  // namespace attnlab
