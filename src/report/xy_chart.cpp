#include "report/xy_chart.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/chart_style.hpp"
#include "report/svg_text.hpp"

namespace attnlab::report {

namespace {
constexpr double kPad = 8;        // outer padding
constexpr double kSwatch = 22;    // legend line sample
constexpr double kLegendRow = 17;

double entry_width(const LegendEntry& e) { return kSwatch + 5 + text_width(e.name, Font::legend) + 14; }

std::string fg_or(const std::string& colour) { return colour.empty() ? "currentColor" : colour; }

bool in_range(const Axis& a, double v) {
  return plottable(a.scale, v) && v >= a.lo - 1e-9 * std::fabs(a.hi - a.lo) && v <= a.hi + 1e-9 * std::fabs(a.hi - a.lo) &&
         (a.scale == Scale::linear || v > 0);
}

std::string polyline(const Series& s, const Axis& x, const Axis& y, double px0, double px1, double py0, double py1,
                     const std::string& colour, const std::string& clip) {
  std::string pts;
  std::string out;
  auto flush = [&] {
    if (pts.empty()) return;
    out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}{} />", pts,
                       fg_or(colour), colour.empty() ? 1.4 : 2.0, s.dashed || colour.empty() ? " stroke-dasharray=\"6 4\"" : "",
                       clip);
    pts.clear();
  };
  for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
    const bool ok = plottable(x.scale, s.x[i]) && plottable(y.scale, s.y[i]);
    if (!ok) {
      flush();
      continue;
    }
    pts += fmt::format("{}{:.1f},{:.1f}", pts.empty() ? "" : " ", axis_map(x, s.x[i], px0, px1),
                       axis_map(y, s.y[i], py0, py1));
  }
  flush();
  return out;
}
}  // namespace

Series reference_line(std::string name, std::vector<double> x, std::vector<double> y) {
  Series s;
  s.name = std::move(name);
  s.x = std::move(x);
  s.y = std::move(y);
  s.markers = false;
  s.dashed = true;
  return s;
}

double title_height(const std::string& title, double w) {
  return kPad + 18.0 * static_cast<double>(wrap_text(title, w - 2 * kPad, Font::title, true).size()) + 4;
}

std::string svg_open(const std::string& kind, const std::string& title, double w, double h) {
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"{}\" viewBox=\"0 0 {:.0f} {:.0f}\" "
      "role=\"img\" aria-label=\"{}\" font-family=\"sans-serif\">",
      xml_escape(kind), w, h, xml_escape(title));
  out += fmt::format("<rect class=\"bg\" x=\"0\" y=\"0\" width=\"{:.0f}\" height=\"{:.0f}\" />", w, h);
  double y = kPad;
  for (auto& line : wrap_text(title, w - 2 * kPad, Font::title, true)) {
    y += 18;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" font-weight=\"bold\">{}</text>", kPad, y - 4,
                       Font::title, xml_escape(line));
  }
  return out;
}

double legend_height(const std::vector<LegendEntry>& e, double width) {
  if (e.empty()) return 0;
  int rows = 1;
  double x = 0;
  for (auto& it : e) {
    const double w = std::min(entry_width(it), width);
    if (x > 0 && x + w > width) ++rows, x = 0;
    x += w;
  }
  return rows * kLegendRow + 4;
}

std::string render_legend(const std::vector<LegendEntry>& e, double x0, double y0, double width, double* h) {
  std::string out = "<g class=\"legend\">";
  double x = 0, y = y0;
  for (auto& it : e) {
    const double w = std::min(entry_width(it), width);
    if (x > 0 && x + w > width) y += kLegendRow, x = 0;
    const double cy = y + kLegendRow / 2;
    const std::string colour = fg_or(it.colour);
    if (it.line)
      out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"2\"{} />",
                         x0 + x, cy, x0 + x + kSwatch, cy, colour, it.dashed ? " stroke-dasharray=\"5 3\"" : "");
    if (it.marker >= 0) out += svg_marker(it.marker, x0 + x + kSwatch / 2, cy, colour, "");
    const std::string name = abbreviate(it.name, width - kSwatch - 5, Font::legend);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" dominant-baseline=\"central\">{}</text>",
                       x0 + x + kSwatch + 5, cy, Font::legend, xml_escape(name));
    x += w;
  }
  out += "</g>";
  if (h) *h = legend_height(e, width);
  return out;
}

std::string render_xy(const XYChart& c_in) {
  XYChart c = c_in;
  std::vector<double> xs, ys;
  for (auto* list : {&c.series, &c.refs})
    for (auto& s : *list) {
      xs.insert(xs.end(), s.x.begin(), s.x.end());
      ys.insert(ys.end(), s.y.begin(), s.y.end());
    }
  const int dropped = finalize_axis(c.x, xs) + finalize_axis(c.y, ys);
  if (dropped > 0)  // flagged where the reader looks: the chart's own title
    c.title += fmt::format(" ({} value{} out of the plottable range, not drawn)", dropped, dropped == 1 ? "" : "s");

  std::vector<LegendEntry> legend;
  for (size_t i = 0; i < c.series.size(); ++i) {
    auto& s = c.series[i];
    legend.push_back({s.name, palette_colour(s.colour >= 0 ? s.colour : static_cast<int>(i)),
                      s.markers ? (s.marker >= 0 ? s.marker : static_cast<int>(i)) : -1, s.dashed, s.line});
  }
  for (auto& r : c.refs) legend.push_back({r.name, "", -1, true, true});

  const double W = c.width;
  const double top = title_height(c.title, W);
  const double leg_h = legend_height(legend, W - 2 * kPad);
  const double H = top + c.height + leg_h;

  const auto yt = axis_ticks(c.y), xt = axis_ticks(c.x);
  double ytw = 0;
  for (double v : yt) ytw = std::max(ytw, text_width(tick_label(c.y, v), Font::tick));
  const double px0 = kPad + Font::label + 6 + ytw + 6;  // y label (rotated), tick labels, tick marks
  double last_w = xt.empty() ? 0 : text_width(tick_label(c.x, xt.back()), Font::tick);
  const double px1 = W - kPad - std::max(6.0, last_w / 2);
  // bottom of the plot: x tick labels sit low enough to clear the lowest y tick label at the corner
  const double py0 = top + c.height - (Font::tick + 16 + Font::label + 10);
  const double py1 = top + 8;

  std::string out = svg_open(c.kind, c.title, W, H);
  const std::string clip_id = fmt::format("clip{:x}", std::hash<std::string>{}(c.kind + c.title));
  out += fmt::format("<defs><clipPath id=\"{}\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" />"
                     "</clipPath></defs>",
                     clip_id, px0, py1, px1 - px0, py0 - py1);
  const std::string clip = fmt::format(" clip-path=\"url(#{})\"", clip_id);

  // grid, ticks, tick labels
  out += "<g class=\"grid\">";
  for (double v : yt) {
    const double py = axis_map(c.y, v, py0, py1);
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" />", px0, py, px1, py);
  }
  for (double v : xt) {
    const double px = axis_map(c.x, v, px0, px1);
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" />", px, py0, px, py1);
  }
  out += "</g>";
  for (double v : yt)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"end\" dominant-baseline=\"central\">"
                       "{}</text>",
                       px0 - 5, axis_map(c.y, v, py0, py1), Font::tick, xml_escape(tick_label(c.y, v)));
  // x tick labels: every k-th so neighbours never touch
  double max_xw = 0;
  for (double v : xt) max_xw = std::max(max_xw, text_width(tick_label(c.x, v), Font::tick));
  const double spacing = xt.size() > 1 ? (px1 - px0) / static_cast<double>(xt.size() - 1) : px1 - px0;
  const size_t every = std::max<size_t>(1, static_cast<size_t>(std::ceil((max_xw + 6) / std::max(1.0, spacing))));
  for (size_t i = 0; i < xt.size(); i += every)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"middle\">{}</text>",
                       axis_map(c.x, xt[i], px0, px1), py0 + Font::tick + 8, Font::tick, xml_escape(tick_label(c.x, xt[i])));
  out += fmt::format("<rect class=\"axis\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" />",
                     px0, py1, px1 - px0, py0 - py1);
  // axis labels
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"middle\">{}</text>", (px0 + px1) / 2,
                     py0 + Font::tick + 16 + Font::label + 2, Font::label,
                     xml_escape(abbreviate(c.x.label, px1 - px0, Font::label)));
  const double ly = (py0 + py1) / 2, lx = kPad + Font::label - 2;
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"middle\" "
                     "transform=\"rotate(-90 {:.1f} {:.1f})\">{}</text>",
                     lx, ly, Font::label, lx, ly, xml_escape(abbreviate(c.y.label, py0 - py1, Font::label)));

  for (auto& r : c.refs) out += polyline(r, c.x, c.y, px0, px1, py0, py1, "", clip);
  for (size_t i = 0; i < c.series.size(); ++i) {
    auto& s = c.series[i];
    const std::string colour = palette_colour(s.colour >= 0 ? s.colour : static_cast<int>(i));
    out += "<g class=\"series\">";
    if (s.line) out += polyline(s, c.x, c.y, px0, px1, py0, py1, colour, clip);
    if (s.markers)
      for (size_t k = 0; k < s.x.size() && k < s.y.size(); k += static_cast<size_t>(std::max(1, s.marker_every))) {
        if (!in_range(c.x, s.x[k]) || !in_range(c.y, s.y[k])) continue;
        const std::string tip = k < s.tips.size() ? s.tips[k]
                                                  : fmt::format("{}: {}, {}", s.name, format_number(s.x[k]),
                                                                format_number(s.y[k]));
        out += svg_marker(s.marker >= 0 ? s.marker : static_cast<int>(i), axis_map(c.x, s.x[k], px0, px1),
                          axis_map(c.y, s.y[k], py0, py1), colour, tip);
      }
    out += "</g>";
  }
  out += render_legend(legend, kPad, top + c.height, W - 2 * kPad, nullptr);
  return out + "</svg>";
}

}  // namespace attnlab::report
