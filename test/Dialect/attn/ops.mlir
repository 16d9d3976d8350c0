// Round-trip of every attn op in custom and generic form.
// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s

// CHECK-LABEL: func.func @decomposed
func.func @decomposed(%q: tensor<2x8x17x64xf32>, %k: tensor<2x2x33x64xf32>, %v: tensor<2x2x33x48xf32>,
                      %len: tensor<2xi32>, %slopes: tensor<8xf32>) -> tensor<2x8x17x48xf32> {
  // CHECK: %[[S:.*]] = attn.qk %{{.*}}, %{{.*}} : tensor<2x8x17x64xf32>, tensor<2x2x33x64xf32> -> tensor<2x8x17x33xf32>
  %s = attn.qk %q, %k : tensor<2x8x17x64xf32>, tensor<2x2x33x64xf32> -> tensor<2x8x17x33xf32>
  // CHECK: %[[T:.*]] = attn.scale %[[S]] {scale = 1.250000e-01 : f32}
  %t = attn.scale %s {scale = 0.125 : f32} : tensor<2x8x17x33xf32>
  // CHECK: %[[U:.*]] = attn.score_mod %[[T]] alibi_slopes(%{{.*}} : tensor<8xf32>) {modifiers = [#attn.alibi, #attn.softcap<cap = 3.000000e+01>]}
  %u = attn.score_mod %t alibi_slopes(%slopes : tensor<8xf32>) {modifiers = [#attn.alibi, #attn.softcap<cap = 30.0>]} : tensor<2x8x17x33xf32>
  // CHECK: %[[M:.*]] = attn.mask %[[U]] kv_lengths(%{{.*}} : tensor<2xi32>) {bottom_right, mask = #attn.and<[#attn.causal<>, #attn.padding]>}
  %m = attn.mask %u kv_lengths(%len : tensor<2xi32>) {mask = #attn.and<[#attn.causal<>, #attn.padding]>, bottom_right} : tensor<2x8x17x33xf32>
  // CHECK: %[[P:.*]] = attn.softmax %[[M]] : tensor<2x8x17x33xf32>
  %p = attn.softmax %m : tensor<2x8x17x33xf32>
  // CHECK: attn.pv %[[P]], %{{.*}} : tensor<2x8x17x33xf32>, tensor<2x2x33x48xf32> -> tensor<2x8x17x48xf32>
  %o = attn.pv %p, %v : tensor<2x8x17x33xf32>, tensor<2x2x33x48xf32> -> tensor<2x8x17x48xf32>
  return %o : tensor<2x8x17x48xf32>
}

// CHECK-LABEL: func.func @rel_emb_score_mod
func.func @rel_emb_score_mod(%s: tensor<1x4x16x16xf32>, %q: tensor<1x4x16x32xf32>, %e: tensor<9x32xf32>,
                             %tb: tensor<32x4xf32>) -> tensor<1x4x16x16xf32> {
  // CHECK: attn.score_mod %{{.*}} query(%{{.*}} : tensor<1x4x16x32xf32>) rel_emb(%{{.*}} : tensor<9x32xf32>) rel_bias(%{{.*}} : tensor<32x4xf32>)
  // CHECK-SAME: modifiers = [#attn.rel_emb<max_distance = 4>, #attn.t5_bias<num_buckets = 32, max_distance = 128>]
  %r = attn.score_mod %s query(%q : tensor<1x4x16x32xf32>) rel_emb(%e : tensor<9x32xf32>) rel_bias(%tb : tensor<32x4xf32>)
       {modifiers = [#attn.rel_emb<max_distance = 4>, #attn.t5_bias<num_buckets = 32, max_distance = 128, bidirectional = 1>]} : tensor<1x4x16x16xf32>
  return %r : tensor<1x4x16x16xf32>
}

// CHECK-LABEL: func.func @every_mask
func.func @every_mask(%s: tensor<2x4x64x64xf32>, %len: tensor<2xi32>, %seg: tensor<2x64xi32>,
                      %adj: tensor<2x64x64xi8>, %bl: tensor<4x4x4xi8>, %mt: tensor<1x4x64x64xi1>,
                      %bias: tensor<2x1x64x64xf32>) -> tensor<2x4x64x64xf32> {
  // CHECK: mask = #attn.causal<offset = 2>
  %0 = attn.mask %s {mask = #attn.causal<offset = 2>} : tensor<2x4x64x64xf32>
  // CHECK: mask = #attn.window<left = 8, right = 4>
  %1 = attn.mask %0 {mask = #attn.window<left = 8, right = 4>} : tensor<2x4x64x64xf32>
  // CHECK: mask = #attn.strided<stride = 8>
  %2 = attn.mask %1 {mask = #attn.strided<stride = 8>} : tensor<2x4x64x64xf32>
  // CHECK: block_layout(%{{.*}} : tensor<4x4x4xi8>) {mask = #attn.block_sparse<block = 16>}
  %3 = attn.mask %2 block_layout(%bl : tensor<4x4x4xi8>) {mask = #attn.block_sparse<block = 16>} : tensor<2x4x64x64xf32>
  // CHECK: prefix_lengths(%{{.*}} : tensor<2xi32>) {mask = #attn.prefix_lm}
  %4 = attn.mask %3 prefix_lengths(%len : tensor<2xi32>) {mask = #attn.prefix_lm} : tensor<2x4x64x64xf32>
  // CHECK: q_segments(%{{.*}} : tensor<2x64xi32>) kv_segments(%{{.*}} : tensor<2x64xi32>) {mask = #attn.document}
  %5 = attn.mask %4 q_segments(%seg : tensor<2x64xi32>) kv_segments(%seg : tensor<2x64xi32>) {mask = #attn.document} : tensor<2x4x64x64xf32>
  // CHECK: adjacency(%{{.*}} : tensor<2x64x64xi8>) {mask = #attn.graph}
  %6 = attn.mask %5 adjacency(%adj : tensor<2x64x64xi8>) {mask = #attn.graph} : tensor<2x4x64x64xf32>
  // CHECK: mask = #attn.local2d<width = 8, block_h = 2, block_w = 4, mem_top = 2, mem_left = 4, mem_right = 4, causal = 1>
  %7 = attn.mask %6 {mask = #attn.local2d<width = 8, block_h = 2, block_w = 4, mem_top = 2, mem_left = 4, mem_right = 4, causal = 1>} : tensor<2x4x64x64xf32>
  // CHECK: mask_tensor(%{{.*}} : tensor<1x4x64x64xi1>) {mask = #attn.or<[#attn.window<left = 2, right = 2>, #attn.explicit]>}
  %8 = attn.mask %7 mask_tensor(%mt : tensor<1x4x64x64xi1>) {mask = #attn.or<[#attn.window<left = 2, right = 2>, #attn.explicit]>} : tensor<2x4x64x64xf32>
  // CHECK: bias(%{{.*}} : tensor<2x1x64x64xf32>) {modifiers = [#attn.bias]}
  %9 = attn.score_mod %8 bias(%bias : tensor<2x1x64x64xf32>) {modifiers = [#attn.bias]} : tensor<2x4x64x64xf32>
  return %9 : tensor<2x4x64x64xf32>
}

// CHECK-LABEL: func.func @fused
func.func @fused(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>,
                 %seg: tensor<?x?xi32>) -> (tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>) {
  // CHECK: %{{.*}}, %{{.*}} = attn.flash_attention %{{.*}}, %{{.*}}, %{{.*}} q_segments(%{{.*}} : tensor<?x?xi32>)
  // CHECK-SAME: kernel = @k0
  // CHECK-SAME: mask = #attn.document
  // CHECK-SAME: return_lse
  // CHECK-SAME: tiling = #attn.tiling<q_tile = 64, k_tile = 128, schedule = runtime>
  %o, %lse = attn.flash_attention %q, %k, %v q_segments(%seg : tensor<?x?xi32>)
      {scale = 0.125 : f32, mask = #attn.document, return_lse, kernel = @k0,
       tiling = #attn.tiling<q_tile = 64, k_tile = 128, schedule = runtime>}
      : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16> -> tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>
  return %o, %lse : tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>
}

// CHECK-LABEL: func.func @banded
func.func @banded(%q: tensor<1x4x256x32xf32>) -> tensor<1x4x256x32xf32> {
  // CHECK: tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_lo = -127, diag_hi = 0, live_tiles = 11, full_tiles = 3>
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, mask = #attn.window<left = 127>,
      tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_lo = -127, diag_hi = 0, live_tiles = 11, full_tiles = 3>}
      : tensor<1x4x256x32xf32>, tensor<1x4x256x32xf32>, tensor<1x4x256x32xf32> -> tensor<1x4x256x32xf32>
  return %o : tensor<1x4x256x32xf32>
}

// CHECK-LABEL: func.func @model_ops
func.func @model_ops(%ids: tensor<1x?xi32>, %n: i64) -> tensor<1x?x64xf32> {
  // CHECK: attn.weight "tok_emb.weight" : tensor<256x64xf32>
  %table = attn.weight "tok_emb.weight" : tensor<256x64xf32>
  %wpe = attn.weight "pos_emb.weight" : tensor<128x64xf32>
  %g = attn.weight "norm.weight" : tensor<64xf32>
  %b = attn.weight "norm.bias" : tensor<64xf32>
  %w = attn.weight "fc.weight" : tensor<128x64xf32>
  %wb = attn.weight "fc.bias" : tensor<128xf32>
  %w2 = attn.weight "proj.weight" : tensor<64x128xf32>
  %e = attn.weight "lin.proj" : tensor<16x128xf32>
  // CHECK: attn.embedding %{{.*}}, %{{.*}} : (tensor<256x64xf32>, tensor<1x?xi32>) -> tensor<1x?x64xf32>
  %x = attn.embedding %table, %ids : (tensor<256x64xf32>, tensor<1x?xi32>) -> tensor<1x?x64xf32>
  // CHECK: attn.positions %{{.*}} table(%{{.*}} : tensor<128x64xf32>) offset(%{{.*}} : i64)
  %x1 = attn.positions %x table(%wpe : tensor<128x64xf32>) offset(%n : i64) : (tensor<1x?x64xf32>) -> tensor<1x?x64xf32>
  // CHECK: attn.positions %{{.*}} : (tensor<1x?x64xf32>) -> tensor<1x?x64xf32>
  %x2 = attn.positions %x1 : (tensor<1x?x64xf32>) -> tensor<1x?x64xf32>
  // CHECK: attn.layer_norm {{.*}} {epsilon = 9.99999974E-6 : f32}
  %y = attn.layer_norm %x2, %g, %b {epsilon = 1.0e-5 : f32} : (tensor<1x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x?x64xf32>
  // CHECK: attn.rms_norm
  %y1 = attn.rms_norm %y, %g {epsilon = 1.0e-6 : f32} : (tensor<1x?x64xf32>, tensor<64xf32>) -> tensor<1x?x64xf32>
  // CHECK: attn.split_heads %{{.*}} {num_heads = 4 : i64} : tensor<1x?x64xf32> -> tensor<1x4x?x16xf32>
  %h = attn.split_heads %y1 {num_heads = 4 : i64} : tensor<1x?x64xf32> -> tensor<1x4x?x16xf32>
  // CHECK: attn.rope %{{.*}} offset(%{{.*}} : i64) {rotary_dim = 8 : i64, theta = 1.000000e+04 : f32}
  %r = attn.rope %h offset(%n : i64) {theta = 10000.0 : f32, rotary_dim = 8} : tensor<1x4x?x16xf32>
  // CHECK: attn.concat_seq
  %c = attn.concat_seq %r, %r : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32> -> tensor<1x4x?x16xf32>
  // CHECK: attn.seq_project %{{.*}}, %{{.*}} : (tensor<1x4x?x16xf32>, tensor<16x128xf32>) -> tensor<1x4x16x16xf32>
  %sp = attn.seq_project %c, %e : (tensor<1x4x?x16xf32>, tensor<16x128xf32>) -> tensor<1x4x16x16xf32>
  // CHECK: attn.merge_heads %{{.*}} : tensor<1x4x?x16xf32> -> tensor<1x?x64xf32>
  %m = attn.merge_heads %r : tensor<1x4x?x16xf32> -> tensor<1x?x64xf32>
  // CHECK: attn.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x?x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<1x?x128xf32>
  %f = attn.linear %m, %w, %wb : (tensor<1x?x64xf32>, tensor<128x64xf32>, tensor<128xf32>) -> tensor<1x?x128xf32>
  // CHECK: attn.activation %{{.*}} {kind = #attn<activation gelu_tanh>}
  %a = attn.activation %f {kind = #attn<activation gelu_tanh>} : tensor<1x?x128xf32>
  // CHECK: attn.glu %{{.*}}, %{{.*}} {kind = #attn<activation silu>}
  %gl = attn.glu %a, %f {kind = #attn<activation silu>} : tensor<1x?x128xf32>
  // CHECK: attn.linear %{{.*}}, %{{.*}} : (tensor<1x?x128xf32>, tensor<64x128xf32>) -> tensor<1x?x64xf32>
  %p = attn.linear %gl, %w2 : (tensor<1x?x128xf32>, tensor<64x128xf32>) -> tensor<1x?x64xf32>
  // CHECK: attn.add %{{.*}}, %{{.*}} : tensor<1x?x64xf32>, tensor<1x?x64xf32>
  %out = attn.add %p, %m : tensor<1x?x64xf32>, tensor<1x?x64xf32>
  // CHECK: attn.softmax %{{.*}} : tensor<1x?x64xf32>
  %sm = attn.softmax %out : tensor<1x?x64xf32>
  return %sm : tensor<1x?x64xf32>
}

// Band bounds as written by attn-tile-attention for inexact (partial) and
// data-dependent masks.
// CHECK-LABEL: func.func @tiling_bounds
// CHECK: tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0, live_tiles = 3, full_tiles = 0, partial = 1>
// CHECK: tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime, diag_hi = 0>
func.func @tiling_bounds(%q: tensor<1x1x128x64xf32>, %len: tensor<1xi32>) -> (tensor<1x1x128x64xf32>, tensor<1x1x128x64xf32>) {
  %a = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, mask = #attn.and<[#attn.causal<>, #attn.strided<stride = 8>]>,
       tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0, live_tiles = 3, full_tiles = 0, partial = 1>}
      : tensor<1x1x128x64xf32>, tensor<1x1x128x64xf32>, tensor<1x1x128x64xf32> -> tensor<1x1x128x64xf32>
  %b = attn.flash_attention %q, %q, %q kv_lengths(%len : tensor<1xi32>) {scale = 1.0 : f32, mask = #attn.and<[#attn.causal<>, #attn.padding]>,
       tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime, diag_hi = 0>}
      : tensor<1x1x128x64xf32>, tensor<1x1x128x64xf32>, tensor<1x1x128x64xf32> -> tensor<1x1x128x64xf32>
  return %a, %b : tensor<1x1x128x64xf32>, tensor<1x1x128x64xf32>
}
