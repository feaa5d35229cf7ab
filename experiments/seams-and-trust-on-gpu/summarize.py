#!/usr/bin/env python3
"""Per (shape, backend): the medians of the three modes of run.sh (before the refactor, after, after --no-check),
their spread over the 3 repeats, the mean SM clock, and the ratios after/before and after/no-check."""
import glob, json, os, re, statistics, sys

w = sys.argv[1]
rows = {}
for p in glob.glob(f"{w}/timing/*.json"):
    m = re.match(r"(.+)_(custom|cudnn)_(before|after|nocheck)\.json$", os.path.basename(p))
    if not m:
        continue
    d = rows.setdefault((m.group(1), m.group(2)), {})
    res = [r for r in json.load(open(p))["results"] if r.get("status") == "ok"]
    d[m.group(3)] = ([r["timing"]["median_us"] for r in res], [r["timing"]["mean_sm_clock_mhz"] for r in res],
                     [(r.get("verified") or {}).get("samples_checked") for r in res])
print(f"{'shape':<20} {'backend':<7} {'before us':>10} {'after us':>10} {'nocheck us':>10} {'after/before':>12} "
      f"{'after/nocheck':>13} {'MHz b/a/n':>16} {'checked':>8}")
out = []
for (shape, be), d in sorted(rows.items()):
    med = {k: statistics.median(v[0]) for k, v in d.items() if v[0]}
    mhz = {k: statistics.mean(v[1]) for k, v in d.items() if v[1]}
    r = lambda a, b: med[a] / med[b] if a in med and b in med else float("nan")
    print(f"{shape:<20} {be:<7} {med.get('before', 0):10.2f} {med.get('after', 0):10.2f} {med.get('nocheck', 0):10.2f} "
          f"{r('after', 'before'):12.4f} {r('after', 'nocheck'):13.4f} "
          f"{mhz.get('before', 0):5.0f}/{mhz.get('after', 0):4.0f}/{mhz.get('nocheck', 0):4.0f} {str(d.get('after', ([], [], ['-']))[2][:1]):>8}")
    out.append({"shape": shape, "backend": be, "medians_us": {k: v[0] for k, v in d.items()},
                "mean_sm_clock_mhz": {k: v[1] for k, v in d.items()}, "after_over_before": r("after", "before"),
                "after_over_nocheck": r("after", "nocheck")})
json.dump(out, open(f"{w}/timing_summary.json", "w"), indent=1)
