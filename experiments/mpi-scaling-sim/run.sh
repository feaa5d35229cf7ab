#!/usr/bin/env bash
# Issue 23: the simulated scaling table of `attnlab campaign --mpi` (no GPU, no MPI: a deterministic
# discrete-event simulation of the rank pool's schedule, sim.py). Writes $OUT/scaling.md (docs/mpi.md holds it).
source "$(dirname "$0")/../lib.sh"
python3 experiments/mpi-scaling-sim/sim.py "$@" > "$OUT/scaling.md"
cat "$OUT/scaling.md"
