#include "search/tune_log.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/csv.hpp"
#include "io/json_text.hpp"

namespace attnlab {

namespace {
bool has_content(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::symlink_status(path, ec)) && std::filesystem::file_size(path, ec) > 0;
}
}  // namespace

EvoLogWriter::EvoLogWriter(const std::string& path, bool append) : out_(path, !(append && has_content(path))) {
  if (out_.size_at_open() == 0) out_.write(evo_log_header() + '\n');
}

void EvoLogWriter::write(const Trial& t) { out_.write(evo_log_row(t.generation, t.eval, t.source_file) + '\n'); }

void EvoLogWriter::write_all(const History& h) {
  for (auto& t : h.trials()) write(t);
}

nlohmann::json evo_best_json(const History& h, int top_k, const nlohmann::json& environment, const std::string& strategy) {
  std::vector<const Trial*> ok;
  for (auto& t : h.trials())
    if (fitness(t.eval) > 0) ok.push_back(&t);
  std::stable_sort(ok.begin(), ok.end(), [](const Trial* a, const Trial* b) { return fitness(a->eval) > fitness(b->eval); });
  nlohmann::json top = nlohmann::json::array();
  for (size_t i = 0; i < ok.size() && static_cast<int>(i) < top_k; ++i) {
    const auto& e = ok[i]->eval;
    top.push_back({{"rank", i + 1},
                   {"config", e.config.name()},
                   {"source_file", ok[i]->source_file},
                   {"generation", ok[i]->generation},
                   {"tflops", e.tflops},
                   {"median_us", e.median_us},
                   {"speedup_vs_cudnn", e.speedup_vs_cudnn},
                   {"registers", e.registers},
                   {"spill_bytes", e.spill_bytes},
                   {"smem_bytes", e.smem_bytes},
                   {"max_error", e.max_error}});
  }
  return {{"schema", "attnlab.evo_best/1"}, {"environment", environment},   {"strategy", strategy},
          {"evaluations", h.size()},        {"successful", ok.size()},      {"top", top}};
}

void write_evo_best(const std::string& path, const History& h, int top_k, const nlohmann::json& environment,
                    const std::string& strategy) {
  write_file_atomic(path, json_text(evo_best_json(h, top_k, environment, strategy), 2) + '\n', Naming::by_attnlab);
}

}  // namespace attnlab
