#!/usr/bin/env python3
"""Search strength by replay: attnlab's strategies vs Kernel Tuner's on the same recorded landscapes.

For each recording (an attnlab results database of an exhaustive sweep):
  1. read the recorded evaluations of the target shape (read-only, sqlite3 URI mode=ro);
  2. list the family's space with `attnlab configs --all` (valid and invalid configs, names parsed into
     knob values the way src/backends/custom/family_sm80.cpp / family_sm90.cpp name them);
  3. write a Kernel Tuner cache file (the JSON that Kernel Tuner writes with cache=): tunable parameters
     = the knobs, one entry per attnlab-valid config, time = the recorded median in ms (a failed or
     unrecorded valid config gets Kernel Tuner's failure marker "RuntimeFailedConfig", or
     "CompilationFailedConfig" when it did not compile), plus a restriction that admits exactly the
     attnlab-valid configs, so both tools search the same space;
  4. run Kernel Tuner in simulation mode (strategies x RNG seeds, max_fevals = budget) and count
     "evaluations until a config within 2 % of the best recorded" exactly as src/search/replay.cpp:
     the 1-based index among unique evaluations of the first one whose fitness (TFLOP/s of a
     compiled, correct config; 0 for a failed one) >= (1 - within) x best; budget + 1 when never;
  5. run `attnlab tune --replay` on the same recording (random, genetic, seeded, bayes);
  6. write table.md / table.json (tool x strategy x recording: median, mean, success %, worst).

Kernel Tuner is imported from --kt-path (default /tmp/kt, installed with pip --target). It has no seed
option that its strategies use, so each run seeds Python's `random` and `numpy.random` with the seed.
"""
import argparse
import contextlib
import io
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import warnings

KT_VERSION_PINNED = "1.5.0"
SHAPE = "B4 H16/16 Sq4096 Sk4096 d128"  # shape key of attnlab's results database (shape_key of the target)
DTYPE = "bf16"
HEAD_DIM = 128
ARCH = "sm_90a"

RECORDINGS = [
    {
        "label": "sm80-tuning-h100",
        "db": "evidence/h100/tune/exhaustive.db",
        "family": "sm80",
        "space": "tuning",
        "seed_from": "evidence/h100/micro_best_tuning.json",
    },
    {
        "label": "sm90-default-h100",
        "db": "evidence/h100/tune_sm90/exhaustive.db",
        "family": "sm90",
        "space": "default",
        "seed_from": "evidence/h100/tune_sm90/micro_best.json",
    },
]

# Knob names and order as in the family specs (family_sm80.cpp / family_sm90.cpp).
KNOBS = {
    "sm80": ["block_m", "block_n", "num_warps", "stages", "swizzle", "q_in_regs"],
    "sm90": ["block_m", "block_n", "stages", "pingpong", "overlap", "persistent", "cluster"],
}
NAME_RE = {
    "sm80": re.compile(r"m(\d+)n(\d+)w(\d+)s(\d+)-(swz|pad)-(qreg|qsm)"),
    "sm90": re.compile(r"sm90-m(\d+)n(\d+)s(\d+)-(pp|nopp)-(ov|noov)-(pers|grid)(?:-c(\d+))?"),
}


def parse_name(family, name):
    m = NAME_RE[family].fullmatch(name)
    if not m:
        raise ValueError(f"cannot parse {family} config name {name!r}")
    g = m.groups()
    if family == "sm80":
        return (int(g[0]), int(g[1]), int(g[2]), int(g[3]), int(g[4] == "swz"), int(g[5] == "qreg"))
    return (int(g[0]), int(g[1]), int(g[2]), int(g[3] == "pp"), int(g[4] == "ov"), int(g[5] == "pers"),
            int(g[6]) if g[6] else 1)


def list_space(attnlab, family, space):
    """All configs of the space (the full cartesian product) with attnlab's validity."""
    cmd = [attnlab, "configs", "--family", family, "--space", space, "--head-dim", str(HEAD_DIM), "--arch", ARCH,
           "--dtype", DTYPE, "--all"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    configs = []  # (name, knob tuple, valid)
    for line in out.splitlines()[1:]:
        parts = line.split()
        if not parts or not NAME_RE[family].fullmatch(parts[0]):
            continue
        configs.append((parts[0], parse_name(family, parts[0]), "invalid:" not in line))
    values = [sorted({c[1][i] for c in configs}) for i in range(len(KNOBS[family]))]
    n_product = 1
    for v in values:
        n_product *= len(v)
    if n_product != len(configs) or len({c[1] for c in configs}) != len(configs):
        raise RuntimeError(f"{family}/{space}: `configs --all` listed {len(configs)} configs, not the product "
                           f"{n_product} of the knob values {values}")
    return configs, dict(zip(KNOBS[family], values)), " ".join(cmd)


def read_records(db_path):
    """Records of the target shape, by config name; later rows win (as ReplayEvaluator: last wins)."""
    con = sqlite3.connect(f"file:{os.path.abspath(db_path)}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT config, compiled, correct, tflops, median_us, error, gpu_uuid, arch FROM evaluations "
            "WHERE shape=? AND dtype=? ORDER BY id", (SHAPE, DTYPE)).fetchall()
    finally:
        con.close()
    recs = {}
    for config, compiled, correct, tflops, median_us, error, gpu_uuid, arch in rows:
        ok = bool(compiled) and bool(correct) and tflops > 0
        recs[config] = {"compiled": bool(compiled), "correct": bool(correct), "tflops": float(tflops),
                        "median_us": float(median_us), "error": error, "ok": ok, "gpu_uuid": gpu_uuid,
                        "arch": arch}
    return recs


def build_cache(rec, configs, tune_params, records):
    """Kernel Tuner cache (its JSON cache format) of the attnlab-valid configs, and the bookkeeping."""
    keys = list(tune_params)
    cache = {}
    fitness = {}  # cache key -> TFLOP/s (0 for failed/unrecorded): the replay metric's fitness
    counts = {"valid": 0, "invalid": 0, "recorded_ok": 0, "recorded_failed": 0, "unrecorded": 0,
              "recorded_outside_space": 0}
    valid_names = set()
    for name, knobs, valid in configs:
        if not valid:
            counts["invalid"] += 1
            continue
        counts["valid"] += 1
        valid_names.add(name)
        key = ",".join(str(v) for v in knobs)
        entry = dict(zip(keys, knobs))
        r = records.get(name)
        entry["attnlab_config"] = name
        entry["compile_time"] = 0
        entry["verification_time"] = 0
        entry["benchmark_time"] = 0
        if r is not None and r["ok"]:
            counts["recorded_ok"] += 1
            t_ms = r["median_us"] / 1000.0
            entry["time"] = t_ms
            entry["times"] = [t_ms]
            entry["tflops"] = r["tflops"]
            fitness[key] = r["tflops"]
        else:
            if r is None:
                counts["unrecorded"] += 1
                marker = "RuntimeFailedConfig"  # attnlab's replay: "not in the recorded results", fitness 0
            else:
                counts["recorded_failed"] += 1
                marker = "RuntimeFailedConfig" if r["compiled"] else "CompilationFailedConfig"
            entry["time"] = marker
            entry["times"] = marker
            entry["tflops"] = 0.0
            fitness[key] = 0.0
        cache[key] = entry
    counts["recorded_outside_space"] = sum(1 for n in records if n not in valid_names)
    uuids = sorted({r["gpu_uuid"] for r in records.values()})
    doc = {
        "device_name": f"attnlab recording {rec['db']} ({', '.join(uuids)})",
        "kernel_name": f"attnlab_{rec['family']}_flash_fwd",
        "problem_size": [4, 16, 4096],
        "tune_params_keys": keys,
        "tune_params": tune_params,
        "objective": "time",
        "cache": cache,
    }
    return doc, fitness, counts


def evals_to_target(hits, budget):
    return hits if hits is not None else budget + 1


def summarize(values, budget):
    n = len(values)
    return {
        "median": statistics.median(values),
        "mean": sum(values) / n,
        "success_rate": sum(1 for v in values if v <= budget) / n,
        "worst": max(values),
        "evals_to_target": values,
    }


def run_kt(kt, np, cache_path, doc, fitness, strategy, seeds, budget, target):
    keys = doc["tune_params_keys"]
    valid_keys = set(doc["cache"])
    tune_params = doc["tune_params"]

    def restriction(p):
        return ",".join(str(p[k]) for k in keys) in valid_keys

    out = []
    n_unique = []
    with tempfile.TemporaryDirectory(prefix="ktc-") as tmp:
        for seed in range(1, seeds + 1):
            # Kernel Tuner reads the cache and, outside simulation mode, reopens it for appending: give it a copy.
            tmp_cache = os.path.join(tmp, f"{seed}.json")
            shutil.copyfile(cache_path, tmp_cache)
            random.seed(seed)
            np.random.seed(seed)
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                results, _env = kt.tune_kernel(
                    doc["kernel_name"], "__global__ void dummy() {}", tuple(doc["problem_size"]), [], tune_params,
                    restrictions=restriction, cache=tmp_cache, simulation_mode=True, strategy=strategy,
                    strategy_options={"max_fevals": budget}, quiet=True, lang="CUDA")
            seen = set()
            hit = None
            for r in results:  # Kernel Tuner's results repeat a revisited config: count unique evaluations
                key = ",".join(str(r[k]) for k in keys)
                if key in seen:
                    continue
                seen.add(key)
                f = fitness.get(key, 0.0)
                if hit is None and f > 0 and f >= target:
                    hit = len(seen)
            if len(seen) > budget:
                raise RuntimeError(f"{strategy} seed {seed}: {len(seen)} unique evaluations > budget {budget}")
            out.append(evals_to_target(hit, budget))
            n_unique.append(len(seen))
    return out, n_unique


def run_attnlab(attnlab, rec, seeds, budget, json_out):
    cmd = [attnlab, "tune", "--replay", rec["db"]]
    if rec["space"] != "tuning":
        cmd += ["--space", rec["space"]]
    cmd += ["--seed-from", rec["seed_from"], "--replay-seeds", str(seeds), "--budget", str(budget),
            "--replay-json", json_out]
    p = subprocess.run(cmd, check=True, capture_output=True, text=True)
    with open(json_out) as f:
        j = json.load(f)
    return j, " ".join(cmd), p.stdout


def fmt_num(v):
    return f"{v:.1f}" if isinstance(v, float) and not float(v).is_integer() else f"{int(v)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="evidence/h100/replay_vs_kt", help="output folder")
    ap.add_argument("--attnlab", default="build/attnlab")
    ap.add_argument("--kt-path", default="/tmp/kt", help="folder Kernel Tuner was pip-installed into (--target)")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--budget", type=int, default=64)
    ap.add_argument("--within", type=float, default=0.02)
    ap.add_argument("--strategies", default="bayes_opt,random_sample,genetic_algorithm,hybrid_vndx")
    args = ap.parse_args()

    if args.kt_path:
        sys.path.insert(0, args.kt_path)
    import numpy as np
    import kernel_tuner as kt
    from importlib.metadata import version as pkg_version

    kt_version = pkg_version("kernel_tuner")
    if kt_version != KT_VERSION_PINNED:
        print(f"warning: Kernel Tuner {kt_version}, the pinned version is {KT_VERSION_PINNED}", file=sys.stderr)
    from kernel_tuner.interface import strategy_map

    # bayes_opt draws its initial Latin hypercube with scipy's LatinHypercube(d=...) and no seed, i.e. from OS
    # entropy: give it a seed drawn from the (seeded) numpy global RNG so that a run is repeatable. The
    # installed Kernel Tuner is not edited; only the name its module looks up is replaced.
    try:
        import kernel_tuner.strategies.bayes_opt as kt_bo
        from scipy.stats.qmc import LatinHypercube as _LHS

        def seeded_lhs(d, **kw):
            kw.setdefault("rng", int(np.random.randint(2**31 - 1)))
            return _LHS(d=d, **kw)

        kt_bo.LatinHypercube = seeded_lhs
    except ImportError:
        pass

    deps = {}
    for pkg in ("kernel_tuner", "numpy", "scipy", "scikit-learn", "python-constraint2"):
        try:
            deps[pkg] = pkg_version(pkg)
        except Exception:  # noqa: BLE001 - a missing optional dependency is recorded as absent
            deps[pkg] = None
    strategies = [s for s in args.strategies.split(",") if s]
    missing = [s for s in strategies if s not in strategy_map]
    strategies = [s for s in strategies if s in strategy_map]
    if missing:
        print(f"Kernel Tuner {kt_version} has no strategy {', '.join(missing)}: skipped", file=sys.stderr)

    os.makedirs(args.out, exist_ok=True)
    rows = []
    recordings_out = []
    for rec in RECORDINGS:
        configs, tune_params, configs_cmd = list_space(args.attnlab, rec["family"], rec["space"])
        records = read_records(rec["db"])
        doc, fitness, counts = build_cache(rec, configs, tune_params, records)
        best = max(fitness.values())
        if best <= 0:
            raise RuntimeError(f"{rec['db']}: no recorded evaluation in the space succeeded")
        target = (1.0 - args.within) * best
        n_within = sum(1 for f in fitness.values() if f >= target)
        cache_path = os.path.join(args.out, f"kt_cache_{rec['label']}.json")
        with open(cache_path, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        print(f"{rec['label']}: {counts['valid']} valid configs of {len(configs)} "
              f"({counts['recorded_ok']} recorded ok, {counts['recorded_failed']} recorded failed, "
              f"{counts['unrecorded']} unrecorded), best {best:.1f} TFLOP/s, {n_within} within "
              f"{args.within:.0%}; wrote {cache_path}", flush=True)

        # attnlab's side
        aj_path = os.path.join(args.out, f"attnlab_replay_{rec['label']}.json")
        aj, acmd, astdout = run_attnlab(args.attnlab, rec, args.seeds, args.budget, aj_path)
        if abs(aj["best_recorded_tflops"] - best) > 1e-6 * best:
            raise RuntimeError(f"{rec['label']}: attnlab's best {aj['best_recorded_tflops']} != {best}")
        for s in aj["strategies"]:
            v = [int(x) for x in s["evals_to_target"]]
            rows.append({"tool": "attnlab", "strategy": s["strategy"], "recording": rec["label"],
                         **summarize(v, args.budget)})

        # Kernel Tuner's side
        kt_unique = {}
        for strat in strategies:
            v, n_unique = run_kt(kt, np, cache_path, doc, fitness, strat, args.seeds, args.budget, target)
            kt_unique[strat] = n_unique
            rows.append({"tool": f"kernel_tuner {kt_version}", "strategy": strat, "recording": rec["label"],
                         **summarize(v, args.budget)})
            print(f"  kernel_tuner {strat}: median {statistics.median(v)}", flush=True)
        recordings_out.append({
            **rec, "shape": SHAPE, "dtype": DTYPE, "configs_command": configs_cmd, "attnlab_command": acmd,
            "space_size": len(configs), "counts": counts, "best_recorded_tflops": best, "target_tflops": target,
            "configs_within_target": n_within, "kt_cache": os.path.basename(cache_path),
            "attnlab_replay_json": os.path.basename(aj_path), "kt_unique_evaluations_per_seed": kt_unique,
        })

    budget = args.budget
    lines = [
        f"# Replay: attnlab vs Kernel Tuner {kt_version} (simulation mode) on recorded landscapes",
        "",
        f"Evaluations until a config within {args.within:.0%} of the best recorded (1-based; {budget + 1} = never), "
        f"budget {budget}, {args.seeds} RNG seeds per strategy. attnlab `seeded` starts from the microbenchmark's "
        "ranking; every other strategy searches cold.",
        "",
        "| recording | tool | strategy | median | mean | success | worst |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        worst = "never" if r["worst"] > budget else str(r["worst"])
        lines.append(f"| {r['recording']} | {r['tool']} | {r['strategy']} | {fmt_num(r['median'])} | "
                     f"{r['mean']:.1f} | {r['success_rate']:.0%} | {worst} |")
    lines += ["", "Recordings:", ""]
    for ro in recordings_out:
        c = ro["counts"]
        lines.append(f"- {ro['label']}: `{ro['db']}` ({ro['family']} family, space `{ro['space']}`, {ro['shape']} "
                     f"{ro['dtype']}): {c['valid']} attnlab-valid configs of {ro['space_size']} "
                     f"({c['recorded_ok']} recorded ok, {c['recorded_failed']} recorded failed, {c['unrecorded']} "
                     f"unrecorded); best {ro['best_recorded_tflops']:.1f} TFLOP/s, target "
                     f"{ro['target_tflops']:.1f}, {ro['configs_within_target']} configs reach it. KT cache "
                     f"`{ro['kt_cache']}`.")
    lines += [
        "",
        "Treatment of configs: Kernel Tuner's search space is restricted (one restriction function) to exactly "
        "the configs `attnlab configs --all` lists as valid, so neither tool can spend an evaluation on an "
        "attnlab-invalid config. A valid config that failed in the recording, or that is not recorded, is in "
        "the KT cache with `RuntimeFailedConfig` (`CompilationFailedConfig` when it did not compile): it costs "
        "one evaluation and has fitness 0 in both tools (attnlab's replay gives an unrecorded config the error "
        "\"not in the recorded results\"). Kernel Tuner revisits of a config are not counted (its budget counts "
        "unique evaluations, as attnlab's history does).",
        "",
        f"Kernel Tuner {kt_version} (pip --target; numpy {deps['numpy']}, scipy {deps['scipy']}, scikit-learn "
        f"{deps['scikit-learn']}, python-constraint2 {deps['python-constraint2']}), seeded per run with "
        "`random.seed(s)` and `numpy.random.seed(s)`, s = 1..N; strategy options: only `max_fevals`.",
    ]
    table_md = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write(table_md)
    with open(os.path.join(args.out, "table.json"), "w") as f:
        json.dump({
            "schema": "attnlab.replay_vs_kt/1",
            "metric": "evaluations until fitness >= (1 - within) x best recorded; budget + 1 when never "
                      "(src/search/replay.cpp)",
            "within": args.within, "budget": budget, "rng_seeds": args.seeds,
            "kernel_tuner_version": kt_version, "kernel_tuner_pinned": KT_VERSION_PINNED, "python_packages": deps,
            "kt_strategies_missing": missing, "recordings": recordings_out, "rows": rows,
        }, f, indent=1)
        f.write("\n")
    print()
    print(table_md, end="")


if __name__ == "__main__":
    main()
