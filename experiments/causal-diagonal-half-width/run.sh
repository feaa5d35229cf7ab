#!/usr/bin/env bash
# Do half-width GEMMs on causal diagonal blocks whose upper half is masked for a whole warpgroup make short causal
# rows faster (was scripts/device-halfdiag.sh)? (1) check every sm90 config (full shape matrix) with the new
# kernel, (2) old vs new binary on the causal cells, each run custom + cuDNN (heuristic plan in both, so the
# ratio's denominator is the same plan), interleaved, (3) cuDNN autotune cost: first process (tunes, stores the
# plan), second process (cached), heuristic. OLD and NEW are the two binaries.
source "$(dirname "$0")/../lib.sh"
D="$OUT/halfdiag"; mkdir -p "$D"
OLD=${OLD:-devrun/attnlab}; NEW=${NEW:-devrun/new/attnlab}
record_gpu
{
$NEW devices > "$D/devices.txt"; grep -E "uuid" "$D/devices.txt" | head -1
t0=$(date +%s)
ATTNLAB_CACHE_DIR=/tmp/kc-new T ${CHECK_S:-240} $NEW check --family sm90 --json "$D/check_sm90.json" > "$D/check_sm90.txt" 2>&1
echo "check rc=$? in $(( $(date +%s) - t0 )) s"; grep -E "compiled|^FAIL|checks passed" "$D/check_sm90.txt" | head -8
for rep in 1 2; do for d in 128 64 256; do
  for which in old new; do
    B=$OLD; [ $which = new ] && B=$NEW
    ATTNLAB_CUDNN_AUTOTUNE=0 ATTNLAB_CACHE_DIR=/tmp/kc-$which T 90 $B compare --backends custom,cudnn --head-dims $d --mask causal \
      --seqlens 512,1024,2048 --max-time 0.3 --out "$D/cmp_${which}_d${d}_r${rep}.json" > "$D/cmp_${which}_d${d}_r${rep}.txt" 2>&1
    echo "rep$rep d=$d $which:"; grep -E "^ *$d +causal" "$D/cmp_${which}_d${d}_r${rep}.txt"
  done
done; done
A=(compare --backends cudnn --head-dims 128 --mask causal --seqlens 512 --max-time 0.2)
for tag in tune cached; do t0=$(date +%s%N); ATTNLAB_CACHE_DIR=/tmp/kc-at T 120 $NEW "${A[@]}" --out "$D/cudnn_$tag.json" > "$D/cudnn_$tag.txt" 2>&1
  echo "cudnn $tag: $(( ($(date +%s%N) - t0) / 1000000 )) ms"; done
t0=$(date +%s%N); ATTNLAB_CUDNN_AUTOTUNE=0 ATTNLAB_CACHE_DIR=/tmp/kc-at T 120 $NEW "${A[@]}" --out "$D/cudnn_heur.json" > "$D/cudnn_heur.txt" 2>&1
echo "cudnn heuristic: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
python3 - "$D" <<'PY'
import json, sys
for t in ("tune", "cached", "heur"):
    for r in json.load(open(f"{sys.argv[1]}/cudnn_{t}.json"))["results"]: print(t, round(r["tflops"] or 0, 1), r.get("describe", ""))
PY
} 2>&1 | tee "$OUT/halfdiag_summary.txt"
gzip -f "$D/check_sm90.json"
tar czf "$OUT/halfdiag.tgz" -C "$OUT" halfdiag && rm -rf "$D"
