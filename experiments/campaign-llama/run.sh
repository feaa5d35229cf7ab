#!/usr/bin/env bash
# Issue 19 on the GPU: the Llama-3-8B-like workload (examples/workloads/llama3-8b.json: 7 prefill lengths
# 512..32k x both masks, GQA 32:8, d=128 bf16) as one campaign: per probe a seeded tune with transfer from its
# neighbours, refinement probes where the best config changes, the dispatch table, then `bench --dispatch` on
# two shapes between the probes (lookup and fallback on the GPU). Resumable: run again with the same W to go on.
source "$(dirname "$0")/../lib.sh"
W=${W:-/tmp/campaign-work}; mkdir -p "$W"
record_gpu
step campaign ${CAMPAIGN_S:-480} $B campaign --workload ${WORKLOAD:-examples/workloads/llama3-8b.json} --out "$W/llama" \
  --budget ${BUDGET:-10} --population 8 --max-time 0.3 ${CAMPAIGN_FLAGS:---no-micro}
tail -30 "$OUT/campaign.log"
for f in dispatch.json campaign.json campaign.txt; do cp "$W/llama/$f" "$OUT/" 2>/dev/null; done
tar czf "$OUT/probes.tgz" -C "$W/llama" probes 2>/dev/null
step bench_dispatch 60 $B bench --dispatch "$W/llama/dispatch.json" --shape 3,32,6000,6000,128 --heads-k 8 --causal \
  --max-time 0.5 --json "$OUT/bench_dispatch.json"
step bench_fallback 60 $B bench --dispatch "$W/llama/dispatch.json" --shape 3,16,6000,6000,64 --max-time 0.5
grep -h "dispatch" "$OUT/bench_dispatch.log" "$OUT/bench_fallback.log" | head -4
