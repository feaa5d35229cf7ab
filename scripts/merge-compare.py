#!/usr/bin/env python3
"""Merge compare.json files of separate `attnlab compare` runs (e.g. one per head dim, each fitting a device
call) into one compare.json. Every cell keeps the backends measured together in its own run; the merged file
lists each run's environment and ceilings under "runs" (ratios hold within a run, not across machines).
Usage: scripts/merge-compare.py OUT.json IN.json [IN.json ...]"""
import json
import sys


def main(out, inputs):
    docs = [json.load(open(p)) for p in inputs]
    merged = dict(docs[0])
    merged["results"] = [r for d in docs for r in d["results"]]
    grid = dict(docs[0]["grid"])
    grid["head_dims"] = sorted({h for d in docs for h in d["grid"]["head_dims"]})
    grid["seqlens"] = sorted({s for d in docs for s in d["grid"]["seqlens"]})
    merged["grid"] = grid
    merged["runs"] = [{"file": p, "head_dims": d["grid"]["head_dims"], "environment": d["environment"],
                       "ceilings": d["ceilings"]} for p, d in zip(inputs, docs)]
    json.dump(merged, open(out, "w"), indent=1)
    print(f"wrote {out}: {len(merged['results'])} results from {len(docs)} runs")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
