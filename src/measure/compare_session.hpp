#pragma once
// The comparison as a library call (`attnlab compare`, the evidence pipeline, the campaign's peers): backends x
// shapes, every backend gated on the same random inputs and reference per shape and timed by the same core,
// torch peers in one subprocess; results in the attnlab.result/1 schema. Printers side by side below.
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "core/problem.hpp"
#include "measure/ceilings.hpp"

namespace attnlab {

// The FlashAttention benchmark grid: batch = tokens / S, heads = hidden / d, for each d, mask and S.
struct CompareGrid {
  int tokens = 16384, hidden = 2048;
  std::vector<int> seqlens{512, 1024, 2048, 4096, 8192, 16384};
  std::vector<int> head_dims{64, 128, 256};
  std::string mask = "both";  // causal | none | both
  DType dtype = DType::bf16;
};
std::vector<AttnProblem> grid_shapes(const CompareGrid& g);  // UserError when a division is not integral
nlohmann::json to_json(const CompareGrid& g);

// A backend as named on the command line: "name" or "name:options" (custom:<config>, cudnn:heuristic,
// exported:<dir>); torch peers are "torch-*".
struct BackendSpec {
  std::string name, options;
  bool torch_peer = false, gemm = false;
};
BackendSpec parse_backend_spec(const std::string& text);  // UserError for an unknown backend
// The default list of `compare`: what this build has.
std::vector<std::string> default_compare_backends();

struct CompareRequest {
  std::vector<BackendSpec> backends;
  std::vector<AttnProblem> shapes;
  double max_time_s = 5;
  const Ceilings* ceilings = nullptr;
  std::string arch;                                    // of the device (references)
  std::function<void(const std::string&)> log;         // progress lines (optional)
};

// One JSON result per (backend, shape) in request order, torch peers last; GEMMs run once per shape on
// the non-causal rows.
std::vector<nlohmann::json> run_compare(const CompareRequest& req);

// Printers. The table: TFLOP/s per backend and ratio to cuDNN where both ran; CSV: the same numbers.
std::string compare_table_text(const std::vector<AttnProblem>& shapes, const std::vector<std::string>& columns,
                               const std::vector<nlohmann::json>& results);
std::string compare_csv(const std::vector<AttnProblem>& shapes, const std::vector<std::string>& columns,
                        const std::vector<nlohmann::json>& results);
nlohmann::json compare_document(const CompareGrid& grid, const Ceilings& ceilings, const std::vector<nlohmann::json>& results);
// The column a result belongs to: its backend name as requested (the name before ':').
std::string backend_column(const BackendSpec& b);

}  // namespace attnlab
