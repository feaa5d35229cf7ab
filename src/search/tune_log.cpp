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

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

}  // namespace

std::string evo_log_header() {
  return "generation,config,compiled,registers,spill_bytes,correct,max_error,median_us,tflops,speedup_vs_cudnn,"
         "source_file,error";
}

std::string evo_log_row(int generation, const Evaluation& e, const std::string& source_file) {
  return fmt::format("{},{},{},{},{},{},{:.17g},{:.17g},{:.17g},{:.17g},{},{}", generation, e.config.name(),
                     e.compiled ? 1 : 0, e.registers, e.spill_bytes, e.correct ? 1 : 0, e.max_error, e.median_us,
                     e.tflops, e.speedup_vs_cudnn, quote(source_file), quote(e.error));
}

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

std::vector<Trial> read_evo_log(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError("cannot read '" + path + "'");
  std::vector<std::string> f;
  std::string header;
  std::getline(in, header);
  if (!header.empty() && header.back() == '\r') header.pop_back();
  if (header != evo_log_header())
    throw UserError("'" + path + "' is not an evo_log.csv (unexpected header)");
  std::vector<Trial> out;
  int line = 1;
  while (read_csv_record(in, f)) {
    ++line;
    if (f.size() == 1 && f[0].empty()) continue;  // blank line
    if (f.size() != 12) throw UserError(fmt::format("{}:{}: expected 12 fields, got {}", path, line, f.size()));
    with_context(fmt::format("{}:{}", path, line), [&] {
      Trial t;
      t.generation = int(parse_int(f[0], "generation", 0, INT32_MAX));
      t.eval.config = with_context(field_value("config", f[1]), [&] { return TileConfig::parse(f[1]); });
      t.eval.compiled = f[2] == "1";
      t.eval.registers = int(parse_int(f[3], "registers", -1, INT32_MAX));
      t.eval.spill_bytes = int(parse_int(f[4], "spill_bytes", 0, INT32_MAX));
      t.eval.correct = f[5] == "1";
      t.eval.max_error = parse_double(f[6], "max_error");
      t.eval.median_us = parse_double(f[7], "median_us");
      t.eval.tflops = parse_double(f[8], "tflops");
      t.eval.speedup_vs_cudnn = parse_double(f[9], "speedup_vs_cudnn");
      t.source_file = f[10];
      t.eval.error = f[11];
      out.push_back(std::move(t));
    });
  }
  return out;
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
