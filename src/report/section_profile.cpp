// Roofline of every profiled kernel and the verdict table (profile/*.json, docs/evidence-schema.md).
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "io/json_text.hpp"
#include "report/report_sections.hpp"
#include "report/svg_text.hpp"
#include "report/xy_chart.hpp"

namespace attnlab::report {

std::string section_roofline(const EvidenceSet& e) {
  std::string out = section_open(
      "roofline", "Roofline and verdicts",
      "Each profiled kernel at its arithmetic intensity (FLOP per DRAM byte) and achieved TFLOP/s, under the roof "
      "min(ceiling, intensity × bandwidth) drawn from the measured tensor ceiling and device-to-device copy bandwidth. "
      "The verdict is the profiler's: what limits the kernel.");
  if (!e.profile_missing.empty()) return out + missing_note("roofline", e.profile_missing) + "</section>";
  const double peak = e.compare.ceiling_tflops, bw = e.compare.copy_gbps;
  XYChart ch;
  ch.kind = "roofline";
  ch.title = "Roofline: achieved TFLOP/s vs arithmetic intensity";
  ch.x = Axis{"arithmetic intensity (FLOP/byte, log scale)", Scale::log10};
  ch.y = Axis{"TFLOP/s (log scale)", Scale::log10};
  std::vector<double> xs, ys;
  std::map<std::string, size_t> by_backend;
  for (auto& p : e.profiles) {
    if (!(p.arithmetic_intensity > 0) || !(p.tflops > 0)) continue;
    auto [it, fresh] = by_backend.emplace(p.backend, ch.series.size());
    if (fresh) {
      Series s;
      s.name = p.backend.empty() ? "unknown backend" : p.backend;
      s.line = false;
      s.colour = s.marker = backend_colour(p.backend);
      ch.series.push_back(std::move(s));
    }
    auto& s = ch.series[it->second];
    s.x.push_back(p.arithmetic_intensity);
    s.y.push_back(p.tflops);
    s.tips.push_back(fmt::format("{} ({}): {} TFLOP/s at {} FLOP/B — {}", p.kernel, p.backend, format_number(p.tflops),
                                 format_number(p.arithmetic_intensity), p.verdict));
    xs.push_back(p.arithmetic_intensity);
    ys.push_back(p.tflops);
  }
  if (peak > 0 && bw > 0) {
    const double ridge = peak * 1000 / bw;  // FLOP/byte where the roofs meet
    xs.push_back(ridge / 8);
    xs.push_back(ridge * 8);
    ys.push_back(peak);
    finalize_axis(ch.x, xs);
    ch.x.fixed = true;
    ch.refs.push_back(reference_line(fmt::format("roof: {} GB/s, {} TFLOP/s", format_number(bw), format_number(peak)),
                             {ch.x.lo, ridge, ch.x.hi},
                             {ch.x.lo * bw / 1000, peak, peak}));
  }
  finalize_axis(ch.y, ys);
  ch.y.lo = std::max(ch.y.lo, ch.y.hi / 1e4);
  ch.y.fixed = true;
  out += "<div class=\"charts\">" + render_xy(ch) + "</div>";
  out += "<table><caption>Profiled kernels</caption><thead><tr><th>kernel</th><th>backend</th><th>TFLOP/s</th>"
         "<th>FLOP/byte</th><th>verdict</th><th>metrics</th><th>file</th></tr></thead><tbody>";
  for (auto& p : e.profiles) {
    std::string metrics;
    for (auto& [k, v] : p.metrics.items())
      metrics += fmt::format("{}{}={}", metrics.empty() ? "" : ", ", k,
                             v.is_number() ? format_number(v.get<double>()) : v.is_string() ? v.get<std::string>() : json_text(v));
    out += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                       "<td>{}</td><td class=\"metrics\">{}</td><td><code>{}</code></td></tr>",
                       xml_escape(p.kernel), xml_escape(p.backend), format_number(p.tflops),
                       format_number(p.arithmetic_intensity), xml_escape(p.verdict), xml_escape(metrics), xml_escape(p.file));
  }
  return out + "</tbody></table></section>";
}

}  // namespace attnlab::report
