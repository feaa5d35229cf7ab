#include "profile/ncu_csv.hpp"

#include <cstdlib>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "io/csv.hpp"

namespace attnlab::profile {

namespace {
// Columns ncu puts before the metrics on the raw page; everything else is a metric.
const std::set<std::string> kInfoColumns = {"ID",     "Process ID", "Process Name", "Host Name", "Kernel Name",
                                            "Kernel Time", "Context", "Stream", "Block Size", "Grid Size",
                                            "Device", "CC", "Section Name", "Metric Name", "Metric Unit",
                                            "Metric Value", "Function Name", "Demangled Name", "Mangled Name"};
}  // namespace

std::optional<double> NcuKernel::metric(const std::string& name) const {
  auto it = metrics.find(name);
  if (it == metrics.end()) return std::nullopt;
  return it->second;
}

std::optional<double> parse_ncu_number(const std::string& cell) {
  std::string s;
  for (char c : cell)
    if (c != ',' && c != ' ') s += c;
  if (s.empty() || s == "n/a") return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

std::vector<NcuKernel> parse_ncu_csv(const std::string& text) {
  std::vector<NcuKernel> kernels;
  std::vector<std::string> header, units;
  std::istringstream in(text);
  std::vector<std::string> cells;
  for (std::string skipped; in.peek() != std::char_traits<char>::eof();) {
    if (in.peek() != '"') {  // ==PROF== lines, application output
      std::getline(in, skipped);
      continue;
    }
    read_csv_record(in, cells);
    if (cells[0] == "ID") {
      header = std::move(cells);
      units.clear();
      continue;
    }
    if (header.empty()) continue;
    if (cells[0].empty()) {  // the units row right after the header
      units = std::move(cells);
      continue;
    }
    NcuKernel k;
    k.id = std::atoi(cells[0].c_str());
    for (size_t c = 1; c < header.size() && c < cells.size(); ++c) {
      const std::string& col = header[c];
      if (col == "Kernel Name") k.name = cells[c];
      else if (col == "Block Size") k.block_size = cells[c];
      else if (col == "Grid Size") k.grid_size = cells[c];
      else if (kInfoColumns.count(col)) k.info[col] = cells[c];
      else if (auto v = parse_ncu_number(cells[c])) {
        k.metrics[col] = *v;
        if (c < units.size() && !units[c].empty()) k.units[col] = units[c];
      } else {
        k.unavailable.push_back(col);
      }
    }
    kernels.push_back(std::move(k));
  }
  if (header.empty()) throw UserError("no Nsight Compute CSV in the output (no header row \"ID\",...)");
  return kernels;
}

}  // namespace attnlab::profile
