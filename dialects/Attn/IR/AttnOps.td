//===- AttnOps.td - attn dialect operations -----------------*- tablegen -*-===//
//
// Three groups of ops:
//  1. decomposed attention (qk, scale, score_mod, mask, softmax, pv), which
//     is what the frontend emits and what `attn-fuse-attention` matches;
//  2. the fused flash-style op, `attn.flash_attention`;
//  3. model-level ops for whole transformers (weights, linear, norms,
//     activations, embeddings, positions, head reshapes).
// All ops have value semantics on ranked tensors. Verifiers check what the
// traits cannot; each message names the values involved, and the constraint
// ids ([A1], [F3], ...) match docs/dialect.md so an error traces to a rule.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_OPS_TD
#define ATTN_OPS_TD

include "AttnAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/OpBase.td"

def Attn_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def Attn_F32Tensor : RankedTensorOf<[F32]>;
def Attn_I32Tensor : RankedTensorOf<[I32]>;
def Attn_BoolTensor : RankedTensorOf<[I1, I8]>;

// Operands that masks and score modifiers read. Shared by attn.mask,
// attn.score_mod and attn.flash_attention so that fusion only moves them.
defvar Attn_AuxOperands = (ins
  Optional<Attn_I32Tensor>:$kv_lengths,
  Optional<Attn_I32Tensor>:$prefix_lengths,
  Optional<Attn_I32Tensor>:$q_segments,
  Optional<Attn_I32Tensor>:$kv_segments,
  Optional<Attn_BoolTensor>:$adjacency,
  Optional<Attn_BoolTensor>:$block_layout,
  Optional<Attn_BoolTensor>:$mask_tensor,
  Optional<Attn_FloatTensor>:$bias,
  Optional<Attn_F32Tensor>:$alibi_slopes,
  Optional<Attn_FloatTensor>:$rel_emb,
  Optional<Attn_F32Tensor>:$rel_bias);

defvar Attn_AuxFormat = [{
    (`kv_lengths` `(` $kv_lengths^ `:` type($kv_lengths) `)`)?
    (`prefix_lengths` `(` $prefix_lengths^ `:` type($prefix_lengths) `)`)?
    (`q_segments` `(` $q_segments^ `:` type($q_segments) `)`)?
    (`kv_segments` `(` $kv_segments^ `:` type($kv_segments) `)`)?
    (`adjacency` `(` $adjacency^ `:` type($adjacency) `)`)?
    (`block_layout` `(` $block_layout^ `:` type($block_layout) `)`)?
    (`mask_tensor` `(` $mask_tensor^ `:` type($mask_tensor) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`alibi_slopes` `(` $alibi_slopes^ `:` type($alibi_slopes) `)`)?
    (`rel_emb` `(` $rel_emb^ `:` type($rel_emb) `)`)?
    (`rel_bias` `(` $rel_bias^ `:` type($rel_bias) `)`)?
}];

class Attn_PureOp<string mnemonic, list<Trait> traits = []>
    : Attn_Op<mnemonic, !listconcat(traits, [Pure])>;

//===----------------------------------------------------------------------===//
// Decomposed attention
//===----------------------------------------------------------------------===//

def Attn_QKOp : Attn_PureOp<"qk"> {
  let summary = "Attention scores Q·Kᵀ (grouped-query aware)";
  let description = [{
    `q: [B, Hq, Lq, D]`, `k: [B, Hk, Lk, D]` give `scores: [B, Hq, Lq, Lk]`
    in f32. Query head h reads key head `h / (Hq / Hk)`.
    Constraints: [A1] q and k have rank 4; [A2] batch and head dim agree;
    [A3] Hq is a multiple of Hk; [A4] the result shape is [B, Hq, Lq, Lk].

    Example:
    ```mlir
    %s = attn.qk %q, %k : tensor<2x8x128x64xf32>, tensor<2x2x128x64xf32> -> tensor<2x8x128x128xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$q, Attn_FloatTensor:$k);
  let results = (outs Attn_F32Tensor:$scores);
  let assemblyFormat = "$q `,` $k attr-dict `:` type($q) `,` type($k) `->` type($scores)";
  let hasVerifier = 1;
}

def Attn_ScaleOp : Attn_PureOp<"scale", [SameOperandsAndResultType]> {
  let summary = "Multiply scores by a constant";
  let description = [{
    Example:
    ```mlir
    %t = attn.scale %s {scale = 0.125 : f32} : tensor<1x8x64x64xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$input, F32Attr:$scale);
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Attn_ScoreModOp : Attn_PureOp<"score_mod", [AttrSizedOperandSegments, AllTypesMatch<["scores", "result"]>]> {
  let summary = "Apply score modifiers (ALiBi, relative logits, T5 bias, soft-cap, bias)";
  let description = [{
    Applies `modifiers` in order to `scores: [B, Hq, Lq, Lk]`. Relative
    embedding logits also need the query (`query` operand). Each modifier's
    operand must be present and no unused operand may be given.
    Constraints: [M1] every element of `modifiers` is a score modifier
    attribute; [M2] each modifier's operand is present; [M3] no operand is
    left unused; [M4] operand shapes agree with the scores.

    Example:
    ```mlir
    %t = attn.score_mod %s alibi_slopes(%sl : tensor<8xf32>) {modifiers = [#attn.alibi, #attn.softcap<cap = 30.0>]}
         : tensor<1x8x64x64xf32>
    ```
  }];
  let arguments = !con((ins Attn_F32Tensor:$scores, Optional<Attn_FloatTensor>:$query),
                       Attn_AuxOperands,
                       (ins ArrayAttr:$modifiers, UnitAttr:$bottom_right));
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = !strconcat("$scores (`query` `(` $query^ `:` type($query) `)`)? ", Attn_AuxFormat,
                                   " attr-dict `:` type($result)");
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "::mlir::Value":$scores, "::mlir::Value":$query,
      "const ::mlir::attn::AuxOperands &":$aux, "::mlir::ArrayAttr":$modifiers, "bool":$bottomRight)>];
}

def Attn_MaskOp : Attn_PureOp<"mask", [AttrSizedOperandSegments, AllTypesMatch<["scores", "result"]>]> {
  let summary = "Set masked-out scores to -inf";
  let description = [{
    Scores of (query, key) pairs the `mask` hides become -inf; the others are
    unchanged. Constraints: [K1] `mask` is a mask attribute; [K2] each
    data-dependent mask has its operand; [K3] no operand is left unused;
    [K4] operand shapes agree with the scores.

    Example:
    ```mlir
    %m = attn.mask %s kv_lengths(%len : tensor<2xi32>) {mask = #attn.and<[#attn.causal<>, #attn.padding]>}
         : tensor<2x8x64x64xf32>
    ```
  }];
  let arguments = !con((ins Attn_F32Tensor:$scores), Attn_AuxOperands,
                       (ins AnyAttr:$mask, UnitAttr:$bottom_right));
  let results = (outs Attn_F32Tensor:$result);
  let assemblyFormat = !strconcat("$scores ", Attn_AuxFormat, " attr-dict `:` type($result)");
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "::mlir::Value":$scores,
      "const ::mlir::attn::AuxOperands &":$aux, "::mlir::Attribute":$mask, "bool":$bottomRight)>];
}

def Attn_SoftmaxOp : Attn_PureOp<"softmax", [SameOperandsAndResultType]> {
  let summary = "Softmax over the last dimension (rows of -inf give 0)";
  let description = [{
    Numerically stable (max-subtracted). A row whose entries are all -inf
    (a fully masked query) becomes all zeros, never NaN.

    Example:
    ```mlir
    %p = attn.softmax %s : tensor<1x8x64x64xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$input);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Attn_PVOp : Attn_PureOp<"pv"> {
  let summary = "Probabilities times V (grouped-query aware)";
  let description = [{
    `probs: [B, Hq, Lq, Lk]`, `v: [B, Hk, Lk, Dv]` give `[B, Hq, Lq, Dv]` in
    the element type of v. Constraints: [P1] ranks are 4; [P2] batch, kv
    length agree; [P3] Hq is a multiple of Hk; [P4] result shape.

    Example:
    ```mlir
    %o = attn.pv %p, %v : tensor<1x8x64x64xf32>, tensor<1x8x64x32xf32> -> tensor<1x8x64x32xf32>
    ```
  }];
  let arguments = (ins Attn_F32Tensor:$probs, Attn_FloatTensor:$v);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$probs `,` $v attr-dict `:` type($probs) `,` type($v) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fused attention
//===----------------------------------------------------------------------===//

def Attn_FlashAttentionOp : Attn_PureOp<"flash_attention", [AttrSizedOperandSegments]> {
  let summary = "Fused attention: softmax(mask(mods(scale·QKᵀ)))·V without the score matrix";
  let description = [{
    Computes, for every batch b, query head h and query row i,
    `out[b,h,i] = sum_j p_ij v[b, h/g, j]` with `p = softmax_j(mask(mods(scale *
    q_i . k_j)))` and `g = Hq / Hk`, using an online softmax over key tiles:
    the Lq x Lk score matrix is never materialised. Rows with no visible key
    produce 0 and, when requested, a log-sum-exp of -inf.

    `tiling` is added by `attn-tile-attention`; code generators require it.
    `kernel` names the outlined kernel function once the op has been outlined.

    Constraints: [F1] q, k, v have rank 4; [F2] batch agrees, k and v agree on
    heads and length, q and k on head_dim; [F3] Hq is a multiple of Hk;
    [F4] out is [B, Hq, Lq, Dv] with v's element type, lse is [B, Hq, Lq] f32;
    [F5] the mask and modifiers have their operands and none is unused;
    [F6] `scale` is finite.

    Example:
    ```mlir
    %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>}
         : tensor<1x8x1024x64xf32>, tensor<1x8x1024x64xf32>, tensor<1x8x1024x64xf32> -> tensor<1x8x1024x64xf32>
    ```
  }];
  let arguments = !con((ins Attn_FloatTensor:$q, Attn_FloatTensor:$k, Attn_FloatTensor:$v),
                       Attn_AuxOperands,
                       (ins F32Attr:$scale, OptionalAttr<AnyAttr>:$mask,
                            DefaultValuedAttr<ArrayAttr, "{}">:$modifiers,
                            OptionalAttr<Attn_TilingAttr>:$tiling,
                            UnitAttr:$bottom_right, UnitAttr:$return_lse,
                            OptionalAttr<FlatSymbolRefAttr>:$kernel));
  let results = (outs Attn_FloatTensor:$out, Optional<Attn_F32Tensor>:$lse);
  let assemblyFormat = !strconcat("$q `,` $k `,` $v ", Attn_AuxFormat,
                       " attr-dict `:` type($q) `,` type($k) `,` type($v) `->` type(results)");
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "::mlir::Type":$outType, "::mlir::Type":$lseType,
      "::mlir::Value":$q, "::mlir::Value":$k, "::mlir::Value":$v,
      "const ::mlir::attn::AuxOperands &":$aux, "float":$scale, "::mlir::Attribute":$mask,
      "::mlir::ArrayAttr":$modifiers, "bool":$bottomRight)>];
  let extraClassDeclaration = [{
    /// Number of query heads per key/value head.
    int64_t getGroupSize();
    ::mlir::attn::AuxOperands getAuxOperands();
  }];
}

//===----------------------------------------------------------------------===//
// Model-level ops
//===----------------------------------------------------------------------===//

def Attn_WeightOp : Attn_PureOp<"weight"> {
  let summary = "A named parameter tensor, bound at run time from a weight file";
  let description = [{
    The name follows the scheme in docs/weights.md (e.g.
    `decoder.layers.0.attn.q_proj.weight`). Constraint: [W1] the name is not
    empty and the shape is static.

    Example:
    ```mlir
    %w = attn.weight "decoder.layers.0.attn.q_proj.weight" : tensor<768x768xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Attn_LinearOp : Attn_PureOp<"linear"> {
  let summary = "y = x·Wᵀ (+ b), W stored [out, in] as in PyTorch";
  let description = [{
    `x: [..., in]`, `weight: [out, in]`, `bias: [out]`. Constraints: [L1] the
    inner dimensions agree; [L2] the bias has `out` elements; [L3] the result
    is `[..., out]`.

    Example:
    ```mlir
    %y = attn.linear %x, %w, %b : (tensor<1x?x768xf32>, tensor<2304x768xf32>, tensor<2304xf32>) -> tensor<1x?x2304xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$input, Attn_FloatTensor:$weight, Optional<Attn_FloatTensor>:$bias);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Attn_LayerNormOp : Attn_PureOp<"layer_norm"> {
  let summary = "Layer normalisation over the last dimension";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * gamma + beta`, biased variance.
    Constraint: [N1] gamma and beta have the size of x's last dimension.

    Example:
    ```mlir
    %y = attn.layer_norm %x, %g, %b {epsilon = 1.0e-5 : f32} : (tensor<1x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<1x?x768xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$input, Attn_FloatTensor:$gamma, Attn_FloatTensor:$beta, F32Attr:$epsilon);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$input `,` $gamma `,` $beta attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Attn_RMSNormOp : Attn_PureOp<"rms_norm"> {
  let summary = "RMS normalisation over the last dimension";
  let description = [{
    `x / sqrt(mean(x^2) + epsilon) * gamma`. Constraint: [N1] gamma has the
    size of x's last dimension.

    Example:
    ```mlir
    %y = attn.rms_norm %x, %g {epsilon = 1.0e-6 : f32} : (tensor<1x?x4096xf32>, tensor<4096xf32>) -> tensor<1x?x4096xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$input, Attn_FloatTensor:$gamma, F32Attr:$epsilon);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$input `,` $gamma attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Attn_ActivationOp : Attn_PureOp<"activation", [SameOperandsAndResultType]> {
  let summary = "Element-wise activation";
  let description = [{
    Example:
    ```mlir
    %y = attn.activation %x {kind = #attn<activation gelu_tanh>} : tensor<1x?x3072xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$input, Attn_ActivationAttr:$kind);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Attn_GLUOp : Attn_PureOp<"glu", [SameOperandsAndResultType]> {
  let summary = "Gated linear unit: act(gate) * up (SwiGLU with silu)";
  let description = [{
    Example:
    ```mlir
    %y = attn.glu %gate, %up {kind = #attn<activation silu>} : tensor<1x?x11008xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$gate, Attn_FloatTensor:$up, Attn_ActivationAttr:$kind);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
}

def Attn_AddOp : Attn_PureOp<"add", [AllTypesMatch<["lhs", "result"]>]> {
  let summary = "Element-wise addition (residuals); rhs may broadcast on leading dims";
  let description = [{
    `rhs` has the shape of `lhs` or a suffix of it (e.g. positions [L, D]
    added to activations [B, L, D]). Constraint: [E1] rhs's shape is a suffix
    of lhs's (dynamic sizes match anything).

    Example:
    ```mlir
    %y = attn.add %x, %r : tensor<1x?x768xf32>, tensor<1x?x768xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$lhs, Attn_FloatTensor:$rhs);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "::mlir::Value":$lhs, "::mlir::Value":$rhs), [{
    build($_builder, $_state, lhs.getType(), lhs, rhs);
  }]>];
}

def Attn_EmbeddingOp : Attn_PureOp<"embedding"> {
  let summary = "Gather rows of an embedding table";
  let description = [{
    `table: [V, D]`, `ids: [B, L] i32` give `[B, L, D]`. Ids out of range are
    a run-time error reported by the runtime. Constraint: [G1] shapes.

    Example:
    ```mlir
    %x = attn.embedding %table, %ids : (tensor<50257x768xf32>, tensor<1x?xi32>) -> tensor<1x?x768xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$table, Attn_I32Tensor:$ids);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$table `,` $ids attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Attn_PositionsOp : Attn_PureOp<"positions", [AttrSizedOperandSegments]> {
  let summary = "Add absolute positions (sinusoidal or learned) to [B, L, D] activations";
  let description = [{
    Row l of batch b gets position `offset + l`, where `offset` (an i64
    scalar operand, 0 when absent) is the number of tokens already in a KV
    cache. With a `table: [P, D]` operand the positions are learned;
    without it they are the sinusoids of "Attention Is All You Need".
    Constraint: [Q1] table width equals D.

    Example:
    ```mlir
    %y = attn.positions %x : (tensor<1x?x512xf32>) -> tensor<1x?x512xf32>
    %z = attn.positions %x table(%wpe : tensor<1024x768xf32>) offset(%n : i64) : (tensor<1x?x768xf32>) -> tensor<1x?x768xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$input, Optional<Attn_FloatTensor>:$table, Optional<I64>:$offset);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`table` `(` $table^ `:` type($table) `)`)? (`offset` `(` $offset^ `:` type($offset) `)`)?
    attr-dict `:` functional-type($input, $result)
  }];
  let hasVerifier = 1;
}

def Attn_RopeOp : Attn_PureOp<"rope", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Rotary position embedding on [B, H, L, D] (half-split pairing)";
  let description = [{
    Rotates dimension pairs (d, d + rotary_dim/2) of the first `rotary_dim`
    dims (all of D when 0) by angle `(offset + l) * theta^(-2d/rotary_dim)`,
    as Llama and GPT-NeoX do. Constraint: [R1] rotary_dim is even and <= D.

    Example:
    ```mlir
    %q2 = attn.rope %q {theta = 10000.0 : f32} : tensor<1x32x?x128xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$input, Optional<I64>:$offset, F32Attr:$theta,
                       DefaultValuedAttr<I64Attr, "0">:$rotary_dim);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$input (`offset` `(` $offset^ `:` type($offset) `)`)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Attn_SplitHeadsOp : Attn_PureOp<"split_heads"> {
  let summary = "[B, L, H*D] -> [B, H, L, D]";
  let description = [{
    Constraint: [H1] the last dimension is `num_heads * head_dim` of the result.

    Example:
    ```mlir
    %q = attn.split_heads %x {num_heads = 12 : i64} : tensor<1x?x768xf32> -> tensor<1x12x?x64xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$input, I64Attr:$num_heads);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Attn_MergeHeadsOp : Attn_PureOp<"merge_heads"> {
  let summary = "[B, H, L, D] -> [B, L, H*D]";
  let description = [{
    Constraint: [H2] the result's last dimension is H*D.

    Example:
    ```mlir
    %x = attn.merge_heads %o : tensor<1x12x?x64xf32> -> tensor<1x?x768xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$input);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Attn_ConcatSeqOp : Attn_PureOp<"concat_seq"> {
  let summary = "Concatenate [B, H, L, D] tensors along L (Transformer-XL memory)";
  let description = [{
    Constraint: [C1] the operands agree on B, H and D, and the result length
    is the sum when static.

    Example:
    ```mlir
    %kk = attn.concat_seq %mem, %k : tensor<1x8x128x64xf32>, tensor<1x8x?x64xf32> -> tensor<1x8x?x64xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$lhs, Attn_FloatTensor:$rhs);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
  let hasVerifier = 1;
}

def Attn_SeqProjectOp : Attn_PureOp<"seq_project"> {
  let summary = "Project [B, H, L, D] along L to a fixed length (Linformer)";
  let description = [{
    `proj: [K, Lmax]`; the result is `[B, H, K, D]` with
    `out[b,h,k] = sum_{l < L} proj[k, l] * x[b,h,l]` (columns beyond the
    actual length are ignored). Constraint: [S1] shapes.

    Example:
    ```mlir
    %kp = attn.seq_project %k, %e : (tensor<1x8x?x64xf32>, tensor<256x4096xf32>) -> tensor<1x8x256x64xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$input, Attn_FloatTensor:$proj);
  let results = (outs Attn_FloatTensor:$result);
  let assemblyFormat = "$input `,` $proj attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // ATTN_OPS_TD
