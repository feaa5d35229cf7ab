#!/usr/bin/env bash
# Why did attnlab's cuDNN trail torch's on d=64 causal S=512/1024: the library version or the plan (was
# scripts/device-cudnn-gap.sh)? cuDNN 9.14 with the heuristic plan, with autotune (ATTNLAB_CUDNN_AUTOTUNE=1), and
# autotune on the libcudnn torch loads (9.19).
source "$(dirname "$0")/../lib.sh"
D="$OUT/cudnn_gap"; mkdir -p "$D"
record_gpu
A=(compare --backends cudnn,torch-cudnn --head-dims 64 --mask causal --seqlens 512,1024 --max-time 0.5)
TLIB=$(python3 -c "import os, nvidia.cudnn as c; print(os.path.join(list(c.__path__)[0], 'lib'))" 2>/dev/null)
{
timeout -s KILL 90 $B "${A[@]}" --out "$D/heuristic.json" 2>/dev/null | grep -E '^64|^d'
ATTNLAB_CUDNN_AUTOTUNE=1 timeout -s KILL 100 $B "${A[@]}" --out "$D/autotune.json" 2>/dev/null | grep -E '^64'
echo "torch's libcudnn: $TLIB"
[ -n "$TLIB" ] && LD_LIBRARY_PATH="$TLIB:${LD_LIBRARY_PATH:-}" ATTNLAB_CUDNN_AUTOTUNE=1 timeout -s KILL 100 $B "${A[@]}" --out "$D/autotune_torch_lib.json" 2>/dev/null | grep -E '^64'
python3 - "$D" <<'PY'
import json, sys, glob
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    for r in json.load(open(f))["results"]:
        if r["backend"] == "cudnn": print(f.split("/")[-1], r["problem"]["seqlen_q"], round(r["tflops"] or 0, 1), r.get("describe", "")[:90])
PY
} 2>&1 | tee "$D/summary.txt"
tar czf "$OUT/cudnn_gap.tgz" -C "$OUT" cudnn_gap && rm -rf "$D"
