#!/usr/bin/env bash
#===- bench/gpu/make_artifacts.sh - Compile GPU artifacts for the H200 ----===#
#
# Runs on the build machine (attnc needs LLVM; the GPU machine has none).
# Compiles, into OUT:
#   numerics/<test>/NAME.attnc-gpu  every function of test/cuda/gpu-numerics-*.mlir
#                                   (plus numerics/<test>/simt/ for --kernel=simt runs;
#                                   tests compiled with --kernel=wgmma get only the
#                                   sm_90a Hopper image, as in lit)
#                                   and every kernel of test/cuda/gpu-numerics-*.attn
#   manifest-numerics.txt           "<artifact> <attnc-run args>" per RUN line of those
#                                   tests, for bench/gpu/run_manifest.py
#   bench/NAME.attnc-gpu            every function of bench/gpu/kernels.mlir
#   compile-times.txt               NVRTC cold compile and cache-hit times per kernel
#   PROVENANCE                      attnc version, commit, date
# then copy OUT with the source tree to the GPU machine and run
# bench/gpu/run_on_h200.sh OUT there.
#
#   bench/gpu/make_artifacts.sh [--attnc PATH] [--arch sm_90a[,sm_80]] [--only numerics|bench]
#                               [--use-cache] OUT
# --use-cache keeps $ATTNC_CACHE_DIR (fast repeats, e.g. in lit) instead of
# measuring cold compiles with a private empty cache.
#===----------------------------------------------------------------------===#
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
attnc=${ATTNC:-$root/build/bin/attnc}
arch=sm_90a
only=
use_cache=
out=
while (($#)); do
  case $1 in
    --attnc) attnc=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --use-cache) use_cache=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) echo "make_artifacts.sh: unknown option $1" >&2; exit 2 ;;
    *) out=$1; shift ;;
  esac
done
[[ -n $out ]] || { echo "make_artifacts.sh: no output directory given" >&2; exit 2; }
[[ -x $attnc ]] || { echo "make_artifacts.sh: attnc not found at $attnc (build it, or pass --attnc)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

# A private, initially empty kernel cache: the first compile of each kernel
# is a cold NVRTC compile, the second a cache hit.
if [[ -z $use_cache ]]; then
  export ATTNC_CACHE_DIR=$out/.kernel-cache
  rm -rf "$ATTNC_CACHE_DIR"
fi
times=$out/compile-times.txt
: > "$times"

compile() { # FILE DIR [extra attnc flags...]; $COMPILE_ARCH overrides --arch
  local file=$1 dir=$2 arch=${COMPILE_ARCH:-$arch}; shift 2
  mkdir -p "$dir"
  if [[ $file == *.attn ]]; then # a kernel spec: the whole pipeline
    "$attnc" "$file" --target=cuda --emit=artifact --arch="$arch" --artifact-dir="$dir" \
      --report-compile-time "$@" -o /dev/null 2>> "$times.log"
  else # tiled MLIR
    "$attnc" cuda "$file" --split-input-file --emit=artifact --arch="$arch" --artifact-dir="$dir" \
      --report-compile-time "$@" -o /dev/null 2>> "$times.log"
  fi
}

if [[ $only != bench ]]; then
  manifest=$out/manifest-numerics.txt
  : > "$manifest"
  for test in "$root"/test/cuda/gpu-numerics-*.mlir "$root"/test/cuda/gpu-numerics-*.attn; do
    name=$(basename "${test%.*}")
    if grep -q -- '^// RUN: attnc cuda .*--kernel=wgmma' "$test"; then
      COMPILE_ARCH=sm_90a compile "$test" "$out/numerics/$name" --kernel=wgmma
    else
      compile "$test" "$out/numerics/$name"
    fi
    if grep -q -- '--kernel=simt' "$test"; then
      compile "$test" "$out/numerics/$name/simt" --kernel=simt
    fi
    # "// RUN: attnc-run attention %t/X.attnc-gpu ARGS --check | FileCheck %s"
    sed -n 's#^// RUN: attnc-run attention %t/\([^ ]*\) \(.*\) | FileCheck.*$#\1 \2#p' "$test" |
      sed "s#^#numerics/$name/#" >> "$manifest"
  done
  echo "make_artifacts.sh: $(wc -l < "$manifest") numerics runs in $manifest"
fi

if [[ $only != numerics ]]; then
  compile "$root/bench/gpu/kernels.mlir" "$out/bench"
  # The same kernels again: every compile is now a cache hit.
  compile "$root/bench/gpu/kernels.mlir" "$out/bench"
  echo "make_artifacts.sh: $(ls "$out"/bench/*.attnc-gpu | wc -l) benchmark artifacts in $out/bench"
fi

# "attnc: NAME (KIND, ARCH): NVRTC compile 0.339 s" / "...: cache hit 0.001 s"
grep -h '^attnc: ' "$times.log" > "$times" || true
rm -f "$times.log"
[[ -n $use_cache ]] || rm -rf "$ATTNC_CACHE_DIR"
{
  echo "attnc: $("$attnc" --version 2>&1 | grep -m1 attnc || true)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "arch: $arch"
} > "$out/PROVENANCE"
echo "make_artifacts.sh: wrote $out ($(du -sh "$out" | cut -f1))"
