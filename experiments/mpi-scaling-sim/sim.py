#!/usr/bin/env python3
"""Deterministic discrete-event simulation of `attnlab campaign --mpi` (docs/mpi.md, issue 23). Python 3, stdlib.

The model is the code's schedule (src/search/rank_pool.cpp, campaign.cpp, tuner.cpp):
  - probes run one after the other (each seeds the next: transfer), each a tune of `budget` evaluations in
    generations of `population` (the tuner waits for a whole generation before it proposes the next);
  - every probe starts a session on every rank in parallel (worker start, references, cuDNN timed on the target);
  - within a generation, the next request goes to the first idle rank (rank 0 evaluates too);
  - rank 0 handles every answer serially (message + SQLite commit of the evaluation): `store_s` each.
Per-evaluation times are synthetic: compile (kernel-cache miss) + gate + timing, drawn log-normally around the
30-33 evaluations/minute `attnlab tune` measures on an H200 at --max-time 0.3 (issue 19), from a fixed seed.
Prints a markdown table: wall time, speed-up and efficiency T(1) / (N T(N)) per rank count, and the shares of the
ranks' time lost to session starts, to the generation tail (ranks idle until a generation's last answer) and to
rank 0's storing (answers queued behind it).
"""
import argparse
import heapq
import math
import random


def eval_times(n, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        compile_s = rng.lognormvariate(math.log(0.8), 0.5)  # NVRTC of a config (cache miss)
        gate_s = rng.lognormvariate(math.log(0.35), 0.3)
        timing_s = 0.3 + rng.lognormvariate(math.log(0.4), 0.3)  # --max-time 0.3 + warm-up, verification
        out.append(compile_s + gate_s + timing_s)
    return out


def simulate(ranks, probes, budget, population, session_s, store_s, times):
    """Wall time, and the seconds rank 0 was busy storing / ranks sat idle at generation barriers."""
    t = 0.0
    k = 0
    idle_barrier = 0.0
    store_busy = 0.0
    for _ in range(probes):
        t += session_s  # every rank starts its session in parallel; the slowest one gates the probe
        left = budget
        while left > 0:
            gen = min(population, left)
            left -= gen
            free = [(t, r) for r in range(ranks)]  # (free at, rank)
            heapq.heapify(free)
            store_free = t
            done = []
            for _ in range(gen):
                at, r = heapq.heappop(free)
                end = at + times[k % len(times)]
                k += 1
                # rank 0 stores each answer in arrival order; a rank is free again once its answer is read
                heapq.heappush(free, (end, r))
                done.append(end)
            for end in sorted(done):
                store_free = max(store_free, end) + store_s
                store_busy += store_s
            gen_end = max(store_free, max(done))
            idle_barrier += sum(gen_end - at for at, _ in free)  # ranks waiting for the generation's last answer
            t = gen_end
    return t, store_busy, idle_barrier


def losses(ranks, t, store_busy, idle, session_total):
    """Shares of the ranks' time lost to each cause, and the largest."""
    shares = {"session start": session_total / t, "generation tail": idle / (ranks * t),
              "rank 0 storing": store_busy / t}
    return shares, max(shares, key=shares.get)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probes", type=int, default=18, help="14 Llama-3-8B probes + 4 refinements")
    ap.add_argument("--session-s", type=float, default=4.0, help="worker start + references + cuDNN per probe")
    ap.add_argument("--store-s", type=float, default=0.005, help="rank 0 per answer: message + SQLite commit")
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--ranks", default="1,2,4,8,16")
    args = ap.parse_args()
    times = eval_times(4096, args.seed)
    print(f"synthetic evaluation time: mean {sum(times) / len(times):.2f} s "
          f"({60 * len(times) / sum(times):.0f} per minute on one rank), session start {args.session_s} s, "
          f"rank 0 {1000 * args.store_s:.0f} ms per answer, {args.probes} probes\n")
    for budget, population in ((12, 8), (96, 32), (384, 128)):
        print(f"### budget {budget}, population {population}\n")
        print("| ranks | wall | speed-up | efficiency | session start | generation tail | rank 0 storing | largest loss |")
        print("|---|---|---|---|---|---|---|---|")
        base = None
        for n in [int(x) for x in args.ranks.split(",")]:
            t, store_busy, idle = simulate(n, args.probes, budget, population, args.session_s, args.store_s, times)
            base = base or t
            shares, worst = losses(n, t, store_busy, idle, args.probes * args.session_s)
            worst = worst if n > 1 else "— (the baseline)"
            print(f"| {n} | {t / 60:.1f} min | {base / t:.2f} | {base / (n * t):.0%} | "
                  + " | ".join(f"{v:.0%}" for v in shares.values()) + f" | {worst} |")
        print()


if __name__ == "__main__":
    main()
