#!/usr/bin/env python3
"""Merge compare.json files of separate `attnlab compare` runs (e.g. one per head dim, each fitting a device
call) into one compare.json. Every cell keeps the backends measured together in its own run; a cell measured again
by a later input replaces the earlier run's results of that cell. The merged file says where it came from in its own
metadata: "merged_from" lists each input with the GPU, commit and head dims of its environment block and the number
of results kept from it (the top-level "environment" and "ceilings" are the first input's), and "runs" keeps each
input's full environment and ceilings. Ratios hold within a run, not across machines.
Usage: scripts/merge-compare.py OUT.json IN.json [IN.json ...]"""
import json
import sys


def main(out, inputs):
    docs = [json.load(open(p)) for p in inputs]
    merged = dict(docs[0])
    def cell(r):
        p = r["problem"]
        return (p["head_dim"], p["seqlen_q"], p["seqlen_k"], bool(p.get("causal")), p.get("dtype"))

    results = []
    for d in docs:
        cells = {cell(r) for r in d["results"]}
        results = [r for r in results if cell(r) not in cells] + list(d["results"])
    merged["results"] = results
    grid = dict(docs[0]["grid"])
    grid["head_dims"] = sorted({h for d in docs for h in d["grid"]["head_dims"]})
    grid["seqlens"] = sorted({s for d in docs for s in d["grid"]["seqlens"]})
    merged["grid"] = grid
    merged["runs"] = [{"file": p, "head_dims": d["grid"]["head_dims"], "environment": d["environment"],
                       "ceilings": d["ceilings"]} for p, d in zip(inputs, docs)]
    kept = [sum(1 for r in results if any(r is x for x in d["results"])) for d in docs]
    merged["merged_from"] = [
        {"file": p, "gpu_uuid": (d["environment"].get("gpu") or {}).get("uuid"),
         "commit": d["environment"].get("git_commit"), "git_dirty": d["environment"].get("git_dirty"),
         "timestamp_utc": d["environment"].get("timestamp_utc"), "head_dims": d["grid"]["head_dims"],
         "seqlens": d["grid"]["seqlens"], "mask": d["grid"].get("mask"), "results_kept": n}
        for p, d, n in zip(inputs, docs, kept)]
    gpus = sorted({m["gpu_uuid"] for m in merged["merged_from"] if m["gpu_uuid"]})
    merged["merged_note"] = (f"merged by scripts/merge-compare.py from {len(docs)} compare runs on {len(gpus)} GPU(s) "
                             f"({', '.join(gpus)}); the top-level environment and ceilings are the first run's; "
                             "ratios hold within a run, not across machines")
    json.dump(merged, open(out, "w"), indent=1)
    print(f"wrote {out}: {len(merged['results'])} results from {len(docs)} runs on {len(gpus)} GPU(s)")
    write_tables(merged, out[: -len(".json")] if out.endswith(".json") else out)


# compare.txt (attnlab compare's table: TFLOP/s, x = ratio to attnlab's cudnn) and compare.csv next to the JSON.
def write_tables(merged, stem):
    backends = ["custom", "cudnn", "torch-flash", "torch-cudnn"]
    cells = {}
    for r in merged["results"]:
        p = r["problem"]
        cells.setdefault((p["head_dim"], bool(p.get("causal")), p["seqlen_q"]), {})[r["backend"]] = r.get("tflops") or 0.0
    txt = ["d    mask        S      custom       cudnn torch-flash torch-cudnn   (TFLOP/s; x = ratio to cudnn)"]
    csv = ["head_dim,mask,seqlen," + ",".join(b + "_tflops" for b in backends)]
    for (d, causal, s), row in sorted(cells.items()):
        mask = "causal" if causal else "none"
        cu = row.get("cudnn", 0.0)
        cols = []
        for b in backends:
            t = row.get(b, 0.0)
            cols.append(f"{t:>11.0f}" if b == "cudnn" or cu <= 0 else f"{t:>5.0f} {t / cu:.2f}x")
        txt.append(f"{d:<4} {mask:<7} {s:>6} " + " ".join(cols))
        csv.append(f"{d},{mask},{s}," + ",".join(f"{row.get(b, 0.0):.3f}" for b in backends))
    open(stem + ".txt", "w").write("\n".join(txt) + "\n")
    open(stem + ".csv", "w").write("\n".join(csv) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
