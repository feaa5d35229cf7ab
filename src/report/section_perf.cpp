// TFLOP/s vs sequence length per backend and the ratio to the best cuDNN per grid cell.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "report/heat_map.hpp"
#include "report/report_sections.hpp"
#include "report/svg_text.hpp"
#include "report/xy_chart.hpp"

namespace attnlab::report {

namespace {
const std::vector<std::string>& backend_order() {
  static const std::vector<std::string> o{"custom",      "custom (tuned)", "cudnn",           "torch-cudnn",
                                          "torch-flash", "unfused",        "torch-efficient", "cublas-qk",
                                          "cutlass-qk"};
  return o;
}
using Panel = std::pair<int, bool>;  // head dim, causal
std::string panel_name(Panel p) { return fmt::format("d={} {}", p.first, p.second ? "causal" : "non-causal"); }

// [backend][panel][seqlen] -> TFLOP/s of the attention rows that were timed.
std::map<std::string, std::map<Panel, std::map<int, double>>> attention_grid(const CompareData& c) {
  std::map<std::string, std::map<Panel, std::map<int, double>>> g;
  for (auto& r : c.rows)
    if (r.kind == "attention" && r.status == "ok" && r.tflops > 0) g[r.backend][{r.head_dim, r.causal}][r.seqlen] = r.tflops;
  return g;
}
std::vector<std::string> ordered_backends(const std::map<std::string, std::map<Panel, std::map<int, double>>>& g) {
  std::vector<std::string> out;
  for (auto& b : backend_order())
    if (g.count(b)) out.push_back(b);
  for (auto& [b, _] : g)
    if (std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
  return out;
}
}  // namespace

int backend_colour(const std::string& backend) {
  auto& o = backend_order();
  auto it = std::find(o.begin(), o.end(), backend);
  return it == o.end() ? 6 : static_cast<int>(it - o.begin());
}

std::string section_tflops(const EvidenceSet& e) {
  const auto& c = e.compare;
  std::string out = section_open(
      "tflops", "Throughput vs sequence length",
      fmt::format("Forward attention TFLOP/s (4·B·H·S²·d, halved for causal) on the grid of {}: batch = tokens / S, "
                  "heads = hidden / d. The dashed line is the measured dense-GEMM ceiling of the GPU ({} TFLOP/s, {}). "
                  "GEMM-only baselines (cublas-qk, cutlass-qk) time QKᵀ alone and are left out here.",
                  c.files.empty() ? "compare.json" : c.files.front(), format_number(c.ceiling_tflops), c.dtype));
  if (!c.missing.empty()) return out + missing_note("tflops", c.missing) + "</section>";
  const auto g = attention_grid(c);
  std::set<Panel> panels;
  std::set<int> seqlens;
  for (auto& [b, per] : g)
    for (auto& [p, pts] : per) {
      panels.insert(p);
      for (auto& [s, _] : pts) seqlens.insert(s);
    }
  out += "<div class=\"charts\">";
  for (auto& p : panels) {
    XYChart ch;
    ch.kind = "tflops";
    ch.title = fmt::format("{}, {} — TFLOP/s by backend", panel_name(p), c.dtype);
    ch.x = Axis{"sequence length S = Sq = Sk (tokens, log₂ scale)", Scale::log2};
    ch.x.compact_ticks = true;
    ch.y = Axis{"TFLOP/s"};
    for (auto& b : ordered_backends(g)) {
      auto it = g.at(b).find(p);
      if (it == g.at(b).end()) continue;
      Series s;
      s.name = b;
      s.colour = s.marker = backend_colour(b);
      for (auto& [seq, tf] : it->second) {
        s.x.push_back(seq);
        s.y.push_back(tf);
        s.tips.push_back(fmt::format("{} S={}: {} TFLOP/s", b, seq, format_number(tf)));
      }
      ch.series.push_back(std::move(s));
    }
    if (c.ceiling_tflops > 0 && !seqlens.empty())
      ch.refs.push_back(reference_line(fmt::format("measured ceiling {} TFLOP/s", format_number(c.ceiling_tflops)),
                               {double(*seqlens.begin()), double(*seqlens.rbegin())},
                               {c.ceiling_tflops, c.ceiling_tflops}));
    out += render_xy(ch);
  }
  return out + "</div></section>";
}

std::string section_vs_cudnn(const EvidenceSet& e) {
  const auto& c = e.compare;
  std::string out = section_open("vs-cudnn", "Ratio to the best cuDNN",
                                 "Per grid cell: the backend's TFLOP/s divided by the faster of cudnn (attnlab's cuDNN "
                                 "frontend graph) and torch-cudnn (PyTorch's cuDNN SDPA) in the same file. Above 1.0 "
                                 "(blue, outlined, bold) the backend beats cuDNN; below (orange) it is slower.");
  if (!c.missing.empty()) return out + missing_note("vs-cudnn", c.missing) + "</section>";
  const auto g = attention_grid(c);
  std::set<Panel> panels;
  std::set<int> seqlens;
  std::map<Panel, std::map<int, double>> best;
  for (const char* b : {"cudnn", "torch-cudnn"}) {
    auto it = g.find(b);
    if (it == g.end()) continue;
    for (auto& [p, pts] : it->second)
      for (auto& [s, tf] : pts) best[p][s] = std::max(best[p][s], tf);
  }
  if (best.empty()) return out + missing_note("vs-cudnn", "compare.json has no cudnn or torch-cudnn results") + "</section>";
  for (auto& [p, pts] : best) {
    panels.insert(p);
    for (auto& [s, _] : pts) seqlens.insert(s);
  }
  out += "<div class=\"charts\">";
  for (auto& b : ordered_backends(g)) {
    if (b == "cudnn" || b == "torch-cudnn") continue;
    HeatMap h;
    h.title = fmt::format("{} ÷ best cuDNN (TFLOP/s ratio)", b);
    h.row_title = "head dim, mask";
    h.col_title = "sequence length (tokens)";
    for (int s : seqlens) h.cols.push_back(format_number(s, true));
    for (auto& p : panels) {
      h.rows.push_back(panel_name(p));
      std::vector<double> row;
      for (int s : seqlens) {
        double v = NAN;
        auto pb = g.at(b).find(p);
        if (pb != g.at(b).end() && pb->second.count(s) && best[p].count(s) && best[p][s] > 0)
          v = pb->second.at(s) / best[p][s];
        row.push_back(v);
      }
      h.values.push_back(row);
    }
    std::vector<double> all;
    for (auto& row : h.values)
      for (double v : row)
        if (std::isfinite(v)) all.push_back(v);
    if (!all.empty()) {
      std::sort(all.begin(), all.end());
      const size_t above = static_cast<size_t>(std::count_if(all.begin(), all.end(), [](double v) { return v >= 1.0; }));
      h.title += fmt::format(": median {:.2f}, range {:.2f}–{:.2f}, {} of {} cells ≥ 1", all[all.size() / 2], all.front(),
                             all.back(), above, all.size());
    }
    out += render_heatmap(h);
  }
  return out + "</div></section>";
}

}  // namespace attnlab::report
