#!/usr/bin/env bash
# Issues 16 and 17 on the GPU after the refactor (one device call, <= 9.5 min): the GPU tests of the checked
# timing path, the gate and the toy family; the honest kernels timed by the build before the refactor (TRUST,
# every-sample checking already in) and by this one, and this one with --no-check (no gate, no poison, no
# hashes: the timing core alone), interleaved; the adversarial suite (the eval worker's protocol changed);
# then the sm90 and sm80 check matrices of the default spaces with what time is left.
source "$(dirname "$0")/../lib.sh"
TRUST=${TRUST:-devrun/trust/attnlab}
DEADLINE=$(( $(date +%s) + ${BUDGET_S:-560} ))
left() { local l=$(( DEADLINE - $(date +%s) )); [ $l -lt ${2:-1} ] && echo 1 || { [ $l -lt $1 ] && echo $l || echo $1; }; }
W=${W:-/tmp/seams-work}; rm -rf "$W"; mkdir -p "$W/timing"
record_gpu
step gpu_tests 120 $TESTS --gtest_filter='VerifiedTiming.*:Gpu.*:NewFamily.*:CudnnSdpaGpu.PassesTheGate'
grep -E "^\[  (PASSED|FAILED|SKIPPED) " "$OUT/gpu_tests.log" | head -12
export ATTNLAB_CUDNN_AUTOTUNE=0
# Interleaved per (shape, backend): before (TRUST), after, after --no-check.
for shape in "1,8,512,512,64 --dtype fp16" "2,16,8192,8192,128"; do
  for be in custom cudnn; do
    for mode in before after nocheck; do
      exe=$B; extra=""; [ $mode = before ] && exe=$TRUST; [ $mode = nocheck ] && extra="--no-check"
      tag=$(echo "$shape" | cut -d' ' -f1 | tr , x)_${be}_${mode}
      timeout --signal=KILL 60 $exe bench --backend $be --shape $shape --repeat 3 --max-time 0.5 $extra \
        --json "$W/timing/$tag.json" > "$W/timing/$tag.txt" 2>&1
      echo "$tag rc=$?" >> "$W/timing/rc.txt"
    done
  done
done
tar czf "$OUT/timing.tgz" -C "$W" timing
python3 experiments/seams-and-trust-on-gpu/summarize.py "$W" | tee "$OUT/timing_summary.txt"
step adversarial $(left 200) env SANITIZE_BUILTIN=0 ADV_GPU_TESTS=0 SANITIZE_TIMEOUT=45 OUT="$W/adv" bash experiments/adversarial-suite/run.sh
tail -24 "$OUT/adversarial.log"
tar czf "$OUT/adv.tgz" -C "$W" adv 2>/dev/null
step check_sm90 $(left 240 30) $B check --family sm90 --configs ${CHECK_CONFIGS:-all} --json "$W/check_sm90.json"
tail -2 "$OUT/check_sm90.log"
step check_sm80 $(left 240 30) $B check --family sm80 --configs ${CHECK_CONFIGS:-all} --json "$W/check_sm80.json"
tail -2 "$OUT/check_sm80.log"
gzip -c "$W/check_sm90.json" > "$OUT/check_sm90.json.gz" 2>/dev/null; gzip -c "$W/check_sm80.json" > "$OUT/check_sm80.json.gz" 2>/dev/null
