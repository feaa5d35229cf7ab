#pragma once
// The check matrix as a library call (`attnlab check`, `check --exported`, the evidence pipeline): every
// target (a kernel behind an AttnRunner: a built-in config, an exported library's entry point) on every check
// shape (check_shapes: tails, Sq != Sk both ways, GQA) of every (dtype, head dim, mask), one fresh CheckCase
// per shape shared by the targets. Printers side by side below; the CLI parses flags and calls these.
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "check/checker.hpp"

namespace attnlab {

struct CheckTarget {
  std::string name;
  AttnRunner run;
};

struct CheckMatrixRequest {
  std::vector<DType> dtypes{DType::bf16, DType::f16};
  std::vector<int> head_dims{64, 128, 256};
  std::vector<bool> masks{false, true};
  uint64_t seed = 0;  // 0: fresh per case
  std::string arch;   // of the device (the GPU reference's)
  // The targets of one (dtype, head dim); they stay alive for all its shapes.
  std::function<std::vector<CheckTarget>(DType, int head_dim)> targets;
};

// One line of the table: all targets on one shape.
struct CheckRow {
  DType dtype;
  int head_dim;
  bool causal;
  AttnProblem problem;
  int passed = 0, targets = 0;
  double o_max_abs = 0, o_rel_l2 = 0, lse_max_abs = 0;  // the worst over the targets
  std::string reference;
  uint64_t seed = 0;
};

struct CheckMatrixResult {
  std::vector<CheckResult> results;
  std::vector<CheckRow> rows;
  int failed() const;
};

// on_row (optional) hears each row as it completes (the CLI prints it at once).
CheckMatrixResult run_check_matrix(const CheckMatrixRequest& req, const std::function<void(const CheckRow&)>& on_row = {});

// Printers.
std::string check_matrix_header(const std::string& device, const std::string& arch);
std::string check_row_line(const CheckRow& r);
std::string check_failures_text(const CheckMatrixResult& r);
std::string check_summary_line(const CheckMatrixResult& r);
nlohmann::json check_matrix_json(const CheckMatrixResult& r);  // check.json: one core/records_json row per result

}  // namespace attnlab
