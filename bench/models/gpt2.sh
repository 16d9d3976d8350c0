#!/usr/bin/env bash
#===- bench/models/gpt2.sh - GPT-2 small on the CPU: attnc vs PyTorch -----===#
#
# GPT-2-small-shaped model (examples/gpt2-small.attn, random weights), f32,
# prompt of PROMPT tokens, NEW generated tokens, both sides on THREADS
# threads, one run each. Prints prefill time, decode tokens/s and peak RSS
# (/usr/bin/time -v) for attnc and PyTorch eager, and checks that both
# generated the same greedy tokens. Results go in docs/performance.md.
#
#   bench/models/gpt2.sh [BUILD_DIR] [PROMPT=512] [NEW=128] [THREADS=2]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
prompt=${2:-512}
new=${3:-128}
threads=${4:-2}
work=$build/bench-models
mkdir -p "$work"
attnc=$build/bin/attnc
spec=$root/examples/gpt2-small.attn

echo "load: $(uptime)"
[[ -f $work/gpt2.safetensors ]] || "$attnc" weights "$spec" --seed 0 -o "$work/gpt2.safetensors"
/usr/bin/python3 -c "
import numpy as np
np.save('$work/prompt.npy', (np.arange($prompt, dtype=np.int32) * 7919 % 50257).reshape(1, -1))"

export ATTNC_CACHE_DIR=$work/kernel-cache OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads
# Warm the kernel cache so the attnc run measures execution, not compilation.
"$attnc" run "$spec" --weights "$work/gpt2.safetensors" --tokens 1,2,3 --quiet > /dev/null

/usr/bin/time -v "$attnc" run "$spec" --weights "$work/gpt2.safetensors" --tokens-npy "$work/prompt.npy" \
  --generate "$new" --num-threads "$threads" --quiet --timings > "$work/attnc.tokens" 2> "$work/attnc.log"
# The same plan ahead of time, in a process without LLVM (attnc-model):
# what a deployment would run, and what the memory target is about.
"$attnc" run "$spec" --save-plan "$work/gpt2.plan"
/usr/bin/time -v "$build/bin/attnc-model" "$work/gpt2.plan" --weights "$work/gpt2.safetensors" \
  --tokens-npy "$work/prompt.npy" --generate "$new" --num-threads "$threads" --quiet --timings \
  > "$work/aot.tokens" 2> "$work/aot.log"
/usr/bin/time -v /usr/bin/python3 "$root/bench/models/torch_gpt2.py" "$work/gpt2.safetensors" \
  "$work/prompt.npy" "$new" "$threads" > "$work/torch.out" 2> "$work/torch.log"
# PyTorch's OpenMP threads degrade badly when other processes share the
# cores, so its one-thread time is measured too and the better one counts.
/usr/bin/python3 "$root/bench/models/torch_gpt2.py" "$work/gpt2.safetensors" \
  "$work/prompt.npy" "$new" 1 > "$work/torch1.out"
# OpenBLAS 0.3.21 does not know Zen 4/5 and picks its AVX2 (Haswell)
# kernels; its AVX-512 (SkylakeX) kernels are what this CPU can run.
if grep -q avx512f /proc/cpuinfo; then
  OPENBLAS_CORETYPE=SkylakeX "$build/bin/attnc-model" "$work/gpt2.plan" --weights "$work/gpt2.safetensors" \
    --tokens-npy "$work/prompt.npy" --generate "$new" --num-threads "$threads" --quiet --timings \
    > /dev/null 2> "$work/aot-avx512.log"
fi

echo "attnc run (JIT attention):"
grep -E "^(compile|prefill)" "$work/attnc.log"
echo "  peak RSS: $(awk '/Maximum resident/ {print $6}' "$work/attnc.log") KiB"
echo "attnc-model (saved plan, no LLVM in the process):"
grep -E "^prefill" "$work/aot.log"
echo "  peak RSS: $(awk '/Maximum resident/ {print $6}' "$work/aot.log") KiB"
if [[ -f $work/aot-avx512.log ]]; then
  echo "attnc-model with OPENBLAS_CORETYPE=SkylakeX:"
  grep -E "^prefill" "$work/aot-avx512.log"
fi
echo "torch eager:"
echo "  $threads threads: $(cut -c1-64 "$work/torch.out")"
echo "  1 thread:  $(cut -c1-64 "$work/torch1.out")"
echo "torch peak RSS: $(awk '/Maximum resident/ {print $6}' "$work/torch.log") KiB"
if [[ "$(cat "$work/attnc.tokens")" == "$(sed 's/.*tokens //' "$work/torch.out")" &&
      "$(cat "$work/aot.tokens")" == "$(cat "$work/attnc.tokens")" ]]; then
  echo "greedy tokens: identical"
else
  echo "greedy tokens: DIFFER"
fi
