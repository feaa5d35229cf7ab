#!/usr/bin/env bash
# Issue 9 on a GPU machine: bad arguments still fail before any GPU work (fast, exit 2), the valid paths
# that now check sizes (run's .npy reader, DeviceBuffer::upload, the checker) still work, a proposer's
# source candidate that includes a file of its own folder is compiled, gated and timed while one that
# includes /etc/passwd is refused before compiling (its contents nowhere), and replaying the resulting
# database leaves its bytes and directory unchanged. Writes logs under $OUT; prints a summary table last.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}; mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
export ATTNLAB_CACHE_DIR=${ATTNLAB_CACHE_DIR:-$PWD/build/kcache}
B=$PWD/build/attnlab
declare -a ROWS
row() { ROWS+=("$(printf '%-46s %s' "$1" "$2")"); }

# 1. bad arguments: exit 2, one line, well under a second even with a GPU present
for args in "compare --seqlens 0" "compare --seqlens=-1 --tokens=-2147483648" "bench --shape 65536,1,128,64" \
            "bench --configs m99999999999n64w4s2-swz-qsm" "check --configs m99999999999n64w4s2-swz-qsm" \
            "tune --population 0" "micro --top-k=-5"; do
  t0=$(date +%s%N); out=$($B $args 2>&1); rc=$?; t1=$(date +%s%N)
  echo "$args -> rc $rc: $out" >> "$OUT/bad_args.txt"
  row "$args" "rc=$rc lines=$(printf '%s\n' "$out" | wc -l) $(( (t1 - t0) / 1000000 )) ms"
done

# 2. valid paths through the new size checks
python3 scripts/npy_vs_numpy.py $B > "$OUT/npy_vs_numpy.txt" 2>&1; row "npy_vs_numpy.py (run round trip)" "rc=$?"
$B check --configs default --head-dim 64,128 --dtype bf16 > "$OUT/check.txt" 2>&1; row "check default d64,128 bf16" "rc=$? $(tail -1 "$OUT/check.txt")"
$B bench --shape 2,16,2048,128 --max-time 2 > "$OUT/bench.txt" 2>&1; row "bench 2,16,2048,128" "rc=$? $(grep -o '[0-9.]* TFLOP/s' "$OUT/bench.txt" | head -1)"

# 3. source candidates: a local include (inlined) vs /etc/passwd (refused)
mkdir -p "$OUT/cand/parts"
echo "// a helper of the candidate's own folder" > "$OUT/cand/parts/note.cuh"
{ echo '#include "parts/note.cuh"'; cat kernels/sm80/flash_fwd_kernel.cuh; } > "$OUT/cand/good.cuh"
{ echo '#include "/etc/passwd"'; cat kernels/sm80/flash_fwd_kernel.cuh; } > "$OUT/cand/evil.cuh"
cat > "$OUT/cand/proposer.sh" <<PROP
#!/bin/sh
cat > /dev/null
echo '{"candidates": [{"config": "m128n64w4s2-swz-qsm", "source_file": "$OUT/cand/good.cuh"},
                      {"config": "m128n64w8s2-swz-qsm", "source_file": "$OUT/cand/evil.cuh"}]}'
PROP
chmod +x "$OUT/cand/proposer.sh"
$B tune --strategy proposer --proposer "$OUT/cand/proposer.sh" --budget 2 --shape 1,8,1024,128 --max-time 1 \
  --db "$OUT/db/hostile.db" --out-dir "$OUT/tune" > "$OUT/tune.txt" 2>&1
row "tune with 2 source candidates" "rc=$?"
row "  good.cuh (local include) evaluated" "$(grep -c 'good.cuh' "$OUT/tune/evo_log.csv" 2>/dev/null) rows, $(grep 'good.cuh' "$OUT/tune/evo_log.csv" | cut -d, -f9 | head -1) TFLOP/s"
row "  evil.cuh refused before compiling" "$(grep -c 'refused before compiling' "$OUT/tune/evo_log.csv" 2>/dev/null)"
row "  /etc/passwd contents anywhere in OUT" "$(grep -rl "^root:" "$OUT" 2>/dev/null | wc -l) files (want 0)"

# 4. replay/export never write
listing() { (cd "$OUT/db" && find . -maxdepth 1 -printf '%f %s %T@ %m\n' | sort && sha256sum ./*); }
before=$(listing)
$B tune --replay "$OUT/db/hostile.db" --shape 1,8,1024,128 --budget 2 --replay-seeds 2 > "$OUT/replay.txt" 2>&1
$B tune --db "$OUT/db/hostile.db" --export nope --out-dir "$OUT/export" >> "$OUT/replay.txt" 2>&1
after=$(listing)
row "replay+export leave db dir unchanged" "$([ "$before" = "$after" ] && echo yes || echo NO)"

echo; echo "== device-hostile summary =="; printf '%s\n' "${ROWS[@]}"
