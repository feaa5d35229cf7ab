#!/usr/bin/env bash
# Issue 23 on one GPU: the same small campaign without MPI and under `mpirun -np 2 ... --mpi` (two ranks sharing
# the GPU, to exercise the real path: worker processes per rank, sessions per probe, cuDNN per rank), then the two
# dispatch tables compared and the wall times stated. The GPU machine has no mpirun: Debian 12's OpenMPI travels as
# .debs in .mpi/ (README.md) and is unpacked into /tmp/ompi here.
source "$(dirname "$0")/../lib.sh"
W=${W:-/tmp/campaign-mpi-work}; rm -rf "$W"; mkdir -p "$W"
if ! command -v mpirun >/dev/null; then
  for f in .mpi/*.deb; do dpkg -x "$f" /tmp/ompi; done
  export OPAL_PREFIX=/tmp/ompi/usr PATH=/tmp/ompi/usr/bin:$PATH
  export LD_LIBRARY_PATH=/tmp/ompi/usr/lib/x86_64-linux-gnu:/tmp/ompi/usr/lib/x86_64-linux-gnu/openmpi/lib:${LD_LIBRARY_PATH:-}
  ln -sf orterun /tmp/ompi/usr/bin/mpirun
fi
record_gpu
{ mpirun --version | head -1; ldd "$(dirname "$B")/libattnlab_mpi.so" | grep -E "mpi|not found"; } > "$OUT/mpi.txt" 2>&1; cat "$OUT/mpi.txt"
WL=${WL:-examples/workloads/llama3-8b.json}
ARGS="--workload $WL --budget ${BUDGET:-8} --population 8 --max-time 0.3 --no-micro --no-refine"
step single ${SINGLE_S:-240} $B campaign $ARGS --out "$W/single"
step mpi2 ${MPI_S:-240} mpirun --allow-run-as-root --oversubscribe -np 2 -x PATH -x LD_LIBRARY_PATH -x OPAL_PREFIX \
  -x ATTNLAB_CACHE_DIR $B campaign $ARGS --out "$W/mpi2" --mpi
for m in single mpi2; do
  cp "$W/$m/dispatch.json" "$OUT/dispatch_$m.json" 2>/dev/null; cp "$W/$m/campaign.txt" "$OUT/campaign_$m.txt" 2>/dev/null
  grep -E "^[0-9]+ probes" "$W/$m/campaign.txt" | sed "s/^/$m: /"
done | tee "$OUT/walls.txt"
grep "^mpi: rank" "$OUT/mpi2.log" | tee -a "$OUT/walls.txt"
python3 - "$OUT/dispatch_single.json" "$OUT/dispatch_mpi2.json" <<'PY' | tee "$OUT/compare.txt"
import json, sys
a, b = (json.load(open(p))["entries"] for p in sys.argv[1:3])
key = lambda e: (e["dtype"], e["head_dim"], e["causal"], e["seqlen_q"]["min"], e["seqlen_q"]["max"], e["config"])
print("identical dispatch tables" if [key(e) for e in a] == [key(e) for e in b] else "dispatch tables differ:")
for x, y in zip(a, b):
    if key(x) != key(y): print(" ", key(x), "vs", key(y), f"{x['tflops']:.1f} vs {y['tflops']:.1f} TFLOP/s")
PY
