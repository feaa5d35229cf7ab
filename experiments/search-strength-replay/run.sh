#!/usr/bin/env bash
source "$(dirname "$0")/../lib.sh"
# Search strength by replay (issue 19, item 2): attnlab's strategies vs Kernel Tuner's in simulation mode on the same recorded H100 sweeps. CPU only.
# Kernel Tuner, pinned, in a --target folder (never site-packages); installed only when missing.
KT_PATH=${KT_PATH:-/tmp/kt}
if ! PYTHONPATH=$KT_PATH python3 -c "import kernel_tuner, sklearn" 2>/dev/null; then
  python3 -m pip install --quiet --target "$KT_PATH" kernel_tuner==1.5.0 scikit-learn==1.9.1 numpy==2.4.6 scipy==1.17.1 \
    > "$OUT/pip_install.log" 2>&1 || { echo "pip install failed: $OUT/pip_install.log"; exit 1; }
fi
{ date -u +%FT%TZ; git rev-parse HEAD 2>/dev/null; git status --short src 2>/dev/null; } > "$OUT/commit.txt"
T 600 python3 experiments/search-strength-replay/kt_compare.py --out "$OUT" --attnlab "$B" --kt-path "$KT_PATH" \
  --seeds "${SEEDS:-20}" --budget "${BUDGET:-64}" 2>&1 | tee "$OUT/kt_compare.log"
