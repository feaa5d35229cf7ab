#pragma once
// Nsight Compute's CSV (`ncu --csv --page raw [--print-units base]`): a header row ("ID","Process ID",...,
// metric names), a units row, then one row per profiled kernel. Lines that are not CSV records (==PROF==
// messages, the application's own output) are skipped; a header may repeat.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace attnlab::profile {

struct NcuKernel {
  int id = -1;
  std::string name;                         // "Kernel Name" (demangled as ncu prints it)
  std::string block_size, grid_size;        // "(128, 1, 1)"
  std::map<std::string, std::string> info;  // the other non-metric columns (Device, CC, Stream, ...)
  std::map<std::string, double> metrics;    // numeric cells; "n/a" and empty cells are absent
  std::map<std::string, std::string> units; // metric -> unit from the units row ("%", "nsecond")
  std::vector<std::string> unavailable;     // metrics that read n/a (or were empty) for this kernel
  std::optional<double> metric(const std::string& name) const;
};

// UserError when the text has no ncu CSV header (e.g. ncu failed: pass its output to ncu_failure()).
std::vector<NcuKernel> parse_ncu_csv(const std::string& text);

// "1,234.5" -> 1234.5; "n/a", "" or text -> nullopt.
std::optional<double> parse_ncu_number(const std::string& cell);

}  // namespace attnlab::profile
