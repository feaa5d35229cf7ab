#pragma once
// What a tune leaves on disk besides the database: evo_log.csv, one row per evaluation as it happens
// (so an interrupted tune still has its log), and evo_best.json, the top-K with the environment.
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "io/atomic_file.hpp"
#include "search/evaluation.hpp"
#include "search/strategies/strategy.hpp"
#include "store/evo_log.hpp"  // the row format and its reader

namespace attnlab {

class EvoLogWriter {
 public:
  // append = true continues an existing log (a resumed tune); the header is written only to a new or
  // empty file. The file is attnlab's (OUT_DIR/evo_log.csv): a link planted there is replaced (a new
  // log) or refused (append), never written through. UserError when the file cannot be opened.
  explicit EvoLogWriter(const std::string& path, bool append = false);
  void write(const Trial& t);             // one row, written at once; UserError when the write fails
  void write_all(const History& h);       // every trial
 private:
  LogFile out_;
};

// {"schema":"attnlab.evo_best/1","environment":env,"strategy","evaluations","successful",
//  "top":[{"rank","config","source_file","generation","tflops","median_us","speedup_vs_cudnn",
//          "registers","spill_bytes","smem_bytes","max_error"}]}: the top_k successful trials by TFLOP/s.
nlohmann::json evo_best_json(const History& h, int top_k, const nlohmann::json& environment,
                             const std::string& strategy = "");
// Written to a temporary file and renamed (io/atomic_file.hpp, a name attnlab makes in the user's folder),
// so a reader never sees half a file.
void write_evo_best(const std::string& path, const History& h, int top_k, const nlohmann::json& environment,
                    const std::string& strategy = "");

}  // namespace attnlab
