#!/usr/bin/env bash
# (1) Why did a hung source candidate stall the tune? The hang candidate alone through the real tune path with
# a process/GPU timeline; (2) the d=256 row of the compare grid (it did not fit the compare-grid call);
# (3) what bounds each kernel: Nsight Compute full-metric profiles at B=4 H=16 S=4096 d=128 bf16 of the custom
# kernel (default and tuned, both families), cuDNN's SDPA and the cuBLAS QK^T GEMM.
# Was scripts/device-profile-hang.sh.
source "$(dirname "$0")/../lib.sh"
record_gpu
T0=$(date +%s); el() { echo $(( $(date +%s) - T0 )); }
H="$OUT/hang"; mkdir -p "$H"
{
echo "== hang timeline"
$B variant-source tests/adversarial/hang_after_gate.cuh -o "$H/hang_after_gate.cuh"
python3 - "$H" <<'PY'
import json, os, sys
h = sys.argv[1]
c = [{"config": "m128n64w4s2-swz-qsm", "source_file": os.path.abspath(f"{h}/hang_after_gate.cuh")}, {"config": "m64n64w4s2-swz-qsm"}]
open(f"{h}/p.py", "w").write("import json,sys\nreq=json.load(sys.stdin)\nprint(json.dumps({'candidates': %r}) if req['generation']==0 else json.dumps({'candidates': []}))\n" % c)
PY
ATTNLAB_SANITIZE_SOURCES=0 timeout --signal=KILL ${HANG_S:-100} $B tune --family sm80 --strategy proposer --proposer "python3 $H/p.py" \
  --budget 2 --population 2 --shape 2,16,2048,2048,128 --max-time 1 --fresh --db "$H/h.db" --out-dir "$H/out" > "$H/tune.txt" 2> "$H/tune.log" &
TP=$!
while kill -0 $TP 2>/dev/null; do
  echo "t=$(el) $(ps -eo pid,ppid,stat,etimes,args | grep -E 'attnlab (tune|eval-worker)' | grep -v grep | awk '{printf "[%s %s %s %ss %s] ", $1, $2, $3, $4, $6}')"
  nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader | tr '\n' ' '; echo
  sleep 4
done >> "$H/timeline.txt" 2>&1
wait $TP; echo "tune rc=$? at t=$(el)"; tail -5 "$H/tune.log"; tail -3 "$H/tune.txt"; tail -6 "$H/timeline.txt"
pkill -9 -f eval-worker; sleep 1
echo "== compare d=256"
G="$OUT/grid"; mkdir -p "$G"; s=$(date +%s)
timeout --signal=KILL ${CMP_S:-230} $B compare --backends custom,cudnn,torch-flash,torch-cudnn --head-dims 256 --mask both --max-time 0.3 \
  --out "$G/compare_d256.json" --csv "$G/compare_d256.csv" > "$G/compare_d256.txt" 2> "$G/compare_d256.log"
echo "compare d=256 rc=$? in $(( $(date +%s) - s )) s"; tail -14 "$G/compare_d256.txt"; tail -2 "$G/compare_d256.log"
echo "== profiles (full)"
P="$OUT/profile"; mkdir -p "$P"
prof() { local name=$1; shift; local s=$(date +%s)
  timeout --signal=KILL ${PROF_S:-70} $B profile --shape 4,16,4096,4096,128 --metrics full --out "$P/$name" "$@" > "$P/$name.txt" 2>&1
  echo "profile $name rc=$? in $(( $(date +%s) - s )) s"; grep -iE "verdict|tensor|duration" "$P/$name.txt" | head -4; }
prof custom-default --backend custom
prof custom-tuned --backend custom --config sm90-m128n128s2-pp-ov-grid
prof cudnn --backend cudnn
prof cublas-qk --backend cublas-qk
prof custom-sm80 --backend custom-sm80
prof custom-sm80-tuned --backend custom --config m256n64w8s2-swz-qsm
} 2>&1 | tee "$OUT/summary.txt"
tar czf "$OUT/r5.tgz" -C "$OUT" hang grid profile && rm -rf "$OUT/hang" "$OUT/grid" "$OUT/profile"
