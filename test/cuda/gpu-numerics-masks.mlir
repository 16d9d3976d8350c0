// REQUIRES: cuda-device, nvrtc
// GPU numerics of every mask kind and the three tile schedules (dense, band,
// run-time tile map), with fully masked rows: causal with bottom_right and
// more queries than keys, padding with a zero length (batch entry 1), graph
// node 0 without edges, an empty block_sparse query block, an all-false
// explicit mask row (see tools/attnc-run/AttentionCommand.cpp).
// RUN: rm -rf %t && mkdir -p %t
// RUN: attnc cuda %s --split-input-file --emit=artifact --arch=sm_90a,sm_80 --artifact-dir=%t
// RUN: attnc-run attention %t/causal.attnc-gpu --lq 239 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/causal_bottom_right_empty_rows.attnc-gpu --lq 239 --lk 113 --check | FileCheck %s
// RUN: attnc-run attention %t/causal_offset.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/window.attnc-gpu --lq 239 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/sliding_window_causal.attnc-gpu --lq 500 --lk 500 --check | FileCheck %s
// RUN: attnc-run attention %t/padding.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/strided.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/block_sparse.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/prefix_lm.attnc-gpu --lq 239 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/document.attnc-gpu --lq 239 --lk 239 --docs 5 --check | FileCheck %s
// RUN: attnc-run attention %t/document_causal_kv_segments.attnc-gpu --lq 113 --lk 239 --docs 3 --check | FileCheck %s
// RUN: attnc-run attention %t/graph.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/local2d.attnc-gpu --lq 239 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/explicit.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/or_and.attnc-gpu --lq 239 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/f32_padding_causal.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// CHECK: check: PASS

func.func @causal(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>) -> (tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, mask = #attn.causal<>, return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @causal_bottom_right_empty_rows(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, bottom_right, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @causal_offset(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<offset = 5>, tiling = #attn.tiling<q_tile = 64, k_tile = 32, schedule = band, diag_hi = 5>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

func.func @window(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>) -> tensor<2x4x?x64xf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.window<left = 48, right = 16>, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_lo = -48, diag_hi = 16>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}

// -----

func.func @sliding_window_causal(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>) -> (tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.0883883476 : f32, mask = #attn.and<[#attn.causal<>, #attn.window<left = 100>]>, return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_lo = -100, diag_hi = 0>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @padding(%q: tensor<3x4x?x64xf16>, %k: tensor<3x4x?x64xf16>, %v: tensor<3x4x?x64xf16>, %kv_lengths: tensor<3xi32>) -> (tensor<3x4x?x64xf16>, tensor<3x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v kv_lengths(%kv_lengths : tensor<3xi32>) {scale = 0.125 : f32, mask = #attn.padding, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<3x4x?x64xf16>, tensor<3x4x?x64xf16>, tensor<3x4x?x64xf16> -> tensor<3x4x?x64xf16>, tensor<3x4x?xf32>
  return %o, %lse : tensor<3x4x?x64xf16>, tensor<3x4x?xf32>
}

// -----

func.func @strided(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.strided<stride = 7>, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

func.func @block_sparse(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %block_layout: tensor<4x?x?xi8>) -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v block_layout(%block_layout : tensor<4x?x?xi8>) {scale = 0.125 : f32, mask = #attn.block_sparse<block = 32>, return_lse, tiling = #attn.tiling<q_tile = 32, k_tile = 32, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @prefix_lm(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %prefix_lengths: tensor<2xi32>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v prefix_lengths(%prefix_lengths : tensor<2xi32>) {scale = 0.125 : f32, mask = #attn.prefix_lm, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

func.func @document(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %q_segments: tensor<2x?xi32>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v q_segments(%q_segments : tensor<2x?xi32>) {scale = 0.125 : f32, mask = #attn.document, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

func.func @document_causal_kv_segments(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %q_segments: tensor<2x?xi32>, %kv_segments: tensor<2x?xi32>) -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v q_segments(%q_segments : tensor<2x?xi32>) kv_segments(%kv_segments : tensor<2x?xi32>) {scale = 0.125 : f32, mask = #attn.and<[#attn.document, #attn.causal<>]>, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @graph(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %adjacency: tensor<2x?x?xi8>) -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v adjacency(%adjacency : tensor<2x?x?xi8>) {scale = 0.125 : f32, mask = #attn.graph, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @local2d(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.local2d<width = 16, block_h = 4, block_w = 4, mem_top = 4, mem_left = 4, mem_right = 4, causal = 1>, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

func.func @explicit(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>, %mask_tensor: tensor<2x4x?x?xi8>) -> (tensor<2x4x?x64xf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v mask_tensor(%mask_tensor : tensor<2x4x?x?xi8>) {scale = 0.125 : f32, mask = #attn.explicit, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
}

// -----

func.func @or_and(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %kv_lengths: tensor<2xi32>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v kv_lengths(%kv_lengths : tensor<2xi32>) {scale = 0.125 : f32, mask = #attn.or<[#attn.and<[#attn.causal<>, #attn.padding]>, #attn.window<left = 8, right = 8>]>, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

func.func @f32_padding_causal(%q: tensor<2x4x?x64xf32>, %k: tensor<2x4x?x64xf32>, %v: tensor<2x4x?x64xf32>, %kv_lengths: tensor<2xi32>) -> (tensor<2x4x?x64xf32>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v kv_lengths(%kv_lengths : tensor<2xi32>) {scale = 0.125 : f32, mask = #attn.and<[#attn.causal<>, #attn.padding]>, return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32> -> tensor<2x4x?x64xf32>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xf32>, tensor<2x4x?xf32>
}
