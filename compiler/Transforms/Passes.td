//===- Passes.td - attn-level transformations --------------*- tablegen -*-===//
//
// The passes that take the decomposed attention the frontend emits to a
// scheduled attn.flash_attention the code generators accept. Each pass's
// flag matches its lit test under test/Transforms/.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_TRANSFORMS_PASSES_TD
#define ATTNC_COMPILER_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnFuseAttention : Pass<"attn-fuse-attention"> {
  let summary = "Fuse qk/scale/score_mod/mask/softmax/pv chains into attn.flash_attention";
  let description = [{
    Matches, backwards from every `attn.softmax` whose only user is the
    `probs` operand of an `attn.pv`, the chain

      attn.qk -> [attn.scale] -> (attn.score_mod | attn.mask)* -> attn.softmax -> attn.pv

    and replaces it with one `attn.flash_attention`. Modifiers keep their
    order; several masks become one `#attn.and`. A mask may precede a
    modifier only when that modifier is additive (it cannot un-hide a -inf
    score; `#attn.softcap` can, so a mask before a soft-cap is not fused).
    Grouped-query (fewer K/V heads) and cross-attention (q_len != kv_len)
    chains fuse like any other.

    A chain is left as it is, and still correct, when fusing would change
    its meaning or lose a value: an intermediate (scores, probabilities) has
    another user, the ops disagree on `bottom_right` while positions depend
    on it, two ops carry different values for the same auxiliary operand, a
    `#attn.rel_emb` reads a query other than the one fed to attn.qk, K and V
    have different head counts, or a scale is not right after attn.qk. With
    `explain=true` every such decision (and every fusion) is reported with
    `emitRemark` on the op that decided it.
  }];
  let dependentDialects = ["::mlir::attn::AttnDialect"];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Emit a remark for every attention chain: fused, or why not">,
  ];
}

def AttnTileAttention : Pass<"attn-tile-attention"> {
  let summary = "Choose tile sizes and the live-tile schedule of attn.flash_attention";
  let description = [{
    Gives every `attn.flash_attention` a `#attn.tiling`. Tile sizes come from
    the target configuration (compiler/Transforms/TargetConfig.h) unless the
    `q-tile` / `k-tile` options override them. The schedule follows the mask:
    `dense` without one, `band` when it is a pure function of positions
    (diagonal bounds: intersection for `and`, hull for `or`; `partial = 1`
    when the band only bounds it), `runtime` when it reads data (with the
    band of its positional `and` members, if any). With static sequence
    lengths the op also records its live and full tile counts per head,
    computed by compiler/Transforms/TileSchedule.h, the classification the
    code generators use.
  }];
  let dependentDialects = ["::mlir::attn::AttnDialect"];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "Target whose tile configuration to use: cpu (the host), cpu-x86-avx512, "
           "cpu-x86-avx2, cuda (cuda-sm90), cuda-sm80, cuda-sm90">,
    Option<"qTile", "q-tile", "int64_t", /*default=*/"0",
           "Query tile size (0: from the target configuration)">,
    Option<"kTile", "k-tile", "int64_t", /*default=*/"0",
           "Key tile size (0: from the target configuration)">,
  ];
}

#endif // ATTNC_COMPILER_TRANSFORMS_PASSES_TD
