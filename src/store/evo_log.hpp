#pragma once
// evo_log.csv, the tune's log of trials as they happen (written by search/tune_log.hpp's EvoLogWriter, read by
// replay and the report): one row per evaluation.
#include <string>
#include <vector>

#include "store/evaluation.hpp"

namespace attnlab {

// Columns: generation,config,compiled,registers,spill_bytes,correct,max_error,median_us,tflops,
// speedup_vs_cudnn,source_file,error. Doubles with 17 significant digits so replay from the CSV is
// exact; source_file and error are quoted (RFC 4180).
std::string evo_log_header();
std::string evo_log_row(int generation, const Evaluation& e, const std::string& source_file = "");
// Inverse of the writer: UserError on a missing file, wrong header or malformed row.
std::vector<Trial> read_evo_log(const std::string& path);

}  // namespace attnlab
