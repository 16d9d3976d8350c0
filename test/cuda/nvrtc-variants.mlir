// REQUIRES: nvrtc
// Every variant family (dtypes, head dims 32..256, GQA, each mask, each
// score modifier, dense/band/run-time schedules, lse) compiles with NVRTC to
// a CUBIN for Hopper (sm_90a, NVRTC's built-in ptxas assembles it) and for
// Ampere (sm_80). A kernel that does not compile fails here.
// RUN: attnc cuda %s --split-input-file --emit=cubin --arch=sm_90a --no-cache -o /dev/null
// RUN: attnc cuda %s --split-input-file --emit=cubin --arch=sm_80 --no-cache -o /dev/null
// RUN: attnc cuda %s --split-input-file --emit=cuda --arch=sm_90 | FileCheck %s

// CHECK: // kernel: mma_sm80,
func.func @dense_bf16_d64(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @dense_f16_d128(%q: tensor<2x4x?x128xf16>, %k: tensor<2x4x?x128xf16>, %v: tensor<2x4x?x128xf16>) -> tensor<2x4x?x128xf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16> -> tensor<2x4x?x128xf16>
  return %o : tensor<2x4x?x128xf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @dense_bf16_d256(%q: tensor<2x4x?x256xbf16>, %k: tensor<2x4x?x256xbf16>, %v: tensor<2x4x?x256xbf16>) -> tensor<2x4x?x256xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x256xbf16>, tensor<2x4x?x256xbf16>, tensor<2x4x?x256xbf16> -> tensor<2x4x?x256xbf16>
  return %o : tensor<2x4x?x256xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @dense_bf16_d80(%q: tensor<2x4x?x80xbf16>, %k: tensor<2x4x?x80xbf16>, %v: tensor<2x4x?x80xbf16>) -> tensor<2x4x?x80xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x80xbf16>, tensor<2x4x?x80xbf16>, tensor<2x4x?x80xbf16> -> tensor<2x4x?x80xbf16>
  return %o : tensor<2x4x?x80xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @dense_bf16_d96_gqa(%q: tensor<2x8x?x96xbf16>, %k: tensor<2x2x?x96xbf16>, %v: tensor<2x2x?x96xbf16>) -> tensor<2x8x?x96xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x8x?x96xbf16>, tensor<2x2x?x96xbf16>, tensor<2x2x?x96xbf16> -> tensor<2x8x?x96xbf16>
  return %o : tensor<2x8x?x96xbf16>
}

// -----

// CHECK: // kernel: simt,
func.func @dense_f32_d32(%q: tensor<2x4x?x32xf32>, %k: tensor<2x4x?x32xf32>, %v: tensor<2x4x?x32xf32>) -> tensor<2x4x?x32xf32> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 32, schedule = dense>}
       : tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32>, tensor<2x4x?x32xf32> -> tensor<2x4x?x32xf32>
  return %o : tensor<2x4x?x32xf32>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @causal_bf16_lse(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>) -> (tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, bottom_right, return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @window_f16(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>) -> tensor<2x4x?x64xf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.window<left = 1024>, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = band, diag_lo = -1024, diag_hi = 0>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @padding(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %kv_lengths: tensor<2xi32>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v kv_lengths(%kv_lengths : tensor<2xi32>) {scale = 0.125 : f32, mask = #attn.padding, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @strided(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.strided<stride = 32>, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @block_sparse(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %block_layout: tensor<4x?x?xi8>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v block_layout(%block_layout : tensor<4x?x?xi8>) {scale = 0.125 : f32, mask = #attn.block_sparse<block = 64>, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @prefix_lm(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %prefix_lengths: tensor<2xi32>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v prefix_lengths(%prefix_lengths : tensor<2xi32>) {scale = 0.125 : f32, mask = #attn.prefix_lm, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @document(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %q_segments: tensor<2x?xi32>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v q_segments(%q_segments : tensor<2x?xi32>) {scale = 0.125 : f32, mask = #attn.document, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @graph(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %adjacency: tensor<2x?x?xi8>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v adjacency(%adjacency : tensor<2x?x?xi8>) {scale = 0.125 : f32, mask = #attn.graph, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @local2d(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.local2d<width = 32, block_h = 8, block_w = 8, mem_top = 8, mem_left = 8, mem_right = 8, causal = 1>, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @explicit(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>, %mask_tensor: tensor<1x4x?x?xi8>) -> tensor<2x4x?x64xf16> {
  %o = attn.flash_attention %q, %k, %v mask_tensor(%mask_tensor : tensor<1x4x?x?xi8>) {scale = 0.125 : f32, mask = #attn.explicit, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @and_or(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %kv_lengths: tensor<2xi32>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v kv_lengths(%kv_lengths : tensor<2xi32>) {scale = 0.125 : f32, mask = #attn.or<[#attn.and<[#attn.causal<>, #attn.padding]>, #attn.window<left = 8, right = 8>]>, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @alibi_softcap(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>, %alibi_slopes: tensor<4xf32>) -> tensor<2x4x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v alibi_slopes(%alibi_slopes : tensor<4xf32>) {scale = 0.125 : f32, mask = #attn.causal<>, modifiers = [#attn.alibi, #attn.softcap<cap = 30.0>], tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>
  return %o : tensor<2x4x?x128xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @rel_emb(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %rel_emb: tensor<65x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v rel_emb(%rel_emb : tensor<65x64xbf16>) {scale = 0.125 : f32, modifiers = [#attn.rel_emb<max_distance = 32>], tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @t5_bias(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>, %rel_bias: tensor<32x4xf32>) -> tensor<2x4x?x64xf16> {
  %o = attn.flash_attention %q, %k, %v rel_bias(%rel_bias : tensor<32x4xf32>) {scale = 0.125 : f32, modifiers = [#attn.t5_bias<num_buckets = 32, max_distance = 128>], tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}

// -----

// CHECK: // kernel: mma_sm80,
func.func @bias(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %bias: tensor<1x4x?x?xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v bias(%bias : tensor<1x4x?x?xbf16>) {scale = 0.125 : f32, modifiers = [#attn.bias], tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// CHECK: // kernel: simt,
func.func @f32_everything(%q: tensor<2x4x?x40xf32>, %k: tensor<2x4x?x40xf32>, %v: tensor<2x4x?x40xf32>, %kv_lengths: tensor<2xi32>, %bias: tensor<2x4x?x?xf32>, %alibi_slopes: tensor<4xf32>) -> tensor<2x4x?x40xf32> {
  %o = attn.flash_attention %q, %k, %v kv_lengths(%kv_lengths : tensor<2xi32>) bias(%bias : tensor<2x4x?x?xf32>) alibi_slopes(%alibi_slopes : tensor<4xf32>) {scale = 0.125 : f32, mask = #attn.and<[#attn.causal<>, #attn.padding]>, modifiers = [#attn.alibi, #attn.bias], tiling = #attn.tiling<q_tile = 32, k_tile = 32, schedule = runtime>}
       : tensor<2x4x?x40xf32>, tensor<2x4x?x40xf32>, tensor<2x4x?x40xf32> -> tensor<2x4x?x40xf32>
  return %o : tensor<2x4x?x40xf32>
}
