// RUN: attn-opt %s --split-input-file --attn-fuse-attention="explain=true" --verify-diagnostics

// Every decision of attn-fuse-attention, as remarks on the op that made it.

func.func @fused(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x8xf32>
  %t = attn.scale %s {scale = 0.25 : f32} : tensor<1x1x8x8xf32>
  %m = attn.mask %t {mask = #attn.causal<>} : tensor<1x1x8x8xf32>
  %p = attn.softmax %m : tensor<1x1x8x8xf32>
  // expected-remark@+1 {{fused (qk, scale, mask, softmax, pv) into attn.flash_attention}}
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

func.func @probs_escape(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>)
    -> (tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>) {
  %s = attn.qk %q, %k : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x8xf32>
  // expected-remark@+1 {{not fused: the probabilities have 1 other user ('func.return') besides 'attn.pv'}}
  %p = attn.softmax %s : tensor<1x1x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o, %p : tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>
}

// -----

func.func @scores_escape(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>)
    -> (tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>) {
  // expected-remark@+1 {{not fused: the scores it produces have 1 other user ('func.return') besides 'attn.mask'}}
  %s = attn.qk %q, %k : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x8xf32>
  %m = attn.mask %s {mask = #attn.causal<>} : tensor<1x1x8x8xf32>
  %p = attn.softmax %m : tensor<1x1x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o, %s : tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>
}

// -----

func.func @rel_emb_other_query(%q: tensor<1x2x8x16xf32>, %q2: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                               %v: tensor<1x2x8x16xf32>, %e: tensor<15x16xf32>) -> tensor<1x2x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x8xf32>
  // expected-remark@+1 {{not fused: #attn.rel_emb reads a 'query' operand that is not the q of 'attn.qk'}}
  %u = attn.score_mod %s query(%q2 : tensor<1x2x8x16xf32>) rel_emb(%e : tensor<15x16xf32>) {modifiers = [#attn.rel_emb<max_distance = 7>]} : tensor<1x2x8x8xf32>
  %p = attn.softmax %u : tensor<1x2x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @mismatched_bottom_right(%q: tensor<1x4x4x32xf32>, %k: tensor<1x4x16x32xf32>, %v: tensor<1x4x16x32xf32>,
                                   %sl: tensor<4xf32>) -> tensor<1x4x4x32xf32> {
  %s = attn.qk %q, %k : tensor<1x4x4x32xf32>, tensor<1x4x16x32xf32> -> tensor<1x4x4x16xf32>
  %u = attn.score_mod %s alibi_slopes(%sl : tensor<4xf32>) {modifiers = [#attn.alibi]} : tensor<1x4x4x16xf32>
  // expected-remark@+1 {{not fused: it is bottom_right aligned but an earlier position-dependent op of the chain is not, and q_len may differ from kv_len}}
  %m = attn.mask %u {mask = #attn.causal<>, bottom_right} : tensor<1x4x4x16xf32>
  %p = attn.softmax %m : tensor<1x4x4x16xf32>
  %o = attn.pv %p, %v : tensor<1x4x4x16xf32>, tensor<1x4x16x32xf32> -> tensor<1x4x4x32xf32>
  return %o : tensor<1x4x4x32xf32>
}

// -----

func.func @softcap_after_mask(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x8xf32>
  %m = attn.mask %s {mask = #attn.causal<>} : tensor<1x1x8x8xf32>
  // expected-remark@+1 {{not fused: #attn.softcap after 'attn.mask' would turn hidden (-inf) scores into -cap}}
  %u = attn.score_mod %m {modifiers = [#attn.softcap<cap = 5.0>]} : tensor<1x1x8x8xf32>
  %p = attn.softmax %u : tensor<1x1x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

func.func @two_biases(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>,
                      %b1: tensor<1x1x8x8xf32>, %b2: tensor<1x1x8x8xf32>) -> tensor<1x1x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x8xf32>
  %u = attn.score_mod %s bias(%b1 : tensor<1x1x8x8xf32>) {modifiers = [#attn.bias]} : tensor<1x1x8x8xf32>
  // expected-remark@+1 {{not fused: operand 'bias' differs from the one an earlier op of the chain uses}}
  %w = attn.score_mod %u bias(%b2 : tensor<1x1x8x8xf32>) {modifiers = [#attn.bias]} : tensor<1x1x8x8xf32>
  %p = attn.softmax %w : tensor<1x1x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

func.func @scale_not_first(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x8xf32>
  %m = attn.mask %s {mask = #attn.causal<>} : tensor<1x1x8x8xf32>
  // expected-remark@+1 {{not fused: 'attn.scale' must directly follow 'attn.qk'}}
  %t = attn.scale %m {scale = 0.25 : f32} : tensor<1x1x8x8xf32>
  %p = attn.softmax %t : tensor<1x1x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

func.func @kv_heads_differ(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x8xf32>
  %p = attn.softmax %s : tensor<1x4x8x8xf32>
  // expected-remark@+1 {{not fused: k has 2 heads but v has 4; attn.flash_attention needs k and v to share heads and length}}
  %o = attn.pv %p, %v : tensor<1x4x8x8xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @not_softmax(%p: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-remark@+1 {{not fused: the probabilities are not computed by 'attn.softmax'}}
  %o = attn.pv %p, %v : tensor<1x1x8x8xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

func.func @rel_emb_width(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>,
                         %e: tensor<15x8xf32>) -> tensor<1x2x8x16xf32> {
  %s = attn.qk %q, %k : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x8xf32>
  // expected-remark@+1 {{not fused: 'rel_emb' is 8 wide but q's head_dim is 16}}
  %u = attn.score_mod %s query(%q : tensor<1x2x8x16xf32>) rel_emb(%e : tensor<15x8xf32>) {modifiers = [#attn.rel_emb<max_distance = 7>]} : tensor<1x2x8x8xf32>
  %p = attn.softmax %u : tensor<1x2x8x8xf32>
  %o = attn.pv %p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
