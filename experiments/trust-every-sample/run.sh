#!/usr/bin/env bash
# Issue 16 on the GPU: the GPU tests of the checked timing path, the adversarial suite (old and new
# candidates, honest control, channel control) through the real tune path, and the honest kernels timed by
# the previous method (OLD, a binary of the commit before) and by every-sample checking (this build),
# interleaved in one run: custom and cuDNN at the seed's shape and at S=8192, plus one compare cell each.
source "$(dirname "$0")/../lib.sh"
OLD=${OLD:-devrun/old/attnlab}
record_gpu
step gpu_tests 120 $TESTS --gtest_filter='VerifiedTiming.*:Gpu.GateRejectsWrongKernels'
grep -E "^\[  (PASSED|FAILED|SKIPPED) " "$OUT/gpu_tests.log" | head -20
export ATTNLAB_CUDNN_AUTOTUNE=0  # the heuristic plan: the same plan for both binaries, no autotune time
# Old vs new timing, interleaved: A B A B per (shape, backend), 3 repeats in each process.
W=${W:-/tmp/trust-work}; rm -rf "$W"; mkdir -p "$W/timing"  # the many small files; tarred into $OUT
for shape in "1,8,512,512,64 --dtype fp16" "2,16,8192,8192,128"; do
  for be in custom cudnn; do
    for round in 1 2; do
      for bin in old new; do
        exe=$B; [ $bin = old ] && exe=$OLD
        tag=$(echo "$shape" | cut -d' ' -f1 | tr , x)_${be}_${bin}_$round
        t0=$(date +%s%N)
        timeout --signal=KILL 60 $exe bench --backend $be --shape $shape --repeat 3 --max-time 0.5 \
          --json "$W/timing/$tag.json" > "$W/timing/$tag.txt" 2>&1
        echo "$tag rc=$? wall $(( ($(date +%s%N) - t0) / 1000000 )) ms" >> "$W/timing/wall.txt"
      done
    done
  done
done
# One compare cell per mask at S=8192 d=128 with both binaries (per-cell cost).
for bin in old new; do
  exe=$B; [ $bin = old ] && exe=$OLD
  t0=$(date +%s)
  timeout --signal=KILL 120 $exe compare --backends custom,cudnn,cublas-qk --head-dims 128 --seqlens 8192 --mask both \
    --max-time 0.5 --out "$W/timing/compare_$bin.json" > "$W/timing/compare_$bin.txt" 2>&1
  echo "compare_$bin rc=$? wall $(( $(date +%s) - t0 )) s" >> "$W/timing/wall.txt"
done
cat "$W/timing/wall.txt"
# The adversarial suite last (the longest step).
tar czf "$OUT/timing.tgz" -C "$W" timing
step adversarial 300 env SANITIZE_BUILTIN=0 ADV_GPU_TESTS=0 OUT="$W/adv" bash experiments/adversarial-suite/run.sh
tail -26 "$OUT/adversarial.log"
tar czf "$OUT/adv.tgz" -C "$W" adv
python3 experiments/trust-every-sample/summarize.py "$W" | tee "$OUT/summary.txt"
cp "$W/summary.json" "$OUT/" 2>/dev/null
