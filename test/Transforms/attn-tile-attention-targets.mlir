// The target configuration (compiler/Transforms/TargetConfig.cpp) as seen
// through attn-tile-attention, and bad options.
// RUN: attn-opt %s --attn-tile-attention="target=cpu-x86-avx512" | FileCheck %s --check-prefix=AVX512
// RUN: attn-opt %s --attn-tile-attention="target=cpu-x86-avx2" | FileCheck %s --check-prefix=AVX2
// RUN: attn-opt %s --attn-tile-attention="target=cuda-sm80" | FileCheck %s --check-prefix=SM80
// RUN: attn-opt %s --attn-tile-attention="target=cuda" | FileCheck %s --check-prefix=SM90
// RUN: attn-opt %s --attn-tile-attention="target=cuda-sm90 k-tile=32" | FileCheck %s --check-prefix=OVERRIDE
// RUN: attn-opt %s --attn-tile-attention | FileCheck %s --check-prefix=HOST
// RUN: not attn-opt %s --attn-tile-attention="target=tpu" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not attn-opt %s --attn-tile-attention="q-tile=-4" 2>&1 | FileCheck %s --check-prefix=NEG

// BAD: unknown target 'tpu' (known: cpu, cpu-x86-avx512, cpu-x86-avx2, cuda, cuda-sm80, cuda-sm90)
// NEG: tile sizes must be positive (0 selects the target's), got q-tile = -4, k-tile = 0
// HOST-COUNT-4: #attn.tiling<q_tile = {{[0-9]+}}, k_tile = {{[0-9]+}}

// AVX512-LABEL: func.func @targets
// AVX2-LABEL: func.func @targets
// SM80-LABEL: func.func @targets
// SM90-LABEL: func.func @targets
// OVERRIDE-LABEL: func.func @targets
func.func @targets(%h64: tensor<1x8x4096x64xbf16>, %h128: tensor<1x8x4096x128xbf16>, %f32: tensor<1x8x4096x64xf32>,
                   %dq: tensor<1x8x1x128xbf16>)
    -> (tensor<1x8x4096x64xbf16>, tensor<1x8x4096x128xbf16>, tensor<1x8x4096x64xf32>, tensor<1x8x1x128xbf16>) {
  // head_dim 64, 16-bit.
  // AVX512: q_tile = 32, k_tile = 64
  // AVX2: q_tile = 32, k_tile = 32
  // SM80: q_tile = 128, k_tile = 128
  // SM90: q_tile = 128, k_tile = 128
  // OVERRIDE: q_tile = 128, k_tile = 32
  %a = attn.flash_attention %h64, %h64, %h64 {scale = 0.125 : f32, mask = #attn.causal<>}
       : tensor<1x8x4096x64xbf16>, tensor<1x8x4096x64xbf16>, tensor<1x8x4096x64xbf16> -> tensor<1x8x4096x64xbf16>
  // head_dim 128: sm80's 164 KiB of shared memory halves the key tile.
  // AVX512: q_tile = 32, k_tile = 64
  // AVX2: q_tile = 32, k_tile = 32
  // SM80: q_tile = 128, k_tile = 64
  // SM90: q_tile = 128, k_tile = 128
  %b = attn.flash_attention %h128, %h128, %h128 {scale = 0.125 : f32}
       : tensor<1x8x4096x128xbf16>, tensor<1x8x4096x128xbf16>, tensor<1x8x4096x128xbf16> -> tensor<1x8x4096x128xbf16>
  // f32 operands take twice the shared memory on CUDA.
  // AVX512: q_tile = 32, k_tile = 64
  // SM80: q_tile = 128, k_tile = 64
  // SM90: q_tile = 128, k_tile = 64
  %c = attn.flash_attention %f32, %f32, %f32 {scale = 0.125 : f32}
       : tensor<1x8x4096x64xf32>, tensor<1x8x4096x64xf32>, tensor<1x8x4096x64xf32> -> tensor<1x8x4096x64xf32>
  // Decoding (one query): the query tile shrinks to one row on CPU, one MMA
  // fragment (16 rows) on CUDA.
  // AVX512: q_tile = 1, k_tile = 64
  // SM90: q_tile = 16, k_tile = 128
  %d = attn.flash_attention %dq, %h128, %h128 {scale = 0.125 : f32, mask = #attn.causal<>, bottom_right}
       : tensor<1x8x1x128xbf16>, tensor<1x8x4096x128xbf16>, tensor<1x8x4096x128xbf16> -> tensor<1x8x1x128xbf16>
  return %a, %b, %c, %d : tensor<1x8x4096x64xbf16>, tensor<1x8x4096x128xbf16>, tensor<1x8x4096x64xf32>, tensor<1x8x1x128xbf16>
}
