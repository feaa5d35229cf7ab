#!/usr/bin/env bash
exec bash "$(dirname "$0")/../experiments/adversarial-suite/run.sh" "$@"  # moved; tests/ and docs name this path
