// Tuning convergence (replay and GPU runs) and the microbenchmark's rank agreement with the full kernel.
#include <algorithm>
#include <climits>
#include <cmath>

#include <fmt/format.h>

#include "report/report_sections.hpp"
#include "report/svg_text.hpp"
#include "report/xy_chart.hpp"

namespace attnlab::report {

std::string section_convergence(const EvidenceSet& e) {
  const auto& t = e.tune;
  std::string out = section_open(
      "convergence", "Tuning convergence",
      "Best TFLOP/s found so far after each evaluation. Replay curves (solid) are the median over RNG seeds of a "
      "strategy run against the recorded exhaustive results (no GPU); GPU runs (dashed) are the evo_log.csv of a real "
      "tune (an exhaustive run is left out: its order is enumeration, not search). The dashed target line is the "
      "replay's goal: within 2 % of the best recorded config.");
  if (!t.missing.empty()) return out + missing_note("convergence", t.missing) + "</section>";
  XYChart ch;
  ch.kind = "convergence";
  ch.title = "Best TFLOP/s so far vs evaluations";
  ch.x = Axis{"evaluations"};
  ch.x.from_zero = false;
  ch.y = Axis{"best TFLOP/s so far"};
  ch.y.from_zero = false;
  ch.width = 760;
  ch.height = 380;
  size_t longest = 0;
  int colour = 0;
  for (auto& c : t.curves) {
    if (c.name.starts_with("exhaustive")) continue;  // enumeration order, not a search: not a convergence curve
    Series s;
    s.name = c.name;
    s.dashed = !c.replay;
    s.marker_every = static_cast<int>(std::max<size_t>(1, c.best_so_far.size() / 16));
    s.colour = s.marker = colour++;
    for (size_t i = 0; i < c.best_so_far.size(); ++i) {
      if (c.best_so_far[i] <= 0) continue;  // nothing succeeded yet
      s.x.push_back(static_cast<double>(i + 1));
      s.y.push_back(c.best_so_far[i]);
    }
    longest = std::max(longest, c.best_so_far.size());
    ch.series.push_back(std::move(s));
  }
  if (t.target_tflops > 0)
    ch.refs.push_back(reference_line(fmt::format("replay target {} TFLOP/s", format_number(t.target_tflops)),
                             {1.0, static_cast<double>(std::max<size_t>(longest, 2))},
                             {t.target_tflops, t.target_tflops}));
  out += "<div class=\"charts wide\">" + render_xy(ch) + "</div>";
  if (t.replay_table.is_array() && !t.replay_table.empty()) {
    out += fmt::format("<table><caption>Evaluations until within 2 % of the best ({} RNG seeds)</caption>"
                       "<thead><tr><th>strategy</th><th>median</th><th>mean</th><th>success</th></tr></thead><tbody>",
                       t.rng_seeds);
    for (auto& r : t.replay_table)
      out += fmt::format("<tr><td>{}</td><td class=\"num\">{:.1f}</td><td class=\"num\">{:.1f}</td>"
                         "<td class=\"num\">{:.0f} %</td></tr>",
                         xml_escape(r.value("strategy", "")), r.value("median", 0.0), r.value("mean", 0.0),
                         100 * r.value("success_rate", 0.0));
    out += "</tbody></table>";
  }
  out += "<p class=\"src\">Sources: ";
  for (auto& f : t.files) out += "<code>" + xml_escape(f) + "</code> ";
  return out + "</p></section>";
}

std::string section_rank(const EvidenceSet& e) {
  std::string out = section_open(
      "rank", "Microbenchmark rank vs measured rank",
      "Each point is one tile config: its rank by the one-wave mainloop microbenchmark (x) against its rank by the full "
      "kernel's measured TFLOP/s (y); 1 is the fastest. Points on the diagonal are ranked the same by both; Spearman's ρ "
      "summarises the agreement.");
  if (!e.micro_missing.empty()) return out + missing_note("rank", e.micro_missing) + "</section>";
  out += "<div class=\"charts\">";
  for (auto& m : e.micro) {
    const auto rx = ranks(m.micro_tflops), ry = ranks(m.full_tflops);
    const double rho = spearman(m.micro_tflops, m.full_tflops);
    XYChart ch;
    ch.kind = "rank";
    ch.title = fmt::format("{}: Spearman ρ = {:.2f} over {} configs ({})", m.file, std::isfinite(m.spearman) ? m.spearman : rho,
                           m.configs.size(), m.problem);
    ch.x = Axis{"microbenchmark rank (1 = fastest)"};
    ch.y = Axis{"measured full-kernel rank (1 = fastest)"};
    const double n = static_cast<double>(m.configs.size());
    ch.x.from_zero = ch.y.from_zero = false;
    ch.x.lo = ch.y.lo = 0;
    ch.x.hi = ch.y.hi = std::ceil((n + 1) / 10) * 10;
    ch.x.fixed = ch.y.fixed = true;
    Series s;
    s.name = "tile config";
    s.line = false;
    for (size_t i = 0; i < m.configs.size(); ++i) {
      s.x.push_back(rx[i]);
      s.y.push_back(ry[i]);
      s.tips.push_back(fmt::format("{}: micro #{} ({} TFLOP/s), full #{} ({} TFLOP/s)", m.configs[i], rx[i],
                                   format_number(m.micro_tflops[i]), ry[i], format_number(m.full_tflops[i])));
    }
    ch.series.push_back(std::move(s));
    ch.refs.push_back(reference_line("same rank (ρ = 1)", {1, n}, {1, n}));
    out += render_xy(ch);
  }
  return out + "</div></section>";
}

std::string section_campaign(const EvidenceSet& e) {
  const auto& c = e.campaign;
  std::string out = section_open(
      "campaign", "Campaign: a config per bucket",
      "attnlab campaign tuned every probe shape of a workload and cut each group into length buckets where the best "
      "config changes (docs/campaign.md). Per bucket, on its representative probe and in the same run: the chosen "
      "config, the family's default and cuDNN. Tuning paid where chosen / default exceeds 1.02.");
  if (!c.missing.empty()) return out + missing_note("campaign", c.missing) + "</section>";
  out += fmt::format("<p class=\"src\">Source: <code>{}</code> — {} probes, {} buckets, {} evaluations, {:.0f} s</p>",
                     xml_escape(c.file), c.probes, c.buckets.size(), c.evaluations, c.wall_s);
  out += "<table><thead><tr><th>group</th><th>lengths</th><th>probes</th><th>chosen</th><th>TFLOP/s</th><th>default</th>"
         "<th>cuDNN</th><th>chosen / default</th><th>chosen / cuDNN</th></tr></thead><tbody>";
  auto ratio = [](double a, double b) { return b > 0 ? fmt::format("{:.3f}", a / b) : std::string("–"); };
  for (auto& b : c.buckets) {
    const bool paid = b.default_tflops > 0 && b.tflops > 1.02 * b.default_tflops;
    out += fmt::format("<tr><td>{}</td><td class=\"num\">{}–{}</td><td class=\"num\">{}</td><td><code>{}</code></td>"
                       "<td class=\"num\">{:.1f}</td><td class=\"num\">{:.1f}</td><td class=\"num\">{:.1f}</td>"
                       "<td class=\"num{}\">{}</td><td class=\"num\">{}</td></tr>",
                       xml_escape(b.group), b.min, b.max >= INT32_MAX ? std::string("∞") : std::to_string(b.max), b.probes,
                       xml_escape(b.config), b.tflops, b.default_tflops, b.cudnn_tflops, paid ? " ok" : "",
                       ratio(b.tflops, b.default_tflops), ratio(b.tflops, b.cudnn_tflops));
  }
  return out + "</tbody></table></section>";
}

}  // namespace attnlab::report
