#include "store/evo_log.hpp"

#include <fstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "io/csv.hpp"

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

}  // namespace attnlab
