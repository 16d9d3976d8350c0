// RUN: attnc cuda %s --split-input-file --emit=cuda | FileCheck %s

// Every mask and score modifier of the dialect becomes inline device code:
// masks form the body of attnc_visible (composed with && / ||), modifiers
// are applied in list order in attnc_modify, after the scale and before the
// mask (the kernel bodies call attnc_modify first).

// The intersection is still a band, -64 <= j - i' <= 0 (tighter than the
// tiling's): full tiles skip the mask.
// CHECK: constexpr bool kMaskIsBand = true;
// CHECK: constexpr long long kFullLo = -64;
// CHECK: constexpr long long kFullHi = 0;
// CHECK-LABEL: // mask: and(causal(2),window(64,0))
// CHECK-NEXT: ATTNC_DEVICE bool attnc_visible(
// CHECK: return (attnc_mask_causal(ip, j, 2LL) && attnc_mask_window(ip, j, 64LL, 0LL));
func.func @and_band(%q: tensor<1x1x256x64xbf16>, %k: tensor<1x1x256x64xbf16>, %v: tensor<1x1x256x64xbf16>) -> tensor<1x1x256x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.and<[#attn.causal<offset = 2>, #attn.window<left = 64, right = 0>]>,
         tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_lo = -64, diag_hi = 2>}
       : tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16>, tensor<1x1x256x64xbf16> -> tensor<1x1x256x64xbf16>
  return %o : tensor<1x1x256x64xbf16>
}

// -----

// Data-dependent masks take the run-time schedule: a classify kernel builds
// the tile map (per batch here, as padding reads kv_lengths[b]).
// CHECK: constexpr int kSchedule = kScheduleRuntime;
// CHECK: constexpr bool kTileMapPerBatch = true;
// CHECK: constexpr bool kTileMapPerHead = false;
// CHECK-LABEL: // mask: or(padding,strided(16),prefix_lm)
// CHECK: return (attnc_mask_padding(p, b, j) || attnc_mask_strided(ip, j, 16LL) || attnc_mask_prefix_lm(p, b, ip, j));
// CHECK: extern "C" __global__ void __launch_bounds__(256) [[NAME:attnc_fa_[0-9a-f]+]]_classify(const AttncAttnParams p)
// CHECK-NEXT: attnc_classify_body(p);
func.func @or_runtime(%q: tensor<2x1x256x64xbf16>, %k: tensor<2x1x256x64xbf16>, %v: tensor<2x1x256x64xbf16>, %len: tensor<2xi32>, %pre: tensor<2xi32>) -> tensor<2x1x256x64xbf16> {
  %o = attn.flash_attention %q, %k, %v kv_lengths(%len : tensor<2xi32>) prefix_lengths(%pre : tensor<2xi32>)
         {scale = 0.125 : f32, mask = #attn.or<[#attn.padding, #attn.strided<stride = 16>, #attn.prefix_lm]>,
          tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x1x256x64xbf16>, tensor<2x1x256x64xbf16>, tensor<2x1x256x64xbf16> -> tensor<2x1x256x64xbf16>
  return %o : tensor<2x1x256x64xbf16>
}

// -----

// CHECK: constexpr bool kTileMapPerHead = true;
// CHECK-LABEL: // mask: and(block_sparse(64),explicit,graph)
// CHECK: return (attnc_mask_block_sparse(p, h, i, j, 64LL) && attnc_mask_explicit(p, b, h, i, j) && attnc_mask_graph(p, b, i, j));
func.func @tensor_masks(%q: tensor<1x2x128x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>, %bl: tensor<2x2x2xi8>, %m: tensor<1x2x128x128xi8>, %adj: tensor<1x128x128xi8>) -> tensor<1x2x128x64xf16> {
  %o = attn.flash_attention %q, %k, %v adjacency(%adj : tensor<1x128x128xi8>) block_layout(%bl : tensor<2x2x2xi8>) mask_tensor(%m : tensor<1x2x128x128xi8>)
         {scale = 0.125 : f32, mask = #attn.and<[#attn.block_sparse<block = 64>, #attn.explicit, #attn.graph]>,
          tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16> -> tensor<1x2x128x64xf16>
  return %o : tensor<1x2x128x64xf16>
}

// -----

// Documents with separate key ids (cross-attention), and 2-D local attention.
// CHECK-LABEL: // mask: or(document,local2d(32,8,8,8,4,4,1))
// CHECK: return (attnc_mask_document<true>(p, b, i, j) || attnc_mask_local2d(ip, j, 32LL, 8LL, 8LL, 8LL, 4LL, 4LL, true));
func.func @document_local2d(%q: tensor<1x1x1024x64xbf16>, %k: tensor<1x1x1024x64xbf16>, %v: tensor<1x1x1024x64xbf16>, %qs: tensor<1x1024xi32>, %ks: tensor<1x1024xi32>) -> tensor<1x1x1024x64xbf16> {
  %o = attn.flash_attention %q, %k, %v q_segments(%qs : tensor<1x1024xi32>) kv_segments(%ks : tensor<1x1024xi32>)
         {scale = 0.125 : f32, mask = #attn.or<[#attn.document, #attn.local2d<width = 32, block_h = 8, block_w = 8, mem_top = 8, mem_left = 4, mem_right = 4, causal = 1>]>,
          tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16>, tensor<1x1x1024x64xbf16> -> tensor<1x1x1024x64xbf16>
  return %o : tensor<1x1x1024x64xbf16>
}

// -----

// Modifiers in list order; bias and relative embeddings keep their own
// element types.
// CHECK: typedef __half attnc_bias_t;
// CHECK: typedef __nv_bfloat16 attnc_rel_emb_t;
// CHECK: constexpr bool kHasMods = true;
// CHECK-LABEL: // modifiers: alibi;rel_emb(16);t5_bias(32,128,1);bias;softcap(50)
// CHECK: s = attnc_mod_alibi(s, p, h, ip, j);
// CHECK-NEXT: s = attnc_mod_rel_emb<attnc_elem_t, attnc_rel_emb_t>(s, p, q_row, ip, j, 16LL, attnc_cfg::kHeadDim);
// CHECK-NEXT: s = attnc_mod_t5_bias(s, p, h, ip, j, 32, 128, true);
// CHECK-NEXT: s = attnc_mod_bias<attnc_bias_t>(s, p, b, h, i, j);
// CHECK-NEXT: s = attnc_mod_softcap(s, 5.000000000e+01f);
// CHECK-NEXT: return s;
func.func @modifiers(%q: tensor<1x4x128x64xbf16>, %k: tensor<1x4x128x64xbf16>, %v: tensor<1x4x128x64xbf16>, %sl: tensor<4xf32>, %e: tensor<33x64xbf16>, %rb: tensor<32x4xf32>, %bias: tensor<1x1x128x128xf16>) -> tensor<1x4x128x64xbf16> {
  %o = attn.flash_attention %q, %k, %v bias(%bias : tensor<1x1x128x128xf16>) alibi_slopes(%sl : tensor<4xf32>) rel_emb(%e : tensor<33x64xbf16>) rel_bias(%rb : tensor<32x4xf32>)
         {scale = 0.125 : f32, modifiers = [#attn.alibi, #attn.rel_emb<max_distance = 16>, #attn.t5_bias<num_buckets = 32, max_distance = 128, bidirectional = 1>, #attn.bias, #attn.softcap<cap = 50.0>],
          tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<1x4x128x64xbf16>, tensor<1x4x128x64xbf16>, tensor<1x4x128x64xbf16> -> tensor<1x4x128x64xbf16>
  return %o : tensor<1x4x128x64xbf16>
}
