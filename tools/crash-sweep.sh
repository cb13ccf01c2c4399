#!/usr/bin/env bash
# crash-sweep.sh — the full crash-consistency sweep (docs/reliability.md): every fault point
# instead of every third. Runs the "[crash]" tests of build/ with GANTRY_CRASH_SWEEP=full and
# prints the figures they report (points tried, failures). Needs strace; takes minutes.
#
#   usage: tools/crash-sweep.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
command -v strace >/dev/null || { echo "crash-sweep.sh: strace is not installed" >&2; exit 1; }
GANTRY_CRASH_SWEEP=full OMP_NUM_THREADS=1 "$build/bin/gantry_tests" "[crash]" -s 2>&1 \
  | grep -E 'kill -9 at|ENOSPC at|EIO at|test cases|assertions|FAILED' || true
