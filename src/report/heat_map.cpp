#include "report/heat_map.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/chart_style.hpp"
#include "report/svg_text.hpp"
#include "report/xy_chart.hpp"

namespace attnlab::report {

namespace {
constexpr double kPad = 8;
struct Rgb {
  double r, g, b;
};
constexpr Rgb kLow{213, 94, 0};     // Okabe-Ito vermillion
constexpr Rgb kMid{247, 247, 247};  // near white
constexpr Rgb kHigh{0, 114, 178};   // Okabe-Ito blue

Rgb mix(Rgb a, Rgb b, double t) { return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t}; }
std::string hex(Rgb c) {
  return fmt::format("#{:02x}{:02x}{:02x}", static_cast<int>(std::lround(c.r)), static_cast<int>(std::lround(c.g)),
                     static_cast<int>(std::lround(c.b)));
}
Rgb colour_of(double v, double centre, double span) {
  const double t = std::clamp(std::log2(v / centre) / span, -1.0, 1.0);
  return t < 0 ? mix(kMid, kLow, -t) : mix(kMid, kHigh, t);
}
// Dark text on light cells, white on dark ones (relative luminance).
const char* ink_for(Rgb c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b > 140 ? "#111111" : "#ffffff"; }
}  // namespace

std::string heat_colour(double v, double centre, double log2_span) { return hex(colour_of(v, centre, log2_span)); }

std::string render_heatmap(const HeatMap& h) {
  const double W = h.width;
  const double top = title_height(h.title, W);
  double row_w = 0;
  for (auto& r : h.rows) row_w = std::max(row_w, text_width(r, Font::tick));
  row_w = std::min(row_w, 0.35 * W);
  const double gx0 = kPad + Font::label + 6 + row_w + 6;  // grid left (row title rotated, row labels)
  const double gx1 = W - kPad;
  const size_t nc = std::max<size_t>(1, h.cols.size()), nr = std::max<size_t>(1, h.rows.size());
  const double cw = (gx1 - gx0) / static_cast<double>(nc);
  double col_w = 0;
  for (auto& c : h.cols) col_w = std::max(col_w, text_width(c, Font::tick));
  const bool rotate = col_w > cw - 4;
  const double col_h = rotate ? std::min(col_w, 90.0) * 0.71 + Font::tick : Font::tick + 4;
  const double gy0 = top + Font::label + 6 + col_h + 4;  // grid top (col title, col labels)
  const double ch = 26;
  const double gy1 = gy0 + ch * static_cast<double>(nr);
  const double bar_y = gy1 + 14, bar_h = 12;
  const double H = bar_y + bar_h + Font::tick + 10 + kPad;

  std::string out = svg_open(h.kind, h.title, W, H);
  const std::string grad = fmt::format("grad{:x}", std::hash<std::string>{}(h.title));
  out += fmt::format("<defs><linearGradient id=\"{}\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">", grad);
  for (int i = 0; i <= 8; ++i) {
    const double t = -1.0 + i / 4.0;
    out += fmt::format("<stop offset=\"{:.3f}\" stop-color=\"{}\" />", i / 8.0,
                       hex(colour_of(h.centre * std::exp2(t * h.log2_span), h.centre, h.log2_span)));
  }
  out += "</linearGradient></defs>";

  // captions
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"middle\">{}</text>", (gx0 + gx1) / 2,
                     top + Font::label, Font::label, xml_escape(abbreviate(h.col_title, gx1 - gx0, Font::label)));
  const double ly = (gy0 + gy1) / 2, lx = kPad + Font::label - 2;
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"middle\" "
                     "transform=\"rotate(-90 {:.1f} {:.1f})\">{}</text>",
                     lx, ly, Font::label, lx, ly, xml_escape(abbreviate(h.row_title, gy1 - gy0, Font::label)));
  for (size_t c = 0; c < h.cols.size(); ++c) {
    const double cx = gx0 + cw * (static_cast<double>(c) + 0.5);
    if (rotate) {
      const double y = gy0 - 6;
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"start\" "
                         "transform=\"rotate(-45 {:.1f} {:.1f})\">{}</text>",
                         cx, y, Font::tick, cx, y, xml_escape(abbreviate(h.cols[c], 90, Font::tick)));
    } else {
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"middle\">{}</text>", cx, gy0 - 6,
                         Font::tick, xml_escape(h.cols[c]));
    }
  }
  for (size_t r = 0; r < h.rows.size(); ++r)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"end\" dominant-baseline=\"central\">"
                       "{}</text>",
                       gx0 - 6, gy0 + ch * (static_cast<double>(r) + 0.5), Font::tick,
                       xml_escape(abbreviate(h.rows[r], row_w, Font::tick)));
  // cells: fill, value, outline where >= centre (drawn last so outlines sit on top)
  std::string outlines;
  const double cell_font = std::min(Font::cell, std::max(7.0, (cw - 4) / (0.62 * 4)));
  for (size_t r = 0; r < h.rows.size(); ++r)
    for (size_t c = 0; c < h.cols.size(); ++c) {
      const double x = gx0 + cw * static_cast<double>(c), y = gy0 + ch * static_cast<double>(r);
      const double v = r < h.values.size() && c < h.values[r].size() ? h.values[r][c] : NAN;
      const std::string tip = fmt::format("{} · {}: {}", h.rows[r], h.cols[c], std::isfinite(v) ? format_number(v) : "no data");
      if (!std::isfinite(v) || v <= 0) {
        out += fmt::format("<rect class=\"nodata\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\">"
                           "<title>{}</title></rect>",
                           x, y, cw, ch, xml_escape(tip));
        continue;
      }
      const Rgb fill = colour_of(v, h.centre, h.log2_span);
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" "
                         "stroke=\"#ffffff\" stroke-width=\"1\"><title>{}</title></rect>",
                         x, y, cw, ch, hex(fill), xml_escape(tip));
      const std::string label = v >= 9.995 ? format_number(v) : fmt::format("{:.2f}", v);
      if (text_width(label, cell_font, v >= h.centre) <= cw - 2)
        out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{:.1f}\" text-anchor=\"middle\" "
                           "dominant-baseline=\"central\" class=\"cell\" style=\"fill:{}\"{}>{}</text>",
                           x + cw / 2, y + ch / 2, cell_font, ink_for(fill), v >= h.centre ? " font-weight=\"bold\"" : "",
                           label);
      if (v >= h.centre)
        outlines += fmt::format("<rect class=\"above\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                                "fill=\"none\" stroke-width=\"2.5\" />",
                                x + 1.25, y + 1.25, cw - 2.5, ch - 2.5);
    }
  out += outlines;
  // colour bar: centre * 2^-span ... centre * 2^span, the centre marked
  const double bx0 = gx0, bx1 = gx1;
  out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"url(#{})\" />", bx0, bar_y,
                     bx1 - bx0, bar_h, grad);
  for (int i = -static_cast<int>(h.log2_span); i <= static_cast<int>(h.log2_span); ++i) {
    const double x = bx0 + (bx1 - bx0) * (i + h.log2_span) / (2 * h.log2_span);
    const double v = h.centre * std::exp2(i);
    const char* anchor = i == -static_cast<int>(h.log2_span) ? "start" : i == static_cast<int>(h.log2_span) ? "end" : "middle";
    out += fmt::format("<line class=\"axis\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke-width=\"{}\" />", x,
                       bar_y - (i == 0 ? 4 : 0), x, bar_y + bar_h + 3, i == 0 ? 2.5 : 1);
    std::string label = (i == 0 ? "" : (i < 0 ? "≤" : "≥")) + format_number(v);
    if (std::abs(i) != static_cast<int>(h.log2_span)) label = format_number(v);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"{}\"{}>{}</text>", x,
                       bar_y + bar_h + Font::tick + 3, Font::tick, anchor, i == 0 ? " font-weight=\"bold\"" : "",
                       xml_escape(label));
  }
  // the low/high words, when they fit between the end labels and the centre
  const double quarter = (bx1 - bx0) / 4;
  if (h.log2_span == 2 && text_width("← " + h.low_label, Font::tick) < quarter - 40 &&
      text_width(h.high_label + " →", Font::tick) < quarter - 40) {
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"middle\" font-style=\"italic\">{}</text>",
                       bx0 + quarter * 1.5, bar_y + bar_h + Font::tick + 3, Font::tick, xml_escape("← " + h.low_label));
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"middle\" font-style=\"italic\">{}</text>",
                       bx0 + quarter * 2.5, bar_y + bar_h + Font::tick + 3, Font::tick, xml_escape(h.high_label + " →"));
  }
  return out + "</svg>";
}

}  // namespace attnlab::report
