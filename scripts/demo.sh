#!/usr/bin/env bash
#===- scripts/demo.sh - The README's demo: a tiny GPT on the CPU ----------===#
#
# Builds attnc (scripts/build.sh, which installs what is missing), writes
# random weights for examples/tiny-gpt.attn under the build directory, and
# generates 16 tokens from a prompt with the KV cache. The weights are
# random, so the text is gibberish: the demo shows the pipeline (spec ->
# MLIR -> fused, JIT-compiled attention -> plan -> CPU run), not a model.
#
#   scripts/demo.sh [PROMPT]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ATTNC_BUILD_DIR:-$root/build}
prompt=${1:-Hello, attention}

ATTNC_TARGETS=attnc "$root/scripts/build.sh"
attnc="$build/bin/attnc"
weights="$build/demo/tiny-gpt.safetensors"
mkdir -p "$(dirname "$weights")"

echo "== attnc weights: random weights for examples/tiny-gpt.attn"
"$attnc" weights "$root/examples/tiny-gpt.attn" --init random --seed 0 -o "$weights"
echo
echo "== attnc run: one forward pass over the prompt"
"$attnc" run "$root/examples/tiny-gpt.attn" --weights "$weights" --prompt "$prompt"
echo
echo "== attnc run --generate 16: greedy decoding with a KV cache"
"$attnc" run "$root/examples/tiny-gpt.attn" --weights "$weights" --prompt "$prompt" \
  --generate 16 --timings
