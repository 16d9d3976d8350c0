// REQUIRES: cuda-device, nvrtc
// GPU numerics of every score modifier (ALiBi, rel_emb, T5 bias, soft-capping,
// additive bias incl. -inf entries and a bf16 bias), alone and composed with
// masks, with the log-sum-exp returned.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attnc cuda %s --split-input-file --emit=artifact --arch=sm_90a,sm_80 --artifact-dir=%t
// RUN: attnc-run attention %t/alibi_softcap_causal.attnc-gpu --lq 239 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/alibi_runtime_slopes.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/softcap.attnc-gpu --lq 113 --lk 239 --large-logits --check | FileCheck %s
// RUN: attnc-run attention %t/rel_emb.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/t5_bias_bidirectional.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/t5_bias_causal_decoder.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/bias_bf16.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/bias_f32_padding.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// RUN: attnc-run attention %t/f32_everything.attnc-gpu --lq 113 --lk 239 --check | FileCheck %s
// CHECK: check: PASS

func.func @alibi_softcap_causal(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>) -> (tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>) {
  %alibi_slopes = arith.constant dense<[0.25, 0.0625, 0.015625, 0.00390625]> : tensor<4xf32>
  %o, %lse = attn.flash_attention %q, %k, %v alibi_slopes(%alibi_slopes : tensor<4xf32>) {scale = 0.0883883476 : f32, mask = #attn.causal<>, modifiers = [#attn.alibi, #attn.softcap<cap = 30.0>], return_lse, tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @alibi_runtime_slopes(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>, %alibi_slopes: tensor<4xf32>) -> tensor<2x4x?x64xf16> {
  %o = attn.flash_attention %q, %k, %v alibi_slopes(%alibi_slopes : tensor<4xf32>) {scale = 0.125 : f32, modifiers = [#attn.alibi], tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}

// -----

func.func @softcap(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, modifiers = [#attn.softcap<cap = 5.0>], return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @rel_emb(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %rel_emb: tensor<33x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v rel_emb(%rel_emb : tensor<33x64xbf16>) {scale = 0.125 : f32, modifiers = [#attn.rel_emb<max_distance = 16>], tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

func.func @t5_bias_bidirectional(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>, %rel_bias: tensor<32x4xf32>) -> (tensor<2x4x?x64xf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v rel_bias(%rel_bias : tensor<32x4xf32>) {scale = 0.125 : f32, modifiers = [#attn.t5_bias<num_buckets = 32, max_distance = 128>], return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
}

// -----

func.func @t5_bias_causal_decoder(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %rel_bias: tensor<32x4xf32>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v rel_bias(%rel_bias : tensor<32x4xf32>) {scale = 0.125 : f32, mask = #attn.causal<>, modifiers = [#attn.t5_bias<num_buckets = 32, max_distance = 128, bidirectional = 0>], bottom_right, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

func.func @bias_bf16(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>, %bias: tensor<1x4x?x?xbf16>) -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v bias(%bias : tensor<1x4x?x?xbf16>) {scale = 0.125 : f32, modifiers = [#attn.bias], return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
}

// -----

func.func @bias_f32_padding(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>, %kv_lengths: tensor<2xi32>, %bias: tensor<2x4x?x?xf32>) -> tensor<2x4x?x64xf16> {
  %o = attn.flash_attention %q, %k, %v kv_lengths(%kv_lengths : tensor<2xi32>) bias(%bias : tensor<2x4x?x?xf32>) {scale = 0.125 : f32, mask = #attn.padding, modifiers = [#attn.bias], tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}

// -----

func.func @f32_everything(%q: tensor<2x4x?x40xf32>, %k: tensor<2x4x?x40xf32>, %v: tensor<2x4x?x40xf32>, %kv_lengths: tensor<2xi32>, %bias: tensor<2x4x?x?xf32>, %alibi_slopes: tensor<4xf32>) -> (tensor<2x4x?x40xf32>, tensor<2x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v kv_lengths(%kv_lengths : tensor<2xi32>) bias(%bias : tensor<2x4x?x?xf32>) alibi_slopes(%alibi_slopes : tensor<4xf32>) {scale = 0.158113883 : f32, mask = #attn.and<[#attn.causal<>, #attn.padding]>, modifiers = [#attn.alibi, #attn.softcap<cap = 20.0>, #attn.bias], return_lse, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x40xf32>, tensor<2x4x?x40xf32>, tensor<2x4x?x40xf32> -> tensor<2x4x?x40xf32>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x40xf32>, tensor<2x4x?xf32>
}
