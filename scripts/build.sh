#!/usr/bin/env bash
#===- scripts/build.sh - Configure and build attnc ------------------------===#
#
# Installs missing packages (scripts/setup.sh), configures a Release build in
# $ATTNC_BUILD_DIR (default: build/) with Ninja and ccache, and builds it.
# Idempotent: a second run only rebuilds what changed.
#
#   ATTNC_BUILD_DIR=build-asan ATTNC_CMAKE_ARGS="-DATTNC_SANITIZE=address,undefined" scripts/build.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"

jobs=${ATTNC_JOBS:-$(nproc)}
# Compiling MLIR-heavy files takes up to ~2.5 GB each; keep -j within memory.
mem_gb=$(awk '/MemAvailable/ {print int($2/1048576)}' /proc/meminfo)
if (( mem_gb > 0 && jobs > mem_gb / 3 )); then jobs=$(( mem_gb / 3 > 0 ? mem_gb / 3 : 1 )); fi

export CCACHE_BASEDIR="$root"
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=${ATTNC_BUILD_TYPE:-Release} \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    ${ATTNC_CMAKE_ARGS:-}
fi
ninja -C "$build" -j "$jobs" ${ATTNC_TARGETS:-all}
