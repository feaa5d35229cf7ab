// Printing of an InspectReport: a table for people, JSON for tools.
#include <fmt/format.h>

#include "profile/inspect.hpp"

namespace attnlab::profile {

namespace {
// The instruction-mix columns of the table (all categories go to JSON).
const char* const kTableMix[] = {"HMMA", "HGMMA", "LDGSTS", "UTMALDG", "LDSM", "LDL", "STL", "BAR", "MUFU.EX2", "SYNCS"};
}  // namespace

void print_report(const InspectReport& r, std::FILE* out) {
  fmt::print(out, "{} d={} {}: {} configs{}\n", r.arch, r.head_dim, r.dtype, r.rows.size(),
             r.disassembler.empty() ? "" : " (SASS: " + r.disassembler + ")");
  if (!r.sass_error.empty()) fmt::print(out, "no SASS: {}\n", r.sass_error);
  std::string head = fmt::format("{:<34} {:>4} {:>7} {:>5} {:>6} {:>6} {:>4} {:>6} {:>6}", "config", "regs", "smem B",
                                 "stack", "spillS", "spillL", "CTA", "occ", "limit");
  for (const char* c : kTableMix) head += fmt::format(" {:>7}", c);
  fmt::print(out, "{} {:>6}  flags\n", head, "total");
  for (const auto& row : r.rows) {
    const auto& res = row.resources;
    std::string line = fmt::format("{:<34} {:>4} {:>7} {:>5} {:>6} {:>6} {:>4} {:>5.0f}% {:>6}", row.name,
                                   res.registers, row.smem_total(), res.stack_frame, res.spill_stores, res.spill_loads,
                                   row.occupancy.blocks_per_sm, 100 * row.occupancy.fraction,
                                   limiter_name(row.occupancy.limiter));
    for (const char* c : kTableMix) line += row.has_sass ? fmt::format(" {:>7}", row.mix.count(c)) : fmt::format(" {:>7}", "-");
    line += row.has_sass ? fmt::format(" {:>6}", row.mix.total) : fmt::format(" {:>6}", "-");
    std::string flags;
    for (const auto& f : row.flags) flags += (flags.empty() ? "" : "; ") + f;
    fmt::print(out, "{}  {}\n", line, flags);
  }
  int spilling = 0;
  for (const auto& row : r.rows) spilling += row.spills();
  fmt::print(out, "{} of {} configs spill\n", spilling, r.rows.size());
  for (const auto& k : r.dead.knobs)
    fmt::print(out, "knob {:<10} {:>3} of {:>3} one-knob pairs compiled to identical SASS{}\n", k.knob, k.identical,
               k.pairs, k.dead() ? "  -> DEAD KNOB" : "");
  for (const auto& p : r.dead.pairs) fmt::print(out, "identical SASS: {} = {} (differ only in {})\n", p.a, p.b, p.knob);
}

nlohmann::json to_json(const InspectReport& r) {
  nlohmann::json j = {{"arch", r.arch}, {"head_dim", r.head_dim}, {"dtype", r.dtype}, {"disassembler", r.disassembler}};
  if (!r.sass_error.empty()) j["sass_error"] = r.sass_error;
  auto& rows = j["configs"] = nlohmann::json::array();
  for (const auto& row : r.rows) {
    const auto& res = row.resources;
    nlohmann::json w = nlohmann::json::array();
    for (const auto& x : row.warnings) w.push_back({{"code", x.code}, {"text", x.text}});
    nlohmann::json jr = {
        {"name", row.name}, {"family", row.family}, {"knobs", row.knobs}, {"threads", row.threads},
        {"registers", res.registers}, {"static_smem", res.static_smem}, {"dynamic_smem", row.dyn_smem},
        {"stack_frame", res.stack_frame}, {"spill_stores", res.spill_stores}, {"spill_loads", res.spill_loads},
        {"barriers", res.barriers}, {"spills", row.spills()}, {"warnings", w}, {"flags", row.flags},
        {"occupancy", {{"blocks_per_sm", row.occupancy.blocks_per_sm}, {"warps_per_sm", row.occupancy.warps_per_sm},
                       {"fraction", row.occupancy.fraction}, {"limiter", limiter_name(row.occupancy.limiter)},
                       {"blocks_by_registers", row.occupancy.blocks_by_regs},
                       {"blocks_by_smem", row.occupancy.blocks_by_smem},
                       {"blocks_by_threads", row.occupancy.blocks_by_threads}}}};
    if (row.has_sass) {
      jr["sass_hash"] = row.sass_hash;
      jr["instructions"] = row.mix.by_category;
      jr["instructions"]["total"] = row.mix.total;
      jr["opcodes"] = row.mix.by_opcode;
    }
    rows.push_back(std::move(jr));
  }
  auto& dead = j["dead_knobs"] = nlohmann::json::array();
  for (const auto& k : r.dead.knobs)
    dead.push_back({{"knob", k.knob}, {"pairs", k.pairs}, {"identical", k.identical}, {"dead", k.dead()}});
  auto& pairs = j["identical_sass_pairs"] = nlohmann::json::array();
  for (const auto& p : r.dead.pairs) pairs.push_back({{"knob", p.knob}, {"a", p.a}, {"b", p.b}});
  return j;
}

}  // namespace attnlab::profile
