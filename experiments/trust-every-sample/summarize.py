#!/usr/bin/env python3
"""Summary of experiments/trust-every-sample/run.sh's $OUT: old vs new timing medians per (shape, backend), the
verification cost per measurement and per compare cell, and the adversarial suite's verdicts. Writes
summary.json next to the tables it prints."""
import glob, json, os, re, statistics, sys

out = sys.argv[1]
rows = {}
for path in sorted(glob.glob(f"{out}/timing/*_*_*_*.json")):
    m = re.match(r"(.+)_(custom|cudnn)_(old|new)_(\d)\.json$", os.path.basename(path))
    if not m:
        continue
    shape, be, binary, _ = m.groups()
    for r in json.load(open(path))["results"]:
        if r.get("status") != "ok":
            continue
        d = rows.setdefault((shape, be), {}).setdefault(binary, {"medians": [], "verify_s": [], "gate_s": [], "samples": []})
        d["medians"].append(r["timing"]["median_us"])
        d["gate_s"].append(r.get("gate_s") or 0)
        v = r.get("verified") or {}
        d["verify_s"].append(v.get("cost_s") or 0)
        d["samples"].append(r["timing"]["samples"])
summary = {"timing": [], "compare": {}, "adversarial": None}
print(f"{'shape':<22} {'backend':<7} {'old us':>9} {'new us':>9} {'new/old':>8} {'old spread':>10} {'new spread':>10} "
      f"{'verify s old/new':>17} {'samples old/new':>16}")
for (shape, be), d in sorted(rows.items()):
    if "old" not in d or "new" not in d:
        print(f"{shape:<22} {be:<7} missing {sorted(d)}")
        continue
    o, n = statistics.median(d["old"]["medians"]), statistics.median(d["new"]["medians"])
    spread = lambda x: (max(x) - min(x)) / min(x)
    rec = {"shape": shape, "backend": be, "old_median_us": o, "new_median_us": n, "new_over_old": n / o,
           "old_spread": spread(d["old"]["medians"]), "new_spread": spread(d["new"]["medians"]),
           "old_medians_us": d["old"]["medians"], "new_medians_us": d["new"]["medians"],
           "verify_s_old": statistics.median(d["old"]["verify_s"]), "verify_s_new": statistics.median(d["new"]["verify_s"]),
           "samples_old": statistics.median(d["old"]["samples"]), "samples_new": statistics.median(d["new"]["samples"])}
    summary["timing"].append(rec)
    print(f"{shape:<22} {be:<7} {o:9.2f} {n:9.2f} {n / o:8.4f} {rec['old_spread']:10.2%} {rec['new_spread']:10.2%} "
          f"{rec['verify_s_old']:8.3f}/{rec['verify_s_new']:<8.3f} {rec['samples_old']:7.0f}/{rec['samples_new']:<8.0f}")
walls = {}
for line in open(f"{out}/timing/wall.txt"):
    m = re.match(r"(compare_(old|new)) rc=(\d+) wall (\d+) s", line)
    if m:
        walls[m.group(2)] = int(m.group(4))
for b in ("old", "new"):
    p = f"{out}/timing/compare_{b}.json"
    if os.path.exists(p):
        res = json.load(open(p)).get("results", [])
        summary["compare"][b] = {"wall_s": walls.get(b), "cells": 2,
                                 "verify_s": sum((r.get("verified") or {}).get("cost_s") or 0 for r in res),
                                 "tflops": {f"{r['backend']} causal={r['problem']['causal']}": r.get("tflops") for r in res}}
print("compare (2 cells, custom + cudnn + cublas-qk):", json.dumps(summary["compare"], indent=None)[:600])
adv = f"{out}/adv/adversarial.json"
if os.path.exists(adv):
    summary["adversarial"] = json.load(open(adv))
    print("adversarial: all rejected and controls accepted:", summary["adversarial"]["all_rejected_and_honest_accepted"])
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
