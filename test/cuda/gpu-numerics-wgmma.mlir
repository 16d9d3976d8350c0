// REQUIRES: cuda-device, cuda-sm90, nvrtc
// GPU numerics of the Hopper kernel (wgmma_sm90, forced with --kernel=wgmma
// so that no other image can stand in for it): bf16/f16, head dims 64 and
// 128 (and 64/128 mixed), one and two consumer warpgroups, key tiles of 64
// and 128, dense / band / run-time schedules, causal (also bottom_right with
// more queries than keys: fully masked rows), window, document (with and
// without kv_segments), padding with a zero length (fully masked rows),
// ALiBi (constant and run-time slopes), softcap with large logits, GQA,
// dynamic batch/heads, odd lengths (Lq = 113, Lk = 239), a single query and
// 1x1. Each run checks that the wgmma image was the one launched, then the
// float64 golden (attnc-run attention --check: NUMERICS.md rule,
// NaN-poisoned outputs, fully masked rows exactly 0 / lse -inf).
// RUN: rm -rf %t && mkdir -p %t
// RUN: attnc cuda %s --split-input-file --emit=artifact --arch=sm_90a --kernel=wgmma --artifact-dir=%t
// RUN: attnc-run attention %t/dense_bf16_d64.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/dense_bf16_d64.attnc-gpu --lq 1 --lk 1000 --check | FileCheck %s
// RUN: attnc-run attention %t/dense_bf16_d64.attnc-gpu --lq 17 --lk 2 --check | FileCheck %s
// RUN: attnc-run attention %t/dense_f16_d128.attnc-gpu --lq 239 --lk 113 --check | FileCheck %s
// RUN: attnc-run attention %t/dense_f16_d128.attnc-gpu --lq 1 --lk 1 --check | FileCheck %s
// RUN: attnc-run attention %t/causal_bf16_d128.attnc-gpu --lq 1023 --lk 1023 --check | FileCheck %s
// RUN: attnc-run attention %t/causal_bf16_d128.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/causal_bottom_right_empty_rows_f16_d64.attnc-gpu --lq 239 --lk 113 --check | FileCheck %s
// RUN: attnc-run attention %t/window_bf16_d64.attnc-gpu --lq 239 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/sliding_window_causal_f16_d128.attnc-gpu --lq 500 --lk 500 --check | FileCheck %s
// RUN: attnc-run attention %t/document_bf16_d128.attnc-gpu --lq 239 --lk 239 --docs 5 --check | FileCheck %s
// RUN: attnc-run attention %t/document_causal_kv_segments_f16_d64.attnc-gpu --lq 113 --lk 239 --docs 3 --check | FileCheck %s
// RUN: attnc-run attention %t/padding_bf16_d64.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/alibi_causal_bf16_d128.attnc-gpu --lq 239 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/alibi_f16_d64.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/softcap_causal_bf16_d64.attnc-gpu --lq 239 --lk 239 --large-logits --check | FileCheck %s
// RUN: attnc-run attention %t/softcap_f16_d128.attnc-gpu --lq 256 --lk 256 --large-logits --check | FileCheck %s
// RUN: attnc-run attention %t/gqa_bf16_d64_dv128.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/dynamic_dims_bf16_d128.attnc-gpu --b 3 --hq 6 --hk 2 --lq 113 --lk 239 --check | FileCheck %s
// CHECK: image sm_90a wgmma_sm90
// CHECK: check: PASS

func.func @dense_bf16_d64(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @dense_f16_d128(%q: tensor<2x4x?x128xf16>, %k: tensor<2x4x?x128xf16>, %v: tensor<2x4x?x128xf16>) -> tensor<2x4x?x128xf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16> -> tensor<2x4x?x128xf16>
  return %o : tensor<2x4x?x128xf16>
}

// -----

func.func @causal_bf16_d128(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>) -> (tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, mask = #attn.causal<>, return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @causal_bottom_right_empty_rows_f16_d64(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>) -> (tensor<2x4x?x64xf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, bottom_right, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
}

// -----

func.func @window_bf16_d64(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.window<left = 48, right = 16>, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_lo = -48, diag_hi = 16>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

func.func @sliding_window_causal_f16_d128(%q: tensor<2x4x?x128xf16>, %k: tensor<2x4x?x128xf16>, %v: tensor<2x4x?x128xf16>) -> (tensor<2x4x?x128xf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, mask = #attn.and<[#attn.causal<>, #attn.window<left = 100>]>, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 128, schedule = band, diag_lo = -100, diag_hi = 0>}
       : tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16> -> tensor<2x4x?x128xf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x128xf16>, tensor<2x4x?xf32>
}

// -----

func.func @document_bf16_d128(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>, %q_segments: tensor<2x?xi32>) -> tensor<2x4x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v q_segments(%q_segments : tensor<2x?xi32>) {scale = 0.0883883476 : f32, mask = #attn.document, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = runtime>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>
  return %o : tensor<2x4x?x128xbf16>
}

// -----

func.func @document_causal_kv_segments_f16_d64(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>, %q_segments: tensor<2x?xi32>, %kv_segments: tensor<2x?xi32>) -> (tensor<2x4x?x64xf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v q_segments(%q_segments : tensor<2x?xi32>) kv_segments(%kv_segments : tensor<2x?xi32>) {scale = 0.125 : f32, mask = #attn.and<[#attn.document, #attn.causal<>]>, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
}

// -----

func.func @padding_bf16_d64(%q: tensor<3x4x?x64xbf16>, %k: tensor<3x4x?x64xbf16>, %v: tensor<3x4x?x64xbf16>, %kv_lengths: tensor<3xi32>) -> (tensor<3x4x?x64xbf16>, tensor<3x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v kv_lengths(%kv_lengths : tensor<3xi32>) {scale = 0.125 : f32, mask = #attn.padding, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<3x4x?x64xbf16>, tensor<3x4x?x64xbf16>, tensor<3x4x?x64xbf16> -> tensor<3x4x?x64xbf16>, tensor<3x4x?xf32>
  return %o, %lse : tensor<3x4x?x64xbf16>, tensor<3x4x?xf32>
}

// -----

func.func @alibi_causal_bf16_d128(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>, %slopes: tensor<4xf32>) -> tensor<2x4x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v alibi_slopes(%slopes : tensor<4xf32>) {scale = 0.0883883476 : f32, mask = #attn.causal<>, modifiers = [#attn.alibi], tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>
  return %o : tensor<2x4x?x128xbf16>
}

// -----

func.func @alibi_f16_d64(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>) -> tensor<2x4x?x64xf16> {
  %slopes = arith.constant dense<[0.25, 0.0625, 0.015625, 0.00390625]> : tensor<4xf32>
  %o = attn.flash_attention %q, %k, %v alibi_slopes(%slopes : tensor<4xf32>) {scale = 0.125 : f32, modifiers = [#attn.alibi], tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = dense>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}

// -----

func.func @softcap_causal_bf16_d64(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, modifiers = [#attn.softcap<cap = 30.0>], return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @softcap_f16_d128(%q: tensor<2x4x?x128xf16>, %k: tensor<2x4x?x128xf16>, %v: tensor<2x4x?x128xf16>) -> tensor<2x4x?x128xf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, modifiers = [#attn.softcap<cap = 50.0>], tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = dense>}
       : tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16> -> tensor<2x4x?x128xf16>
  return %o : tensor<2x4x?x128xf16>
}

// -----

func.func @gqa_bf16_d64_dv128(%q: tensor<2x8x?x64xbf16>, %k: tensor<2x2x?x64xbf16>, %v: tensor<2x2x?x128xbf16>) -> (tensor<2x8x?x128xbf16>, tensor<2x8x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, bottom_right, return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = band, diag_hi = 0>}
       : tensor<2x8x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x128xbf16> -> tensor<2x8x?x128xbf16>, tensor<2x8x?xf32>
  return %o, %lse : tensor<2x8x?x128xbf16>, tensor<2x8x?xf32>
}

// -----

func.func @dynamic_dims_bf16_d128(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>, %v: tensor<?x?x?x128xbf16>) -> tensor<?x?x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16> -> tensor<?x?x?x128xbf16>
  return %o : tensor<?x?x?x128xbf16>
}
