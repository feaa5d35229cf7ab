#!/usr/bin/env bash
# Device call: `attnlab evidence` on the H100, then the same command with --resume (should skip every step).
# MODE=quick (default) runs --quick (< 5 min); MODE=full runs the full pipeline into $EVIDENCE_DIR, which
# lives under build/ so a warm machine keeps it: rerun the call until it prints "done" (each call stops at
# 540 s, and --resume continues from the last finished step). Everything is copied to $OUT/evidence.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}; mkdir -p "$OUT"
MODE=${MODE:-quick}
export ATTNLAB_CACHE_DIR=${ATTNLAB_CACHE_DIR:-$PWD/build/kcache}
DIR=${EVIDENCE_DIR:-build/evidence-$MODE}
FLAGS=(); [ "$MODE" = quick ] && FLAGS=(--quick)
RESUME=(); [ "$MODE" = full ] && [ -f "$DIR/manifest.json" ] && RESUME=(--resume)
[ "$MODE" = quick ] && rm -rf "$DIR"
t0=$(date +%s)
timeout ${EVIDENCE_S:-540} ${B:-./build/attnlab} evidence "${FLAGS[@]}" "${RESUME[@]}" --out "$DIR" > "$OUT/evidence_run.txt" 2>&1
rc=$?; t1=$(date +%s)
echo "first run: rc=$rc, $((t1 - t0)) s, flags: ${FLAGS[*]} ${RESUME[*]}" | tee "$OUT/evidence_timing.txt"
if [ $rc -eq 0 ]; then
  ${B:-./build/attnlab} evidence "${FLAGS[@]}" --resume --out "$DIR" > "$OUT/evidence_resume.txt" 2>&1
  rc2=$?; t2=$(date +%s)
  echo "--resume rerun: rc=$rc2, $((t2 - t1)) s" | tee -a "$OUT/evidence_timing.txt"
fi
tar czf "$OUT/evidence.tgz" "$DIR"  # few files come back from a device call: one archive
echo "== steps (manifest.json)"
python3 - "$DIR/manifest.json" <<'PY' 2>/dev/null || cat "$OUT/evidence_run.txt" | tail -20
import json, sys
m = json.load(open(sys.argv[1]))
print(f"{'step':<18} {'exit':>4} {'seconds':>8}  note")
for s in m["steps"]:
    print(f"{s['name']:<18} {s['exit_code']:>4} {s['seconds']:>8.1f}  {s.get('skipped', '')}")
print(f"{len(m['files'])} files in the manifest")
PY
tail -4 "$OUT/evidence_run.txt"
