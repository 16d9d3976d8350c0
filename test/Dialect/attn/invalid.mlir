// Every verifier message of the attn dialect, one case each.
// RUN: attn-opt %s --split-input-file --verify-diagnostics

//===--- attributes -------------------------------------------------------===//

func.func @window_negative(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{window bounds must be non-negative, got left = -1, right = 0}}
  %0 = attn.mask %s {mask = #attn.window<left = -1>} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @strided_zero(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{strided mask needs a positive stride, got 0}}
  %0 = attn.mask %s {mask = #attn.strided<stride = 0>} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @block_sparse_zero(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{block_sparse mask needs a positive block size, got -4}}
  %0 = attn.mask %s {mask = #attn.block_sparse<block = -4>} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @local2d_sizes(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{local2d needs positive width and block sizes, got width = 0, block_h = 2, block_w = 2}}
  %0 = attn.mask %s {mask = #attn.local2d<width = 0, block_h = 2, block_w = 2>} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @local2d_flanks(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{local2d memory flanks must be non-negative, got mem_top = -1, mem_left = 0, mem_right = 0}}
  %0 = attn.mask %s {mask = #attn.local2d<width = 4, block_h = 2, block_w = 2, mem_top = -1>} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @local2d_causal(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{local2d causal must be 0 or 1, got 2}}
  %0 = attn.mask %s {mask = #attn.local2d<width = 4, block_h = 2, block_w = 2, causal = 2>} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @and_one_member(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{'and' mask needs at least two members, got 1}}
  %0 = attn.mask %s {mask = #attn.and<[#attn.causal<>]>} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @or_not_a_mask(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{'or' member #attn.alibi is not a mask attribute}}
  %0 = attn.mask %s {mask = #attn.or<[#attn.causal<>, #attn.alibi]>} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @rel_emb_negative(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{rel_emb max_distance must be non-negative, got -2}}
  %0 = attn.score_mod %s {modifiers = [#attn.rel_emb<max_distance = -2>]} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @t5_buckets(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{t5_bias needs at least 2 buckets, got 1}}
  %0 = attn.score_mod %s {modifiers = [#attn.t5_bias<num_buckets = 1, max_distance = 8>]} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @t5_bidirectional_flag(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{t5_bias bidirectional must be 0 or 1, got 3}}
  %0 = attn.score_mod %s {modifiers = [#attn.t5_bias<num_buckets = 8, max_distance = 8, bidirectional = 3>]} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @t5_odd_buckets(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{bidirectional t5_bias needs an even bucket count, got 7}}
  %0 = attn.score_mod %s {modifiers = [#attn.t5_bias<num_buckets = 7, max_distance = 8>]} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @t5_distance(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{t5_bias max_distance must be positive, got 0}}
  %0 = attn.score_mod %s {modifiers = [#attn.t5_bias<num_buckets = 8, max_distance = 0>]} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @softcap_zero(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{softcap cap must be positive and finite, got 0}}
  %0 = attn.score_mod %s {modifiers = [#attn.softcap<cap = 0.0>]} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @tiling_sizes(%q: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{tile sizes must be positive, got q_tile = 0, k_tile = 64}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, tiling = #attn.tiling<q_tile = 0, k_tile = 64, schedule = dense>}
      : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %o : tensor<1x1x4x4xf32>
}

// -----
func.func @tiling_diag_not_band(%q: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{diag_lo/diag_hi are only meaningful with schedule = band}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense, diag_hi = 0>}
      : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %o : tensor<1x1x4x4xf32>
}

// -----
func.func @tiling_empty_band(%q: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{empty band: diag_lo = 3 > diag_hi = 0}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_lo = 3, diag_hi = 0>}
      : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %o : tensor<1x1x4x4xf32>
}

// -----
func.func @tiling_counts(%q: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{full_tiles = 5 exceeds live_tiles = 4}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense, live_tiles = 4, full_tiles = 5>}
      : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %o : tensor<1x1x4x4xf32>
}

//===--- attn.qk ----------------------------------------------------------===//

// -----
func.func @qk_rank(%q: tensor<8x4x4xf32>, %k: tensor<1x8x4x4xf32>) {
  // expected-error@+1 {{[A1] q and k must have rank 4 ([B, H, L, D]), got 'tensor<8x4x4xf32>' and 'tensor<1x8x4x4xf32>'}}
  %s = attn.qk %q, %k : tensor<8x4x4xf32>, tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  return
}

// -----
func.func @qk_head_dim(%q: tensor<1x8x4x32xf32>, %k: tensor<1x8x4x64xf32>) {
  // expected-error@+1 {{[A2] q 'tensor<1x8x4x32xf32>' and k 'tensor<1x8x4x64xf32>' must agree on batch and head_dim}}
  %s = attn.qk %q, %k : tensor<1x8x4x32xf32>, tensor<1x8x4x64xf32> -> tensor<1x8x4x4xf32>
  return
}

// -----
func.func @qk_gqa(%q: tensor<1x8x4x32xf32>, %k: tensor<1x3x4x32xf32>) {
  // expected-error@+1 {{[A3] query heads (8) must be a multiple of key/value heads (3)}}
  %s = attn.qk %q, %k : tensor<1x8x4x32xf32>, tensor<1x3x4x32xf32> -> tensor<1x8x4x4xf32>
  return
}

// -----
func.func @qk_result_rank(%q: tensor<1x8x4x32xf32>, %k: tensor<1x8x4x32xf32>) {
  // expected-error@+1 {{[A4] scores must have rank 4, got 'tensor<8x4x4xf32>'}}
  %s = attn.qk %q, %k : tensor<1x8x4x32xf32>, tensor<1x8x4x32xf32> -> tensor<8x4x4xf32>
  return
}

// -----
func.func @qk_result_dim(%q: tensor<1x8x4x32xf32>, %k: tensor<1x8x6x32xf32>) {
  // expected-error@+1 {{[A4] scores dimension 3 is 4, expected 6}}
  %s = attn.qk %q, %k : tensor<1x8x4x32xf32>, tensor<1x8x6x32xf32> -> tensor<1x8x4x4xf32>
  return
}

//===--- attn.score_mod / attn.mask ---------------------------------------===//

// -----
func.func @score_mod_not_modifier(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{[M1] 'modifiers' element #attn.causal<> is not a score modifier}}
  %0 = attn.score_mod %s {modifiers = [#attn.causal<>]} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @score_mod_rel_emb_without_query(%s: tensor<1x1x4x4xf32>, %e: tensor<5x8xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{[M2] #attn.rel_emb needs the 'query' operand}}
  %0 = attn.score_mod %s rel_emb(%e : tensor<5x8xf32>) {modifiers = [#attn.rel_emb<max_distance = 2>]} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @score_mod_query_unused(%s: tensor<1x1x4x4xf32>, %q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{[M3] operand 'query' is only used by #attn.rel_emb}}
  %0 = attn.score_mod %s query(%q : tensor<1x1x4x8xf32>) {modifiers = [#attn.softcap<cap = 5.0>]} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @score_mod_missing_slopes(%s: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error@+1 {{[M2] the mask or modifiers need operand 'alibi_slopes', which is missing}}
  %0 = attn.score_mod %s {modifiers = [#attn.alibi]} : tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----
func.func @score_mod_slopes_shape(%s: tensor<1x2x4x4xf32>, %sl: tensor<3xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error@+1 {{[M2] operand 'alibi_slopes' dimension 0 is 3, expected 2}}
  %0 = attn.score_mod %s alibi_slopes(%sl : tensor<3xf32>) {modifiers = [#attn.alibi]} : tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----
func.func @score_mod_t5_buckets(%s: tensor<1x2x4x4xf32>, %t: tensor<16x2xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error@+1 {{[M1] 'rel_bias' has 16 buckets but #attn.t5_bias has 32}}
  %0 = attn.score_mod %s rel_bias(%t : tensor<16x2xf32>) {modifiers = [#attn.t5_bias<num_buckets = 32, max_distance = 64>]} : tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----
func.func @score_mod_rel_emb_rows(%s: tensor<1x1x4x4xf32>, %q: tensor<1x1x4x8xf32>, %e: tensor<4x8xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{[M1] 'rel_emb' must have 2*max_distance+1 = 5 rows, got 'tensor<4x8xf32>'}}
  %0 = attn.score_mod %s query(%q : tensor<1x1x4x8xf32>) rel_emb(%e : tensor<4x8xf32>) {modifiers = [#attn.rel_emb<max_distance = 2>]} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @score_mod_rel_bias_shape(%s: tensor<1x2x4x4xf32>, %t: tensor<8x3xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error@+1 {{[M2] operand 'rel_bias' must be [num_buckets, 2], got 'tensor<8x3xf32>'}}
  %0 = attn.score_mod %s rel_bias(%t : tensor<8x3xf32>) {modifiers = [#attn.t5_bias<num_buckets = 8, max_distance = 64>]} : tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----
func.func @mask_not_mask(%s: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{[K1] 'mask' must be a mask attribute, got #attn.softcap<cap = 1.000000e+00>}}
  %0 = attn.mask %s {mask = #attn.softcap<cap = 1.0>} : tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----
func.func @mask_missing_lengths(%s: tensor<2x1x4x4xf32>) -> tensor<2x1x4x4xf32> {
  // expected-error@+1 {{[K2] the mask or modifiers need operand 'kv_lengths', which is missing}}
  %0 = attn.mask %s {mask = #attn.and<[#attn.causal<>, #attn.padding]>} : tensor<2x1x4x4xf32>
  return %0 : tensor<2x1x4x4xf32>
}

// -----
func.func @mask_unused_operand(%s: tensor<2x1x4x4xf32>, %len: tensor<2xi32>) -> tensor<2x1x4x4xf32> {
  // expected-error@+1 {{[K2] operand 'kv_lengths' is not used by the mask or modifiers}}
  %0 = attn.mask %s kv_lengths(%len : tensor<2xi32>) {mask = #attn.causal<>} : tensor<2x1x4x4xf32>
  return %0 : tensor<2x1x4x4xf32>
}

// -----
func.func @mask_operand_rank(%s: tensor<2x1x4x4xf32>, %adj: tensor<4x4xi8>) -> tensor<2x1x4x4xf32> {
  // expected-error@+1 {{[K2] operand 'adjacency' must have rank 3, got 'tensor<4x4xi8>'}}
  %0 = attn.mask %s adjacency(%adj : tensor<4x4xi8>) {mask = #attn.graph} : tensor<2x1x4x4xf32>
  return %0 : tensor<2x1x4x4xf32>
}

// -----
func.func @mask_document_lengths(%s: tensor<2x1x4x6xf32>, %seg: tensor<2x4xi32>) -> tensor<2x1x4x6xf32> {
  // expected-error@+1 {{[K2] document mask without 'kv_segments' needs q_len == kv_len, got 4 and 6}}
  %0 = attn.mask %s q_segments(%seg : tensor<2x4xi32>) {mask = #attn.document} : tensor<2x1x4x6xf32>
  return %0 : tensor<2x1x4x6xf32>
}

// -----
func.func @mask_block_layout_rank(%s: tensor<1x2x4x4xf32>, %bl: tensor<2x2xi8>) -> tensor<1x2x4x4xf32> {
  // expected-error@+1 {{[K2] operand 'block_layout' must have rank 3, got 'tensor<2x2xi8>'}}
  %0 = attn.mask %s block_layout(%bl : tensor<2x2xi8>) {mask = #attn.block_sparse<block = 2>} : tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----
func.func @mask_block_layout_heads(%s: tensor<1x2x4x4xf32>, %bl: tensor<3x2x2xi8>) -> tensor<1x2x4x4xf32> {
  // expected-error@+1 {{[K2] operand 'block_layout' has 3 heads, expected 1 or 2}}
  %0 = attn.mask %s block_layout(%bl : tensor<3x2x2xi8>) {mask = #attn.block_sparse<block = 2>} : tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

//===--- attn.pv ----------------------------------------------------------===//

// -----
func.func @pv_rank(%p: tensor<1x1x4x4xf32>, %v: tensor<1x4x8xf32>) {
  // expected-error@+1 {{[P1] probs, v and result must have rank 4}}
  %o = attn.pv %p, %v : tensor<1x1x4x4xf32>, tensor<1x4x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----
func.func @pv_length(%p: tensor<1x1x4x4xf32>, %v: tensor<1x1x5x8xf32>) {
  // expected-error@+1 {{[P2] probs 'tensor<1x1x4x4xf32>' and v 'tensor<1x1x5x8xf32>' must agree on batch and kv length}}
  %o = attn.pv %p, %v : tensor<1x1x4x4xf32>, tensor<1x1x5x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----
func.func @pv_heads(%p: tensor<1x4x4x4xf32>, %v: tensor<1x3x4x8xf32>) {
  // expected-error@+1 {{[P3] query heads (4) must be a multiple of key/value heads (3)}}
  %o = attn.pv %p, %v : tensor<1x4x4x4xf32>, tensor<1x3x4x8xf32> -> tensor<1x4x4x8xf32>
  return
}

// -----
func.func @pv_result(%p: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{[P4] result dimension 3 is 7, expected 8}}
  %o = attn.pv %p, %v : tensor<1x1x4x4xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x7xf32>
  return
}

// -----
func.func @pv_elem(%p: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x8xbf16>) {
  // expected-error@+1 {{[P4] result element type 'f32' must match v's 'bf16'}}
  %o = attn.pv %p, %v : tensor<1x1x4x4xf32>, tensor<1x1x4x8xbf16> -> tensor<1x1x4x8xf32>
  return
}

//===--- attn.flash_attention ---------------------------------------------===//

// -----
func.func @flash_rank(%q: tensor<1x4x8xf32>, %k: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{[F1] q, k and v must have rank 4}}
  %o = attn.flash_attention %q, %k, %k {scale = 1.0 : f32} : tensor<1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----
func.func @flash_batch(%q: tensor<2x1x4x8xf32>, %k: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{[F2] q, k and v must agree on batch}}
  %o = attn.flash_attention %q, %k, %k {scale = 1.0 : f32} : tensor<2x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<2x1x4x8xf32>
  return
}

// -----
func.func @flash_kv(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x5x8xf32>) {
  // expected-error@+1 {{[F2] k 'tensor<1x1x4x8xf32>' and v 'tensor<1x1x5x8xf32>' must agree on heads and length}}
  %o = attn.flash_attention %q, %k, %v {scale = 1.0 : f32} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x5x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----
func.func @flash_head_dim(%q: tensor<1x1x4x16xf32>, %k: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{[F2] q head_dim 16 differs from k head_dim 8}}
  %o = attn.flash_attention %q, %k, %k {scale = 1.0 : f32} : tensor<1x1x4x16xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----
func.func @flash_gqa(%q: tensor<1x6x4x8xf32>, %k: tensor<1x4x4x8xf32>) {
  // expected-error@+1 {{[F3] query heads (6) must be a multiple of key/value heads (4)}}
  %o = attn.flash_attention %q, %k, %k {scale = 1.0 : f32} : tensor<1x6x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32> -> tensor<1x6x4x8xf32>
  return
}

// -----
func.func @flash_out_rank(%q: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{[F4] out must have rank 4, got 'tensor<4x8xf32>'}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<4x8xf32>
  return
}

// -----
func.func @flash_out_dim(%q: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{[F4] out dimension 2 is 5, expected 4}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x5x8xf32>
  return
}

// -----
func.func @flash_out_elem(%q: tensor<1x1x4x8xbf16>) {
  // expected-error@+1 {{[F4] out element type 'f32' must match v's 'bf16'}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32} : tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16> -> tensor<1x1x4x8xf32>
  return
}

// -----
func.func @flash_lse_flag(%q: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{[F4] the 'lse' result must be present exactly when 'return_lse' is set}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, return_lse} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----
func.func @flash_lse_shape(%q: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{[F4] lse must be [B, Hq, Lq] = [1, 1, 4], got 'tensor<1x1x5xf32>'}}
  %o, %l = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, return_lse} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>, tensor<1x1x5xf32>
  return
}

// -----
func.func @flash_scale(%q: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{[F6] scale must be finite, got INF}}
  %o = attn.flash_attention %q, %q, %q {scale = 0x7F800000 : f32} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----
func.func @flash_missing(%q: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{[F5] the mask or modifiers need operand 'q_segments', which is missing}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, mask = #attn.document} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----
func.func @flash_rel_emb_width(%q: tensor<1x1x4x8xf32>, %e: tensor<5x16xf32>) {
  // expected-error@+1 {{[F5] 'rel_emb' width 16 must equal the head_dim 8}}
  %o = attn.flash_attention %q, %q, %q rel_emb(%e : tensor<5x16xf32>) {scale = 1.0 : f32, modifiers = [#attn.rel_emb<max_distance = 2>]} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----
func.func @flash_mask_dim(%q: tensor<2x2x4x8xf32>, %m: tensor<2x3x4x4xi8>) {
  // expected-error@+1 {{[F5] operand 'mask_tensor' dimension 1 is 3, expected 2}}
  %o = attn.flash_attention %q, %q, %q mask_tensor(%m : tensor<2x3x4x4xi8>) {scale = 1.0 : f32, mask = #attn.explicit} : tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32> -> tensor<2x2x4x8xf32>
  return
}

//===--- model-level ops --------------------------------------------------===//

// -----
func.func @weight_empty() {
  // expected-error@+1 {{[W1] weight name must not be empty}}
  %w = attn.weight "" : tensor<4xf32>
  return
}

// -----
func.func @weight_dynamic() {
  // expected-error@+1 {{[W1] weight 'w' must have a static shape, got 'tensor<?xf32>'}}
  %w = attn.weight "w" : tensor<?xf32>
  return
}

// -----
func.func @linear_weight_rank(%x: tensor<2x4xf32>, %w: tensor<4xf32>) {
  // expected-error@+1 {{[L1] weight must be [out, in] and input at least rank 1}}
  %y = attn.linear %x, %w : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----
func.func @linear_features(%x: tensor<2x4xf32>, %w: tensor<8x5xf32>) {
  // expected-error@+1 {{[L1] input features 4 differ from weight's in features 5}}
  %y = attn.linear %x, %w : (tensor<2x4xf32>, tensor<8x5xf32>) -> tensor<2x8xf32>
  return
}

// -----
func.func @linear_bias(%x: tensor<2x4xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) {
  // expected-error@+1 {{[L2] bias must be [8], got 'tensor<4xf32>'}}
  %y = attn.linear %x, %w, %b : (tensor<2x4xf32>, tensor<8x4xf32>, tensor<4xf32>) -> tensor<2x8xf32>
  return
}

// -----
func.func @linear_result(%x: tensor<2x4xf32>, %w: tensor<8x4xf32>) {
  // expected-error@+1 {{[L3] result must be [..., 8] of rank 2, got 'tensor<2x4xf32>'}}
  %y = attn.linear %x, %w : (tensor<2x4xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  return
}

// -----
func.func @linear_result_lead(%x: tensor<2x4xf32>, %w: tensor<8x4xf32>) {
  // expected-error@+1 {{[L3] result dimension 0 is 3, expected 2}}
  %y = attn.linear %x, %w : (tensor<2x4xf32>, tensor<8x4xf32>) -> tensor<3x8xf32>
  return
}

// -----
func.func @layer_norm_gamma(%x: tensor<2x4xf32>, %g: tensor<5xf32>) {
  // expected-error@+1 {{[N1] gamma must be [4], got 'tensor<5xf32>'}}
  %y = attn.layer_norm %x, %g, %g {epsilon = 1.0e-5 : f32} : (tensor<2x4xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<2x4xf32>
  return
}

// -----
func.func @layer_norm_beta(%x: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<3xf32>) {
  // expected-error@+1 {{[N1] beta must be [4], got 'tensor<3xf32>'}}
  %y = attn.layer_norm %x, %g, %b {epsilon = 1.0e-5 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<3xf32>) -> tensor<2x4xf32>
  return
}

// -----
func.func @layer_norm_result(%x: tensor<2x4xf32>, %g: tensor<4xf32>) {
  // expected-error@+1 {{[N1] result type must equal the input type}}
  %y = attn.layer_norm %x, %g, %g {epsilon = 1.0e-5 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4x2xf32>
  return
}

// -----
func.func @rms_norm_result(%x: tensor<2x4xf32>, %g: tensor<4xf32>) {
  // expected-error@+1 {{[N1] result type must equal the input type}}
  %y = attn.rms_norm %x, %g {epsilon = 1.0e-5 : f32} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xbf16>
  return
}

// -----
func.func @rms_norm_gamma(%x: tensor<2x4xf32>, %g: tensor<2x2xf32>) {
  // expected-error@+1 {{[N1] gamma must be [4], got 'tensor<2x2xf32>'}}
  %y = attn.rms_norm %x, %g {epsilon = 1.0e-5 : f32} : (tensor<2x4xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  return
}

// -----
func.func @add_rank(%a: tensor<4xf32>, %b: tensor<2x4xf32>) {
  // expected-error@+1 {{[E1] rhs 'tensor<2x4xf32>' has higher rank than lhs 'tensor<4xf32>'}}
  %y = attn.add %a, %b : tensor<4xf32>, tensor<2x4xf32>
  return
}

// -----
func.func @add_suffix(%a: tensor<2x4xf32>, %b: tensor<3xf32>) {
  // expected-error@+1 {{[E1] rhs 'tensor<3xf32>' is not a suffix of lhs 'tensor<2x4xf32>'}}
  %y = attn.add %a, %b : tensor<2x4xf32>, tensor<3xf32>
  return
}

// -----
func.func @embedding_rank(%t: tensor<10x4xf32>, %ids: tensor<3xi32>) {
  // expected-error@+1 {{[G1] expected table [V, D], ids [B, L] and result [B, L, D]}}
  %y = attn.embedding %t, %ids : (tensor<10x4xf32>, tensor<3xi32>) -> tensor<1x3x4xf32>
  return
}

// -----
func.func @embedding_shape(%t: tensor<10x4xf32>, %ids: tensor<1x3xi32>) {
  // expected-error@+1 {{[G1] result 'tensor<1x3x5xf32>' does not match ids 'tensor<1x3xi32>' and table 'tensor<10x4xf32>'}}
  %y = attn.embedding %t, %ids : (tensor<10x4xf32>, tensor<1x3xi32>) -> tensor<1x3x5xf32>
  return
}

// -----
func.func @positions_rank(%x: tensor<3x4xf32>) {
  // expected-error@+1 {{[Q1] input must be [B, L, D], got 'tensor<3x4xf32>'}}
  %y = attn.positions %x : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return
}

// -----
func.func @positions_table(%x: tensor<1x3x4xf32>, %t: tensor<16x8xf32>) {
  // expected-error@+1 {{[Q1] position table must be [P, 4], got 'tensor<16x8xf32>'}}
  %y = attn.positions %x table(%t : tensor<16x8xf32>) : (tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  return
}

// -----
func.func @positions_result(%x: tensor<1x3x4xf32>) {
  // expected-error@+1 {{[Q1] result type must equal the input type}}
  %y = attn.positions %x : (tensor<1x3x4xf32>) -> tensor<1x4x4xf32>
  return
}

// -----
func.func @rope_rank(%x: tensor<1x3x4xf32>) {
  // expected-error@+1 {{[R1] rope input must be [B, H, L, D], got 'tensor<1x3x4xf32>'}}
  %y = attn.rope %x {theta = 10000.0 : f32} : tensor<1x3x4xf32>
  return
}

// -----
func.func @rope_dim(%x: tensor<1x2x3x8xf32>) {
  // expected-error@+1 {{[R1] rotary_dim 5 must be even and at most head_dim 8}}
  %y = attn.rope %x {theta = 10000.0 : f32, rotary_dim = 5} : tensor<1x2x3x8xf32>
  return
}

// -----
func.func @split_rank(%x: tensor<3x8xf32>) {
  // expected-error@+1 {{[H1] expected [B, L, H*D] -> [B, H, L, D]}}
  %y = attn.split_heads %x {num_heads = 2 : i64} : tensor<3x8xf32> -> tensor<1x2x3x4xf32>
  return
}

// -----
func.func @split_heads(%x: tensor<1x3x8xf32>) {
  // expected-error@+1 {{[H1] result 'tensor<1x4x3x4xf32>' does not match 'tensor<1x3x8xf32>' split into 2 heads}}
  %y = attn.split_heads %x {num_heads = 2 : i64} : tensor<1x3x8xf32> -> tensor<1x4x3x4xf32>
  return
}

// -----
func.func @split_last(%x: tensor<1x3x8xf32>) {
  // expected-error@+1 {{[H1] last dimension 8 is not num_heads (2) * head_dim (3)}}
  %y = attn.split_heads %x {num_heads = 2 : i64} : tensor<1x3x8xf32> -> tensor<1x2x3x3xf32>
  return
}

// -----
func.func @merge_rank(%x: tensor<2x3x4xf32>) {
  // expected-error@+1 {{[H2] expected [B, H, L, D] -> [B, L, H*D]}}
  %y = attn.merge_heads %x : tensor<2x3x4xf32> -> tensor<1x3x8xf32>
  return
}

// -----
func.func @merge_shape(%x: tensor<1x2x3x4xf32>) {
  // expected-error@+1 {{[H2] result 'tensor<1x3x9xf32>' does not match merged 'tensor<1x2x3x4xf32>'}}
  %y = attn.merge_heads %x : tensor<1x2x3x4xf32> -> tensor<1x3x9xf32>
  return
}

// -----
func.func @concat_rank(%a: tensor<2x3x4xf32>, %b: tensor<1x2x3x4xf32>) {
  // expected-error@+1 {{[C1] operands and result must have rank 4}}
  %y = attn.concat_seq %a, %b : tensor<2x3x4xf32>, tensor<1x2x3x4xf32> -> tensor<1x2x6x4xf32>
  return
}

// -----
func.func @concat_dims(%a: tensor<1x2x3x4xf32>, %b: tensor<1x3x3x4xf32>) {
  // expected-error@+1 {{[C1] 'tensor<1x2x3x4xf32>' and 'tensor<1x3x3x4xf32>' must agree on dimension 1}}
  %y = attn.concat_seq %a, %b : tensor<1x2x3x4xf32>, tensor<1x3x3x4xf32> -> tensor<1x2x6x4xf32>
  return
}

// -----
func.func @concat_length(%a: tensor<1x2x3x4xf32>, %b: tensor<1x2x5x4xf32>) {
  // expected-error@+1 {{[C1] result length 7 must be 8}}
  %y = attn.concat_seq %a, %b : tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32> -> tensor<1x2x7x4xf32>
  return
}

// -----
func.func @seq_project_rank(%x: tensor<1x2x3xf32>, %e: tensor<4x8xf32>) {
  // expected-error@+1 {{[S1] expected input [B, H, L, D], proj [K, Lmax], result [B, H, K, D]}}
  %y = attn.seq_project %x, %e : (tensor<1x2x3xf32>, tensor<4x8xf32>) -> tensor<1x2x4x3xf32>
  return
}

// -----
func.func @seq_project_length(%x: tensor<1x2x9x4xf32>, %e: tensor<4x8xf32>) {
  // expected-error@+1 {{[S1] sequence length 9 exceeds the projection's 8}}
  %y = attn.seq_project %x, %e : (tensor<1x2x9x4xf32>, tensor<4x8xf32>) -> tensor<1x2x4x4xf32>
  return
}

// -----
func.func @seq_project_result(%x: tensor<1x2x8x4xf32>, %e: tensor<4x8xf32>) {
  // expected-error@+1 {{[S1] result 'tensor<1x2x3x4xf32>' must be [B, H, 4, D]}}
  %y = attn.seq_project %x, %e : (tensor<1x2x8x4xf32>, tensor<4x8xf32>) -> tensor<1x2x3x4xf32>
  return
}

// -----
func.func @tiling_partial_not_band(%q: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{partial = 1 is only meaningful with schedule = band}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime, partial = 1>}
      : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %o : tensor<1x1x4x4xf32>
}

// -----
func.func @tiling_partial_full(%q: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{a partial band has no full tiles, got full_tiles = 2}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0, live_tiles = 3, full_tiles = 2, partial = 1>}
      : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %o : tensor<1x1x4x4xf32>
}

// -----
func.func @tiling_partial_value(%q: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+1 {{partial must be 0 or 1, got 2}}
  %o = attn.flash_attention %q, %q, %q {scale = 1.0 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, partial = 2>}
      : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %o : tensor<1x1x4x4xf32>
}
