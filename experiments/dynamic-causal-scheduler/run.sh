#!/usr/bin/env bash
# Does handing out persistent causal tiles dynamically (a global counter) beat the static order, and with which L2
# head-group size (was scripts/device-dynsched.sh)? (1) the full sm90 check matrix with the new kernel, (2) static
# order (HEAD) vs dynamic with 25 MB and 8 MB L2 head groups, persistent and grid configs, on the causal cells of
# the compare grid (B*S = 16k, H*d = 2048, bf16), binaries interleaved per cell, (3) ncu of the S=512 cell.
# Three binaries: devrun/attnlab (static, HEAD), devrun/dyn25/attnlab, devrun/dyn8/attnlab.
source "$(dirname "$0")/../lib.sh"
D="$OUT/dynsched"; mkdir -p "$D"
record_gpu
MT=${MT:-0.2}
{
devrun/dyn8/attnlab devices > "$D/devices.txt"; grep -E "uuid" "$D/devices.txt" | head -1
# canary: a hang here ends the call early (setmaxnreg beyond the launch allocation hung every sm90 launch once)
ATTNLAB_CACHE_DIR=/tmp/kc-dyn T 40 devrun/dyn8/attnlab bench --family sm90 --configs sm90-m128n128s2-pp-ov-pers --shape 4,16,512,512,128 \
  --causal --max-time 0.1 --no-ceilings > "$D/canary.txt" 2>&1 || { echo "canary failed rc=$?"; tail -5 "$D/canary.txt"; exit 1; }
t0=$(date +%s)
ATTNLAB_CACHE_DIR=/tmp/kc-dyn T 120 devrun/dyn8/attnlab check --family sm90 --json "$D/check_sm90.json" > "$D/check_sm90.txt" 2>&1
echo "check rc=$? in $(( $(date +%s) - t0 )) s"; grep -E "compiled|^FAIL|checks passed" "$D/check_sm90.txt" | head -8
cfgs() { case $1 in
  64) echo sm90-m128n128s2-pp-ov-pers,sm90-m192n128s2-pp-ov-pers,sm90-m192n128s2-pp-ov-grid ;;
  128) echo sm90-m128n128s2-pp-ov-pers,sm90-m128n128s2-pp-ov-grid ;;
esac; }
for d in ${DIMS:-128 64}; do for S in ${SEQS:-512 1024 2048 4096 8192 16384}; do
  for v in static dyn25 dyn8; do
    B=devrun/$v/attnlab; [ $v = static ] && B=devrun/attnlab
    kc=/tmp/kc-dyn; [ $v = static ] && kc=/tmp/kc-static
    f="$D/bench_${v}_d${d}_S${S}.txt"
    ATTNLAB_CACHE_DIR=$kc T 40 $B bench --family sm90 --configs "$(cfgs $d)" --shape $((16384 / S)),$((2048 / d)),$S,$S,$d --causal \
      --max-time $MT --no-ceilings > "$f" 2>&1
    echo "d=$d S=$S $v: $(grep -A3 ranking "$f" | tail -n +2 | awk '{printf "%s %s | ", $2, $3}')"
  done
done; done
ATTNLAB_CACHE_DIR=/tmp/kc-dyn T 120 devrun/dyn8/attnlab profile --backend custom --shape 32,16,512,512,128 --causal --metrics full \
  --out "$D/profile_dyn8" > "$D/profile_dyn8.txt" 2>&1; tail -3 "$D/profile_dyn8.txt"
python3 - "$D" <<'PY'
import json, glob, sys
for f in glob.glob(sys.argv[1] + "/profile_dyn8/profile_*.json"):
    m = json.load(open(f))["kernels"][0]["metrics"]
    print("dram read MB", m.get("dram__bytes_read.sum", 0) / 1e6, "write MB", m.get("dram__bytes_write.sum", 0) / 1e6)
PY
} 2>&1 | tee "$OUT/dynsched_summary.txt"
gzip -f "$D/check_sm90.json"
tar czf "$OUT/dynsched.tgz" -C "$OUT" dynsched && rm -rf "$D"
