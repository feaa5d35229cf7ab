#!/usr/bin/env bash
# The README's main command: install what is missing, build, then `attnlab evidence` (arguments are passed
# through: --quick, --resume, --out DIR).
# With a GPU: devices + ceilings -> check -> micro -> tune (exhaustive, seeded, replay) -> compare (+ the
# tuned config) -> profile (when attnlab has it) -> report, into evidence/<gpu>/ with manifest.json and
# report.html. Without a GPU: every config compiled for sm_80/sm_89/sm_90a with its ptxas resources, and
# the report rendered from the committed evidence/h100, into out/evidence-cpu/; it says what it skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh && ./scripts/build.sh || exit 1
exec ./build/attnlab evidence "$@"
