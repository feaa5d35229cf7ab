#!/usr/bin/env bash
exec bash "$(dirname "$0")/../experiments/ncu-profile-targets/run.sh" "$@"  # moved; tests/profile/test_profile_ncu.cpp names this path
