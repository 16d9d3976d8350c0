#!/usr/bin/env bash
#===- scripts/test.sh - Install, build and run the whole test suite -------===#
#
# README command 2 (and what .ci/run calls). Builds everything, then runs the
# lit suite, which contains the FileCheck tests, the GoogleTest unit tests,
# the CPU numerics against the float64 golden, the end-to-end model runs and
# (when Debian's python3-torch is importable) the PyTorch comparison.
# Ends with lit's summary and one line "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}

"$root/scripts/build.sh" || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
/usr/lib/llvm-22/bin/lit -sv --time-tests "$build/test" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# lit -s ends with lines like "  Passed: 12 (85.71%)"; sum them over all suites.
count() { sed -nE "s/^ *$1 *: *([0-9]+).*/\1/p" "$log" | awk '{s+=$1} END {print s+0}'; }
passed=$(( $(count Passed) + $(count "Expectedly Failed") ))
failed=$(( $(count Failed) + $(count Unresolved) + $(count "Unexpectedly Passed") + $(count "Timed Out") ))
skipped=$(count Unsupported)
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
if (( rc != 0 || failed != 0 )); then exit 1; fi
