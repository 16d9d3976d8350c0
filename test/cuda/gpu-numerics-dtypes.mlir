// REQUIRES: cuda-device, nvrtc
// GPU numerics, element types and shapes: bf16/f16 (tensor-core kernel) and
// f32 (portable kernel), head dims 64/128 and odd ones (80, 40, 96), GQA,
// odd lengths (Lq = 113, Lk = 239), a single query, large logits, and the
// portable kernel forced on bf16. Each artifact runs on fresh seeded random
// inputs against the float64 golden (attnc-run attention --check: NUMERICS.md
// rule, NaN-poisoned outputs, fully masked rows exactly 0 / lse -inf).
// RUN: rm -rf %t && mkdir -p %t
// RUN: attnc cuda %s --split-input-file --emit=artifact --arch=sm_90a,sm_80 --artifact-dir=%t
// RUN: attnc cuda %s --split-input-file --emit=artifact --arch=sm_90a,sm_80 --kernel=simt --artifact-dir=%t/simt
// RUN: attnc-run attention %t/bf16_d64.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/f16_d128.attnc-gpu --lq 239 --lk 113 --check | FileCheck %s
// RUN: attnc-run attention %t/bf16_d80_odd.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/bf16_d96_gqa.attnc-gpu --lq 200 --lk 200 --check | FileCheck %s
// RUN: attnc-run attention %t/f16_d256.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/f16_dv_differs.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/f32_d64.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/f32_d40_odd_gqa.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/bf16_dynamic_dims.attnc-gpu --b 3 --hq 6 --hk 2 --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/bf16_single_query.attnc-gpu --lq 1 --lk 1000 --check | FileCheck %s
// RUN: attnc-run attention %t/bf16_tiny.attnc-gpu --lq 1 --lk 1 --check | FileCheck %s
// RUN: attnc-run attention %t/f16_large_logits.attnc-gpu --lq 256 --lk 256 --large-logits --check | FileCheck %s
// RUN: attnc-run attention %t/simt/bf16_simt_forced.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/bf16_long.attnc-gpu --lq 1023 --lk 1023 --check | FileCheck %s
// CHECK: check: PASS

func.func @bf16_d64(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @f16_d128(%q: tensor<2x4x?x128xf16>, %k: tensor<2x4x?x128xf16>, %v: tensor<2x4x?x128xf16>) -> tensor<2x4x?x128xf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16> -> tensor<2x4x?x128xf16>
  return %o : tensor<2x4x?x128xf16>
}

// -----

func.func @bf16_d80_odd(%q: tensor<2x4x?x80xbf16>, %k: tensor<2x4x?x80xbf16>, %v: tensor<2x4x?x80xbf16>) -> tensor<2x4x?x80xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.111803399 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x80xbf16>, tensor<2x4x?x80xbf16>, tensor<2x4x?x80xbf16> -> tensor<2x4x?x80xbf16>
  return %o : tensor<2x4x?x80xbf16>
}

// -----

func.func @bf16_d96_gqa(%q: tensor<2x8x?x96xbf16>, %k: tensor<2x2x?x96xbf16>, %v: tensor<2x2x?x96xbf16>) -> (tensor<2x8x?x96xbf16>, tensor<2x8x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.102062073 : f32, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x8x?x96xbf16>, tensor<2x2x?x96xbf16>, tensor<2x2x?x96xbf16> -> tensor<2x8x?x96xbf16>, tensor<2x8x?xf32>
  return %o, %lse : tensor<2x8x?x96xbf16>, tensor<2x8x?xf32>
}

// -----

func.func @f16_d256(%q: tensor<2x2x?x256xf16>, %k: tensor<2x2x?x256xf16>, %v: tensor<2x2x?x256xf16>) -> tensor<2x2x?x256xf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0625 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x2x?x256xf16>, tensor<2x2x?x256xf16>, tensor<2x2x?x256xf16> -> tensor<2x2x?x256xf16>
  return %o : tensor<2x2x?x256xf16>
}

// -----

func.func @f16_dv_differs(%q: tensor<2x4x?x128xf16>, %k: tensor<2x4x?x128xf16>, %v: tensor<2x4x?x64xf16>) -> tensor<2x4x?x64xf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}

// -----

func.func @f32_d64(%q: tensor<2x4x?x64xf32>, %k: tensor<2x4x?x64xf32>, %v: tensor<2x4x?x64xf32>) -> (tensor<2x4x?x64xf32>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32> -> tensor<2x4x?x64xf32>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xf32>, tensor<2x4x?xf32>
}

// -----

func.func @f32_d40_odd_gqa(%q: tensor<2x6x?x40xf32>, %k: tensor<2x3x?x40xf32>, %v: tensor<2x3x?x40xf32>) -> tensor<2x6x?x40xf32> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.158113883 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x6x?x40xf32>, tensor<2x3x?x40xf32>, tensor<2x3x?x40xf32> -> tensor<2x6x?x40xf32>
  return %o : tensor<2x6x?x40xf32>
}

// -----

func.func @bf16_dynamic_dims(%q: tensor<?x?x?x64xbf16>, %k: tensor<?x?x?x64xbf16>, %v: tensor<?x?x?x64xbf16>) -> tensor<?x?x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16> -> tensor<?x?x?x64xbf16>
  return %o : tensor<?x?x?x64xbf16>
}

// -----

func.func @bf16_single_query(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>) -> (tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, mask = #attn.causal<>, bottom_right, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @bf16_tiny(%q: tensor<1x4x?x64xbf16>, %k: tensor<1x4x?x64xbf16>, %v: tensor<1x4x?x64xbf16>) -> tensor<1x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16> -> tensor<1x4x?x64xbf16>
  return %o : tensor<1x4x?x64xbf16>
}

// -----

func.func @f16_large_logits(%q: tensor<2x4x?x128xf16>, %k: tensor<2x4x?x128xf16>, %v: tensor<2x4x?x128xf16>) -> (tensor<2x4x?x128xf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16> -> tensor<2x4x?x128xf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x128xf16>, tensor<2x4x?xf32>
}

// -----

func.func @bf16_simt_forced(%q: tensor<2x4x?x72xbf16>, %k: tensor<2x4x?x72xbf16>, %v: tensor<2x4x?x72xbf16>) -> (tensor<2x4x?x72xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.11785113 : f32, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x72xbf16>, tensor<2x4x?x72xbf16>, tensor<2x4x?x72xbf16> -> tensor<2x4x?x72xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x72xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @bf16_long(%q: tensor<1x2x?x128xbf16>, %k: tensor<1x2x?x128xbf16>, %v: tensor<1x2x?x128xbf16>) -> tensor<1x2x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, mask = #attn.causal<>, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16> -> tensor<1x2x?x128xbf16>
  return %o : tensor<1x2x?x128xbf16>
}
