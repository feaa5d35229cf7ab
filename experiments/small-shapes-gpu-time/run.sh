#!/usr/bin/env bash
# Are timings of small shapes (< 20 us) GPU time, not host overhead (issue 8; was scripts/device-small-shapes.sh)?
# Timed by attnlab (custom, cudnn; blocking kernel + CUPTI kernel durations) and by the torch peer (torch-flash,
# torch-cudnn; spin guard, torch.profiler kernel durations, CUDA-graph re-timing when the events still exceed the
# kernels). Writes $OUT/small_shapes.json: per shape and backend the event median next to the summed kernel
# durations, and whether the event median is within 15% + 3 us of the kernel sum. ~2-3 minutes on an H100.
source "$(dirname "$0")/../lib.sh"
export ATTNLAB_KERNEL_TRACE=1
record_gpu
BACKENDS=custom,cudnn,torch-flash,torch-cudnn
# (seqlen, head dim, tokens = B*S, hidden = H*d): B1 H8 S512 d64, B1 H8 S1024 d64, B2 H8 S512 d128 — fp16.
i=0
for spec in "512 64 512 512" "1024 64 1024 512" "512 128 1024 1024"; do
  set -- $spec
  $B compare --backends $BACKENDS --seqlens $1 --head-dims $2 --tokens $3 --hidden $4 --dtype fp16 --mask none \
    --max-time 2 --out "$OUT/small_$i.json" > "$OUT/small_$i.txt" 2> "$OUT/small_$i.log"
  echo "compare S=$1 d=$2 rc=$?"; i=$((i + 1))
done
python3 - "$OUT" <<'PY'
import glob, json, sys
out = sys.argv[1]
rows, ok = [], True
for path in sorted(glob.glob(f"{out}/small_[0-9].json")):
    for r in json.load(open(path)).get("results", []):
        p, t = r["problem"], r.get("timing") or {}
        ev, ks = t.get("median_us"), t.get("kernel_sum_us")
        within = None if ev is None or not ks else ev <= ks * 1.15 + 3.0
        if within is False:
            ok = False
        rows.append({"backend": r["backend"], "shape": f"B{p['batch']} H{p['heads']} S{p['seqlen_q']} d{p['head_dim']} {p['dtype']}",
                     "status": r["status"], "reason": r.get("reason", ""), "event_median_us": ev, "kernel_sum_us": ks,
                     "within_15pct_plus_3us": within, "method": t.get("method") or ("graph" if t.get("graph_reps") else
                     ("events+blocking-kernel" if t.get("stream_blocked") else "events")),
                     "host_overhead_samples": t.get("host_overhead_samples"), "kernel_trace": t.get("kernel_trace"),
                     "warning": t.get("warning", ""), "describe": r.get("describe", "")})
json.dump({"schema": "attnlab.small_shapes/1", "rule": "event median <= kernel sum x 1.15 + 3 us",
           "all_within": ok, "results": rows}, open(f"{out}/small_shapes.json", "w"), indent=1)
print(f"{'shape':<22} {'backend':<12} {'status':<7} {'event us':>9} {'kernels us':>10}  within  method")
for r in rows:
    f = lambda x: f"{x:9.2f}" if isinstance(x, (int, float)) else f"{'-':>9}"
    print(f"{r['shape']:<22} {r['backend']:<12} {r['status']:<7} {f(r['event_median_us'])} {f(r['kernel_sum_us']):>10}  "
          f"{str(r['within_15pct_plus_3us']):<6}  {r['method']}")
print("ALL WITHIN" if ok else "SOME OUTSIDE the rule: see small_shapes.json")
PY
