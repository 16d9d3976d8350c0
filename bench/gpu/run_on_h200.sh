#!/usr/bin/env bash
#===- bench/gpu/run_on_h200.sh - The whole GPU cycle on the GPU machine ---===#
#
# The GPU machine (H200: CUDA 13, g++, CMake, Ninja, PyTorch; no LLVM, no
# network) cannot run attnc, so the artifacts are compiled beforehand on the
# build machine:   bench/gpu/make_artifacts.sh ARTIFACTS
# and copied over with the source tree. Then, from the repository root:
#
#   bench/gpu/run_on_h200.sh ARTIFACTS [REPORT.md]
#
# 1. builds the LLVM-free runtime and attnc-run (cmake -S runtime -B build-rt);
# 2. runs the runtime's unit tests (when GoogleTest is installed) with the
#    real driver, so the GPU tests among them run instead of skipping;
# 3. probes the GPU (attnc-run probe-gpu / info);
# 4. runs every GPU numerics check of test/cuda/gpu-numerics-*.mlir
#    (attnc-run attention ... --check, via bench/gpu/run_manifest.py): the
#    launcher prefers the Hopper wgmma_sm90 image; then again with
#    ATTNC_GPU_KERNEL=mma_sm80 on every artifact that also has the mma.sync
#    kernel, so both kernels are checked;
# 5. runs the benchmark (bench/gpu/bench.py: attnc vs SDPA vs FlexAttention),
#    then times the mma_sm80 kernel of the same artifacts separately;
# and writes everything to REPORT.md (default gpu-report-<date>.md). Steps
# after a failure still run; the exit status is non-zero if any failed.
# Environment: BUILD_DIR (build-rt), BENCH_ARGS (extra bench.py arguments,
# e.g. "--lengths 1024,4096 --runs 10"), SKIP_BENCH=1.
#===----------------------------------------------------------------------===#
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
artifacts=${1:?usage: bench/gpu/run_on_h200.sh ARTIFACTS [REPORT.md]}
artifacts=$(cd "$artifacts" && pwd)
report=${2:-$root/gpu-report-$(date -u +%Y%m%d-%H%M%S).md}
build=${BUILD_DIR:-$root/build-rt}
status=0
logs=$(mktemp -d)

say() { echo "== $*" >&2; }
section() { printf '\n## %s\n\n' "$1" >> "$report"; }
fence() { { echo '```'; cat; echo '```'; } >> "$report"; }
step_failed() { status=1; echo "**FAILED:** $1" >> "$report"; }

{
  echo "# attnc GPU report"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ), host: $(hostname)"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo 'unknown (no git)')"
  echo "- artifacts: $artifacts"
  sed 's/^/  - /' "$artifacts/PROVENANCE" 2>/dev/null
} > "$report"
section "Machine"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || true
  nvcc --version 2>&1 | tail -1 || true
  g++ --version | head -1; cmake --version | head -1
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" 2>&1 | tail -1
} | fence

say "1/5 build the runtime"
section "1. Build (cmake -S runtime -B $(basename "$build") -G Ninja)"
if cmake -S runtime -B "$build" -G Ninja > "$logs/cmake.log" 2>&1 && ninja -C "$build" > "$logs/ninja.log" 2>&1; then
  echo "built: $(ls "$build"/bin)" >> "$report"
  grep -i "googletest\|warning" "$logs/cmake.log" "$logs/ninja.log" | head -20 | fence
else
  tail -n 40 "$logs/cmake.log" "$logs/ninja.log" | fence
  step_failed "the runtime did not build"
  echo "see $report" >&2
  exit 1
fi
runner=$build/bin/attnc-run

say "2/5 unit tests"
section "2. Runtime unit tests"
tests=$(ls "$build"/test/unit/*Tests 2>/dev/null)
if [[ -z $tests ]]; then
  echo "Not built: GoogleTest is not installed on this machine (the host-side tests ran on the build machine)." >> "$report"
else
  for t in $tests; do
    if "$t" > "$logs/$(basename "$t").log" 2>&1; then r=PASS; else r=FAIL; step_failed "$(basename "$t")"; fi
    { echo "$(basename "$t"): $r"; grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$logs/$(basename "$t").log"; } | fence
  done
fi

say "3/5 probe the GPU"
section "3. Device"
{ "$runner" probe-gpu 2>&1; "$runner" info 2>&1; } | fence
if ! "$runner" probe-gpu > /dev/null 2>&1; then
  step_failed "no usable GPU: numerics and benchmark skipped"
  echo "see $report" >&2
  exit 1
fi

say "4/5 GPU numerics"
section "4. GPU numerics (test/cuda/gpu-numerics-*.mlir, attnc-run attention --check)"
echo "Float64 golden, NUMERICS.md tolerance rule, NaN-poisoned outputs, fresh seeds (printed)." >> "$report"
echo >> "$report"
if ! python3 bench/gpu/run_manifest.py --attnc-run "$runner" --dir "$artifacts" --report "$report" \
    2> "$logs/numerics.log"; then
  step_failed "some numerics checks failed (details below)"
  tail -n 60 "$logs/numerics.log" | fence
fi
section "4b. GPU numerics of the mma_sm80 kernel (ATTNC_GPU_KERNEL=mma_sm80, artifacts that have it)"
if ! python3 bench/gpu/run_manifest.py --attnc-run "$runner" --dir "$artifacts" --report "$report" \
    --kernel mma_sm80 2> "$logs/numerics-mma.log"; then
  step_failed "some mma_sm80 numerics checks failed (details below)"
  tail -n 60 "$logs/numerics-mma.log" | fence
fi

if [[ -z ${SKIP_BENCH:-} ]]; then
  say "5/5 benchmark"
  section "5. Benchmark"
  # shellcheck disable=SC2086
  if ! python3 bench/gpu/bench.py --attnc-run "$runner" --artifacts "$artifacts" --out "$report" \
      --title "GPU benchmark (bench/gpu/bench.py; wgmma_sm90 where the artifact has it)" \
      ${BENCH_ARGS:-} 2> "$logs/bench.log"; then
    step_failed "bench.py"
    tail -n 40 "$logs/bench.log" | fence
  fi
  # The same artifacts with the sm80 (mma.sync) kernel, attnc only.
  # shellcheck disable=SC2086
  if ! ATTNC_GPU_KERNEL=mma_sm80 python3 bench/gpu/bench.py --attnc-run "$runner" --artifacts "$artifacts" \
      --out "$report" --no-torch --title "GPU benchmark, mma_sm80 kernel (ATTNC_GPU_KERNEL=mma_sm80)" \
      ${BENCH_ARGS:-} 2> "$logs/bench-mma.log"; then
    step_failed "bench.py (mma_sm80)"
    tail -n 40 "$logs/bench-mma.log" | fence
  fi
fi

echo "report: $report" >&2
exit $status
