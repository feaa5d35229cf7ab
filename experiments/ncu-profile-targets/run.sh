#!/usr/bin/env bash
# What bounds each issue-10 target, by Nsight Compute (was scripts/device-profile.sh, which now execs this file)?
# Profiles at B=4 H=16 S=4096 d=128 bf16 of the custom kernel (default config; brief and full metric sets), cuDNN
# SDPA and the cuBLAS QK^T GEMM (full), each with its verdict; `attnlab inspect --arch sm_90a --all`. Raw ncu CSVs,
# JSON summaries, a results DB and logs go to $OUT/profile; a summary table is printed last. About 2-4 minutes.
source "$(dirname "$0")/../lib.sh"
P="$OUT/profile"; mkdir -p "$P"
record_gpu
SHAPE=${SHAPE:-4,16,4096,4096,128}
NCU=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null); echo "ncu: ${NCU:-missing} $($NCU --version 2>/dev/null | tail -1)"
echo "nvdisasm: $(command -v nvdisasm || ls /usr/local/cuda/bin/nvdisasm 2>/dev/null || echo missing)"
$B ceilings > "$P/ceilings.txt" 2>&1; tail -2 "$P/ceilings.txt"   # measured once, cached for the rooflines
run() {  # metric set, backend
  local t0=$SECONDS
  timeout 150 $B profile --shape "$SHAPE" --out "$P/$1" --db "$P/profile.db" --metrics "$1" --backend "$2" \
    > "$P/$1_$2.txt" 2>&1
  echo "$1 $2: exit $? in $((SECONDS - t0)) s"; tail -4 "$P/$1_$2.txt"
}
run brief custom
for backend in custom cudnn cublas-qk; do run full $backend; done
t0=$SECONDS
timeout 120 $B inspect --arch sm_90a --all --json "$P/inspect_sm90a.json" > "$P/inspect_sm90a.txt" 2>&1
echo "inspect sm_90a: exit $? in $((SECONDS - t0)) s"; tail -8 "$P/inspect_sm90a.txt"
python3 - "$P" <<'PY'
import json, glob, sys
print(f"{'set':<5} {'backend':<10} {'kernel':<44} {'us':>8} {'tensor%':>8} {'dram%':>6} {'warps%':>6}  verdict")
for f in sorted(glob.glob(sys.argv[1] + "/*/profile_*.json")):
    r = json.load(open(f))
    for k in r["kernels"]:
        m = k["metrics"]; g = lambda n: m.get(n, float("nan"))
        print(f"{r['metric_set']:<5} {r['backend']:<10} {k['name'][:44]:<44} {g('gpu__time_duration.sum')/1e3:8.1f} "
              f"{g('sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active'):8.1f} "
              f"{g('dram__throughput.avg.pct_of_peak_sustained_elapsed'):6.1f} "
              f"{g('sm__warps_active.avg.pct_of_peak_sustained_active'):6.1f}  {k['verdict']['summary'][:150]}")
PY
