// The report's stylesheet: light and dark (prefers-color-scheme) and print. Kept free of '<' and '&' so
// the page stays well-formed XML.
#include "report/report_style.hpp"

namespace attnlab::report {

const char* report_css() {
  return R"CSS(
:root { --bg: #ffffff; --fg: #1b1b1f; --muted: #5b5d66; --card: #ffffff; --grid: #e3e4e8; --rule: #d0d2d8;
        --ok: #009E73; --bad: #D55E00; color-scheme: light dark; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #111317; --fg: #e8e9ed; --muted: #a3a6b0; --card: #1a1d23; --grid: #30343c; --rule: #3a3f48; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 20px 48px; }
header h1 { font-size: 1.6rem; margin: 8px 0 4px; overflow-wrap: anywhere; }
header p { margin: 2px 0; color: var(--muted); overflow-wrap: anywhere; }
nav { margin: 12px 0 4px; display: flex; flex-wrap: wrap; gap: 6px 14px; }
nav a { color: var(--fg); }
section { margin-top: 28px; border-top: 1px solid var(--rule); padding-top: 8px; }
h2 { font-size: 1.25rem; margin: 8px 0 4px; }
p.lead { color: var(--muted); max-width: 80ch; margin: 4px 0 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 520px), 1fr)); gap: 14px; }
.charts.wide { grid-template-columns: minmax(0, 900px); }
svg.chart { width: 100%; height: auto; display: block; color: var(--fg); background: var(--card);
            border: 1px solid var(--rule); border-radius: 6px; }
svg.chart text { fill: var(--fg); }
svg.chart .bg { fill: var(--card); }
svg.chart .grid line { stroke: var(--grid); stroke-width: 1; }
svg.chart .axis { stroke: var(--fg); }
svg.chart .above { stroke: var(--fg); }
svg.chart .nodata { fill: var(--grid); }
table { border-collapse: collapse; margin: 12px 0; font-size: 0.9rem; display: block; max-width: 100%; overflow-x: auto; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid var(--grid); vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.metrics { min-width: 28ch; max-width: 48ch; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.85rem; }
pre { background: var(--card); border: 1px solid var(--rule); padding: 8px; overflow-x: auto; }
.env { display: flex; flex-wrap: wrap; gap: 0 32px; }
.env td { overflow-wrap: anywhere; max-width: 60ch; }
table.files td { overflow-wrap: anywhere; }
.missing { border-left: 4px solid var(--bad); padding: 6px 10px; background: var(--card); }
.big { font-size: 1.2rem; font-weight: 600; }
.big.ok { color: var(--ok); }
.big.bad { color: var(--bad); }
.src { color: var(--muted); font-size: 0.85rem; overflow-wrap: anywhere; }
a { color: #0072B2; }
@media (prefers-color-scheme: dark) { a { color: #56B4E9; } }
@media (max-width: 560px) { main { padding: 8px 8px 32px; } body { font-size: 14px; } }
@media print {
  :root { --bg: #ffffff; --fg: #000000; --muted: #333333; --card: #ffffff; --grid: #dddddd; --rule: #999999; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  section { break-inside: avoid-page; }
  svg.chart { break-inside: avoid; }
  .charts { grid-template-columns: 1fr 1fr; }
  .charts.wide { grid-template-columns: 1fr; }
  details { display: none; }
}
)CSS";
}

}  // namespace attnlab::report
