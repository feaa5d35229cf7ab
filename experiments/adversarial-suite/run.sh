#!/usr/bin/env bash
# Is every deliberately bad source candidate rejected, by the mechanism it targets, while honest ones pass
# (issues 8, 16)? The adversarial suite (tests/adversarial/*.cuh) through the real tune path — proposer ->
# GpuEvaluator -> compute-sanitizer (source candidates) -> eval worker (compile, gate, verified timing, time
# limits) — together with honest built-in configs; then `bench` on the honest configs for the gate's cost.
# Writes $OUT/adversarial.json and prints a table. ~4-6 minutes on an H100. Was scripts/device-adversarial.sh
# (which now execs this file). Env: SHAPE, CFG, HONEST, ADV_GPU_TESTS=0, SANITIZE_BUILTIN=0, SANITIZE_TIMEOUT.
source "$(dirname "$0")/../lib.sh"
SHAPE=${SHAPE:-2,16,2048,2048,128}          # B,H,Sq,Sk,d (target; the gate adds 333x517 tails)
CFG=${CFG:-m128n64w4s2-swz-qsm}             # tile config every adversarial source is compiled with
HONEST=${HONEST:-m128n64w4s2-swz-qsm m128n64w8s2-swz-qsm m64n64w4s2-swz-qsm}
# The suite is stored as edits of the built-in kernel; a proposer hands in full files: write them.
mkdir -p "$OUT/adv_src"
for f in tests/adversarial/*.cuh; do $B variant-source "$f" -o "$OUT/adv_src/$(basename "$f")"; done
# The control: the built-in kernel shell handed in unchanged as a source candidate. It goes through the same
# path (sanitizers, gate, verified timing) and must be accepted: a broken sanitizer run rejects it too.
: > "$OUT/no_edits.cuh"; $B variant-source "$OUT/no_edits.cuh" -o "$OUT/adv_src/honest_source.cuh"
ADV=$(ls "$OUT"/adv_src/*.cuh | grep -v hang_on_target; ls "$OUT"/adv_src/hang_on_target.cuh)  # the hang last: what follows shows the tune carries on
N=$(( $(echo $ADV | wc -w) + $(echo $HONEST | wc -w) ))

# GPU unit tests of the checked timing path and the gate (C++ cheating backends; ~20 s).
[ "${ADV_GPU_TESTS:-1}" = 1 ] && $TESTS --gtest_filter='VerifiedTiming.*:Gpu.GateRejectsWrongKernels' > "$OUT/adv_gpu_tests.txt" 2>&1
echo "gpu tests rc=$?"; grep -E "^\[  (PASSED|FAILED) " "$OUT/adv_gpu_tests.txt"

# Generation 0 answers every candidate; later generations none (the budget is exactly N).
python3 - "$OUT" "$CFG" "$HONEST" $ADV <<'PY'
import json, os, sys
out, cfg, honest, adv = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4:]
cands = [{"config": cfg, "source_file": os.path.abspath(a), "note": os.path.basename(a)[:-4]} for a in adv]
cands += [{"config": c, "note": "honest"} for c in honest]
json.dump({"candidates": cands}, open(f"{out}/adv_response.json", "w"))
open(f"{out}/adv_proposer.py", "w").write(
    "import json,sys\nreq=json.load(sys.stdin)\n"
    f"print(open({out + '/adv_response.json'!r}).read() if req['generation']==0 else json.dumps({{'candidates': []}}))\n")
PY
T0=$(date +%s)
# A sanitizer tool past its limit rejects the candidate (fail-closed); racecheck on race_no_sync takes longer
# than any limit worth waiting for, so the suite uses a shorter one than tune's default 300 s.
$B tune --family sm80 --strategy proposer --proposer "python3 $OUT/adv_proposer.py" --budget $N --population $N --shape "$SHAPE" --max-time 1 \
  --sanitize-timeout ${SANITIZE_TIMEOUT:-60} \
  --fresh --db "$OUT/adv.db" --out-dir "$OUT/adv" > "$OUT/adv_tune.txt" 2> "$OUT/adv_tune.log"
echo "tune rc=$? in $(( $(date +%s) - T0 )) s"; tail -3 "$OUT/adv_tune.txt"

# The gate's cost on honest configs: bench JSON has gate_s (both input sets, determinism, input hashes)
# and verified.cost_s (timed-output verification); compared with the timing itself.
for c in $HONEST; do
  $B bench --config "$c" --shape "$SHAPE" --max-time 1 --json "$OUT/honest_$c.json" > /dev/null 2>> "$OUT/adv_bench.log"
done

# The honest default config under compute-sanitizer too (what `check --sanitize` does for built-ins).
if [ "${SANITIZE_BUILTIN:-1}" = 1 ]; then
  $B check --sanitize --configs default --head-dim 128 --dtype bf16 --json "$OUT/sanitize_builtin.json" \
    > "$OUT/sanitize_builtin.txt" 2>&1; echo "check --sanitize rc=$?"; tail -2 "$OUT/sanitize_builtin.txt"
fi

python3 - "$OUT" "$HONEST" <<'PY'
import csv, json, os, re, sys
out, honest = sys.argv[1], sys.argv[2].split()
rows = list(csv.DictReader(open(f"{out}/adv/evo_log.csv")))
log = open(f"{out}/adv_tune.log").read()
recs, ok = [], True
for r in rows:
    if not r["source_file"]:
        continue
    name = os.path.basename(r["source_file"])[:-4]
    rejected = not (r["correct"] == "1" and float(r["tflops"] or 0) > 0)
    m = re.search(r"sanitize \S+ @ " + re.escape(r["source_file"]) + r": .*\(([\d.]+) s\)", log)
    # A sanitizer that could not run (bad arguments, tool error) rejects everything, for no reason of the
    # candidate's own: such a rejection does not count, and the honest control catches it.
    tool_failure = rejected and "under the sanitizer" in r["error"] and "ill-formed" in r["error"]
    rec = {"name": name, "rejected": rejected, "reason": r["error"] if rejected else
           f"ACCEPTED at {float(r['tflops']):.1f} TFLOP/s", "sanitizer_s": float(m.group(1)) if m else None}
    if name.startswith("honest"):
        rec["control"] = True
        ok &= not rejected
    elif name == "sniff_o_only":  # the channel control: never finds an unpoisoned output, so never skips work
        rec["channel_control"] = True
        rec["tflops"] = float(r["tflops"] or 0) if not rejected else None
        ok &= not rejected
    else:
        ok &= rejected and not tool_failure
    if tool_failure:
        rec["tool_failure"] = True
    recs.append(rec)
hon = []
for c in honest:
    r = next((x for x in rows if not x["source_file"] and x["config"] == c), None)
    accepted = bool(r) and r["correct"] == "1" and float(r["tflops"] or 0) > 0
    b = {}
    try:
        b = next(x for x in json.load(open(f"{out}/honest_{c}.json"))["results"] if x["backend"] == "custom")
    except Exception as e:
        b = {"error": str(e)}
    t = b.get("timing") or {}
    v = b.get("verified") or {}
    hon.append({"config": c, "accepted": accepted, "tflops": float(r["tflops"]) if r else None,
                "error": r["error"] if r and not accepted else "", "gate_s": b.get("gate_s"),
                "verify_s": v.get("cost_s"), "samples_checked": v.get("samples_checked"), "samples": v.get("samples"),
                "timing_wall_s_approx": (t.get("samples", 0) * t.get("median_us", 0)) * 1e-6})
    ok &= accepted
ctl = next((x for x in recs if x.get("control")), None)
chan = next((x for x in recs if x.get("channel_control")), None)
if ctl and chan and chan.get("tflops") and not ctl["rejected"]:
    ctl_t = float(next(r for r in rows if r["source_file"].endswith("honest_source.cuh"))["tflops"])
    chan["vs_control"] = chan["tflops"] / ctl_t
    ok &= chan["vs_control"] < 1.03  # a sniffer that found unchecked samples would be ~1.3-2x faster
doc = {"schema": "attnlab.adversarial/1", "shape": os.environ.get("SHAPE", "2,16,2048,2048,128"),
       "all_rejected_and_honest_accepted": ok, "candidates": recs, "honest": hon}
json.dump(doc, open(f"{out}/adversarial.json", "w"), indent=1)
print(f"{'candidate':<18} {'rejected':<8} reason")
for r in recs:
    extra = f" ({r['vs_control']:.3f}x the honest control)" if "vs_control" in r else ""
    print(f"{r['name']:<18} {str(r['rejected']):<8} {r['reason'][:110]}{extra}")
for h in hon:
    print(f"honest {h['config']:<22} accepted={h['accepted']} gate {h['gate_s']} s, verify {h['verify_s']} s")
print("ALL GOOD" if ok else "NOT ALL GOOD: see adversarial.json")
PY
