#!/usr/bin/env bash
# Does `attnlab evidence` run the whole pipeline on a GPU, and does --resume then skip every step (was
# scripts/device-evidence.sh)? MODE=quick (default) runs --quick (< 5 min); MODE=full runs the full pipeline into
# $EVIDENCE_DIR, which lives under build/ so a warm machine keeps it: rerun the call until it prints "done" (each
# call stops at EVIDENCE_S, default 540 s, and --resume continues from the last finished step). Everything is
# archived to $OUT/evidence.tgz.
source "$(dirname "$0")/../lib.sh"
MODE=${MODE:-quick}
record_gpu
DIR=${EVIDENCE_DIR:-build/evidence-$MODE}
FLAGS=(); [ "$MODE" = quick ] && FLAGS=(--quick)
RESUME=(); [ "$MODE" = full ] && [ -f "$DIR/manifest.json" ] && RESUME=(--resume)
[ "$MODE" = quick ] && rm -rf "$DIR"
t0=$(date +%s)
timeout ${EVIDENCE_S:-540} $B evidence "${FLAGS[@]}" "${RESUME[@]}" --out "$DIR" > "$OUT/evidence_run.txt" 2>&1
rc=$?; t1=$(date +%s)
echo "first run: rc=$rc, $((t1 - t0)) s, flags: ${FLAGS[*]} ${RESUME[*]}" | tee "$OUT/evidence_timing.txt"
if [ $rc -eq 0 ]; then
  $B evidence "${FLAGS[@]}" --resume --out "$DIR" > "$OUT/evidence_resume.txt" 2>&1
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
