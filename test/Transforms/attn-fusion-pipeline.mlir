// RUN: attn-opt %s --split-input-file --attn-fusion-pipeline="target=cuda-sm90" | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-fusion-pipeline="target=cpu-x86-avx2 q-tile=16 explain-fusion=true" --verify-diagnostics | FileCheck %s --check-prefix=AVX2

// The decomposed chain (as the frontend emits it) comes out as one tiled
// attn.flash_attention. CSE runs first: the frontend's duplicated query
// (%q1, %q2 below) must be recognised as one for the rel_emb check.
// sm90, f32, head_dim 64: 128x64 tiles. Query tile 0 sees key tiles 0-1
// (none full), query tile 1 sees 0-3 (0-1 full). AVX2 with q-tile=16: 16x32
// tiles, query tile t sees key tiles 0..(16t+15)/32 and 0..(16t+1)/32 - 1 are
// full: 2*(1+...+8) = 72 live, 2*(0+...+7) = 56 full.
// CHECK-LABEL: func.func @decoder_layer_attention
// CHECK-NOT: attn.qk
// CHECK-NOT: attn.softmax
// CHECK: attn.flash_attention
// CHECK-SAME: modifiers = [#attn.rel_emb<max_distance = 255>]
// CHECK-SAME: tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0, live_tiles = 6, full_tiles = 2>
// CHECK-NOT: attn.pv
// AVX2-LABEL: func.func @decoder_layer_attention
// AVX2: tiling = #attn.tiling<q_tile = 16, k_tile = 32, schedule = band, diag_hi = 0, live_tiles = 72, full_tiles = 56>
func.func @decoder_layer_attention(%x: tensor<1x256x128xf32>, %k: tensor<1x2x256x64xf32>, %v: tensor<1x2x256x64xf32>,
                                   %e: tensor<511x64xf32>) -> tensor<1x2x256x64xf32> {
  %q1 = attn.split_heads %x {num_heads = 2 : i64} : tensor<1x256x128xf32> -> tensor<1x2x256x64xf32>
  %q2 = attn.split_heads %x {num_heads = 2 : i64} : tensor<1x256x128xf32> -> tensor<1x2x256x64xf32>
  %s = attn.qk %q1, %k : tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32> -> tensor<1x2x256x256xf32>
  %t = attn.scale %s {scale = 0.125 : f32} : tensor<1x2x256x256xf32>
  %u = attn.score_mod %t query(%q2 : tensor<1x2x256x64xf32>) rel_emb(%e : tensor<511x64xf32>) {modifiers = [#attn.rel_emb<max_distance = 255>]} : tensor<1x2x256x256xf32>
  %m = attn.mask %u {mask = #attn.causal<>} : tensor<1x2x256x256xf32>
  %p = attn.softmax %m : tensor<1x2x256x256xf32>
  // expected-remark@+1 {{fused (qk, scale, score_mod, mask, softmax, pv) into attn.flash_attention}}
  %o = attn.pv %p, %v : tensor<1x2x256x256xf32>, tensor<1x2x256x64xf32> -> tensor<1x2x256x64xf32>
  return %o : tensor<1x2x256x64xf32>
}

// -----

// An unfusable chain stays decomposed (and correct); fused ops elsewhere in
// the module are still tiled.
// CHECK-LABEL: func.func @unfused
// CHECK: attn.softmax
// CHECK-NOT: attn.flash_attention
// AVX2-LABEL: func.func @unfused
func.func @unfused(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>)
    -> (tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>) {
  %s = attn.qk %q, %k : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x8xf32>
  // expected-remark@+1 {{not fused: the probabilities have 1 other user ('func.return') besides 'attn.pv'}}
  %p = attn.softmax %s : tensor<1x1x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o, %p : tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>
}
