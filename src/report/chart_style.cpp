#include "report/chart_style.hpp"

#include <fmt/format.h>

#include "report/svg_text.hpp"

namespace attnlab::report {

std::string svg_marker(int shape, double x, double y, const std::string& colour, const std::string& tip) {
  const std::string t = tip.empty() ? "" : "<title>" + xml_escape(tip) + "</title>";
  const std::string paint = fmt::format("fill=\"{}\" stroke=\"{}\"", colour, colour);
  const double r = 3.6;
  switch (((shape % 5) + 5) % 5) {
    case 1:
      return fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" {}>{}</rect>", x - r, y - r,
                         2 * r, 2 * r, paint, t);
    case 2:
      return fmt::format("<path d=\"M{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}Z\" {}>{}</path>", x, y - r * 1.2,
                         x + r * 1.1, y + r * 0.8, x - r * 1.1, y + r * 0.8, paint, t);
    case 3:
      return fmt::format("<path d=\"M{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}Z\" {}>{}</path>", x,
                         y - r * 1.3, x + r * 1.3, y, x, y + r * 1.3, x - r * 1.3, y, paint, t);
    case 4:
      return fmt::format("<path d=\"M{:.1f},{:.1f}L{:.1f},{:.1f}M{:.1f},{:.1f}L{:.1f},{:.1f}\" stroke=\"{}\" "
                         "stroke-width=\"2.2\" fill=\"none\">{}</path>",
                         x - r, y - r, x + r, y + r, x - r, y + r, x + r, y - r, colour, t);
    default:
      return fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" {}>{}</circle>", x, y, r, paint, t);
  }
}

}  // namespace attnlab::report
