// RUN: attn-opt %s --split-input-file --attn-fuse-attention | FileCheck %s

// The chain the frontend emits: qk, scale, score_mod, mask, softmax, pv.
// CHECK-LABEL: func.func @full_chain
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x64x32xf32>, %[[K:.*]]: tensor<1x4x64x32xf32>, %[[V:.*]]: tensor<1x4x64x32xf32>, %[[SL:.*]]: tensor<4xf32>)
// CHECK-NOT: attn.qk
// CHECK-NOT: attn.softmax
// CHECK: %[[O:.*]] = attn.flash_attention %[[Q]], %[[K]], %[[V]] alibi_slopes(%[[SL]] : tensor<4xf32>)
// CHECK-SAME: mask = #attn.causal<>
// CHECK-SAME: modifiers = [#attn.alibi, #attn.softcap<cap = 3.000000e+01>]
// CHECK-SAME: scale = 1.250000e-01 : f32
// CHECK-NOT: attn.pv
// CHECK: return %[[O]]
func.func @full_chain(%q: tensor<1x4x64x32xf32>, %k: tensor<1x4x64x32xf32>, %v: tensor<1x4x64x32xf32>,
                      %sl: tensor<4xf32>) -> tensor<1x4x64x32xf32> {
  %s = attn.qk %q, %k : tensor<1x4x64x32xf32>, tensor<1x4x64x32xf32> -> tensor<1x4x64x64xf32>
  %t = attn.scale %s {scale = 0.125 : f32} : tensor<1x4x64x64xf32>
  %u = attn.score_mod %t alibi_slopes(%sl : tensor<4xf32>) {modifiers = [#attn.alibi, #attn.softcap<cap = 30.0>]} : tensor<1x4x64x64xf32>
  %m = attn.mask %u {mask = #attn.causal<>} : tensor<1x4x64x64xf32>
  %p = attn.softmax %m : tensor<1x4x64x64xf32>
  %o = attn.pv %p, %v : tensor<1x4x64x64xf32>, tensor<1x4x64x32xf32> -> tensor<1x4x64x32xf32>
  return %o : tensor<1x4x64x32xf32>
}

// -----

// No scale op: the fused scale is 1.
// CHECK-LABEL: func.func @minimal
// CHECK: attn.flash_attention
// CHECK-SAME: scale = 1.000000e+00 : f32
// CHECK-NOT: mask =
func.func @minimal(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x8xf32>
  %p = attn.softmax %s : tensor<1x1x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

// Grouped-query cross-attention with a bottom-right causal mask and key
// padding: 8 query heads share 2 K/V heads, 16 queries attend 128 keys.
// CHECK-LABEL: func.func @gqa_cross
// CHECK-SAME: %[[LEN:[a-z0-9]+]]: tensor<2xi32>
// CHECK: attn.flash_attention %{{.*}}, %{{.*}}, %{{.*}} kv_lengths(%[[LEN]] : tensor<2xi32>)
// CHECK-SAME: bottom_right
// CHECK-SAME: mask = #attn.and<[#attn.causal<>, #attn.padding]>
// CHECK-SAME: tensor<2x8x16x64xbf16>, tensor<2x2x128x64xbf16>, tensor<2x2x128x64xbf16> -> tensor<2x8x16x64xbf16>
func.func @gqa_cross(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x128x64xbf16>, %v: tensor<2x2x128x64xbf16>,
                     %len: tensor<2xi32>) -> tensor<2x8x16x64xbf16> {
  %s = attn.qk %q, %k : tensor<2x8x16x64xbf16>, tensor<2x2x128x64xbf16> -> tensor<2x8x16x128xf32>
  %t = attn.scale %s {scale = 0.125 : f32} : tensor<2x8x16x128xf32>
  %m = attn.mask %t kv_lengths(%len : tensor<2xi32>) {mask = #attn.and<[#attn.causal<>, #attn.padding]>, bottom_right} : tensor<2x8x16x128xf32>
  %p = attn.softmax %m : tensor<2x8x16x128xf32>
  %o = attn.pv %p, %v : tensor<2x8x16x128xf32>, tensor<2x2x128x64xbf16> -> tensor<2x8x16x64xbf16>
  return %o : tensor<2x8x16x64xbf16>
}

// -----

// Two masks become one #attn.and (flattened); additive modifiers after a
// mask commute with it; operands shared by several ops are merged once.
// CHECK-LABEL: func.func @masks_and_late_modifier
// CHECK: attn.flash_attention
// CHECK-SAME: kv_lengths
// CHECK-SAME: bias
// CHECK-SAME: mask = #attn.and<[#attn.window<left = 16>, #attn.padding, #attn.causal<>]>
// CHECK-SAME: modifiers = [#attn.bias]
func.func @masks_and_late_modifier(%q: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %len: tensor<1xi32>,
                                   %b: tensor<1x1x32x32xf32>) -> tensor<1x2x32x16xf32> {
  %s = attn.qk %q, %q : tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32> -> tensor<1x2x32x32xf32>
  %m = attn.mask %s kv_lengths(%len : tensor<1xi32>) {mask = #attn.and<[#attn.window<left = 16>, #attn.padding]>} : tensor<1x2x32x32xf32>
  %u = attn.score_mod %m bias(%b : tensor<1x1x32x32xf32>) {modifiers = [#attn.bias]} : tensor<1x2x32x32xf32>
  %n = attn.mask %u {mask = #attn.causal<>} : tensor<1x2x32x32xf32>
  %p = attn.softmax %n : tensor<1x2x32x32xf32>
  %o = attn.pv %p, %v : tensor<1x2x32x32xf32>, tensor<1x2x32x16xf32> -> tensor<1x2x32x16xf32>
  return %o : tensor<1x2x32x16xf32>
}

// -----

// Relative embeddings fuse when they read attn.qk's own query.
// CHECK-LABEL: func.func @rel_emb_same_query
// CHECK: attn.flash_attention
// CHECK-SAME: rel_emb
// CHECK-SAME: modifiers = [#attn.rel_emb<max_distance = 7>]
func.func @rel_emb_same_query(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>,
                              %e: tensor<15x16xf32>) -> tensor<1x2x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x8xf32>
  %u = attn.score_mod %s query(%q : tensor<1x2x8x16xf32>) rel_emb(%e : tensor<15x16xf32>) {modifiers = [#attn.rel_emb<max_distance = 7>]} : tensor<1x2x8x8xf32>
  %p = attn.softmax %u : tensor<1x2x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// Dynamic sequence lengths: bottom_right alignment must then agree.
// CHECK-LABEL: func.func @dynamic_aligned
// CHECK: attn.flash_attention
// CHECK-SAME: bottom_right
// CHECK-SAME: modifiers = [#attn.alibi]
func.func @dynamic_aligned(%q: tensor<1x4x?x32xf32>, %k: tensor<1x4x?x32xf32>, %v: tensor<1x4x?x32xf32>,
                           %sl: tensor<4xf32>) -> tensor<1x4x?x32xf32> {
  %s = attn.qk %q, %k : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32> -> tensor<1x4x?x?xf32>
  %u = attn.score_mod %s alibi_slopes(%sl : tensor<4xf32>) {modifiers = [#attn.alibi], bottom_right} : tensor<1x4x?x?xf32>
  %m = attn.mask %u {mask = #attn.causal<>, bottom_right} : tensor<1x4x?x?xf32>
  %p = attn.softmax %m : tensor<1x4x?x?xf32>
  %o = attn.pv %p, %v : tensor<1x4x?x?xf32>, tensor<1x4x?x32xf32> -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

// -----

// Unfused: the probabilities are also returned.
// CHECK-LABEL: func.func @probs_escape
// CHECK-NOT: attn.flash_attention
// CHECK: attn.qk
// CHECK: attn.softmax
// CHECK: attn.pv
func.func @probs_escape(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>)
    -> (tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>) {
  %s = attn.qk %q, %k : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x8xf32>
  %p = attn.softmax %s : tensor<1x1x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o, %p : tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>
}

// -----

// Unfused: the masked scores have a second user.
// CHECK-LABEL: func.func @scores_escape
// CHECK-NOT: attn.flash_attention
// CHECK: attn.mask
// CHECK: attn.pv
func.func @scores_escape(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>)
    -> (tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>) {
  %s = attn.qk %q, %k : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x8xf32>
  %m = attn.mask %s {mask = #attn.causal<>} : tensor<1x1x8x8xf32>
  %p = attn.softmax %m : tensor<1x1x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o, %m : tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>
}

// -----

// Unfused: relative embeddings read a query other than qk's.
// CHECK-LABEL: func.func @rel_emb_other_query
// CHECK-NOT: attn.flash_attention
// CHECK: attn.score_mod
func.func @rel_emb_other_query(%q: tensor<1x2x8x16xf32>, %q2: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                               %v: tensor<1x2x8x16xf32>, %e: tensor<15x16xf32>) -> tensor<1x2x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x8xf32>
  %u = attn.score_mod %s query(%q2 : tensor<1x2x8x16xf32>) rel_emb(%e : tensor<15x16xf32>) {modifiers = [#attn.rel_emb<max_distance = 7>]} : tensor<1x2x8x8xf32>
  %p = attn.softmax %u : tensor<1x2x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// Unfused: alignment differs and q_len != kv_len.
// CHECK-LABEL: func.func @mismatched_bottom_right
// CHECK-NOT: attn.flash_attention
// CHECK: attn.mask
func.func @mismatched_bottom_right(%q: tensor<1x4x4x32xf32>, %k: tensor<1x4x16x32xf32>, %v: tensor<1x4x16x32xf32>,
                                   %sl: tensor<4xf32>) -> tensor<1x4x4x32xf32> {
  %s = attn.qk %q, %k : tensor<1x4x4x32xf32>, tensor<1x4x16x32xf32> -> tensor<1x4x4x16xf32>
  %u = attn.score_mod %s alibi_slopes(%sl : tensor<4xf32>) {modifiers = [#attn.alibi]} : tensor<1x4x4x16xf32>
  %m = attn.mask %u {mask = #attn.causal<>, bottom_right} : tensor<1x4x4x16xf32>
  %p = attn.softmax %m : tensor<1x4x4x16xf32>
  %o = attn.pv %p, %v : tensor<1x4x4x16xf32>, tensor<1x4x16x32xf32> -> tensor<1x4x4x32xf32>
  return %o : tensor<1x4x4x32xf32>
}

// -----

// Same mismatch, but q_len == kv_len makes the alignment irrelevant.
// CHECK-LABEL: func.func @alignment_irrelevant
// CHECK: attn.flash_attention
func.func @alignment_irrelevant(%q: tensor<1x4x16x32xf32>, %k: tensor<1x4x16x32xf32>, %v: tensor<1x4x16x32xf32>,
                                %sl: tensor<4xf32>) -> tensor<1x4x16x32xf32> {
  %s = attn.qk %q, %k : tensor<1x4x16x32xf32>, tensor<1x4x16x32xf32> -> tensor<1x4x16x16xf32>
  %u = attn.score_mod %s alibi_slopes(%sl : tensor<4xf32>) {modifiers = [#attn.alibi]} : tensor<1x4x16x16xf32>
  %m = attn.mask %u {mask = #attn.causal<>, bottom_right} : tensor<1x4x16x16xf32>
  %p = attn.softmax %m : tensor<1x4x16x16xf32>
  %o = attn.pv %p, %v : tensor<1x4x16x16xf32>, tensor<1x4x16x32xf32> -> tensor<1x4x16x32xf32>
  return %o : tensor<1x4x16x32xf32>
}

// -----

// Unfused: soft-capping after the mask would un-hide masked scores.
// CHECK-LABEL: func.func @softcap_after_mask
// CHECK-NOT: attn.flash_attention
// CHECK: attn.score_mod
func.func @softcap_after_mask(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x8xf32>
  %m = attn.mask %s {mask = #attn.causal<>} : tensor<1x1x8x8xf32>
  %u = attn.score_mod %m {modifiers = [#attn.softcap<cap = 5.0>]} : tensor<1x1x8x8xf32>
  %p = attn.softmax %u : tensor<1x1x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}
