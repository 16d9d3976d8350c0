//===- AttnAttrs.td - Masks, score modifiers and tiling ----*- tablegen -*-===//
//
// Masks decide which (query, key) pairs may attend; score modifiers change
// the logit of a pair that may. Both are pure functions of the positions
// (see the dialect description for the position convention) and, for the
// data-dependent ones, of a named operand of the op that carries them.
// The tiling attribute records the schedule chosen by
// `attn-tile-attention` so that code generators and lit tests can read it.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_ATTRS_TD
#define ATTN_ATTRS_TD

include "AttnDialect.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Attn_ActivationKind : I32EnumAttr<"ActivationKind", "element-wise activation", [
    I32EnumAttrCase<"relu", 0>, I32EnumAttrCase<"gelu", 1>,
    I32EnumAttrCase<"gelu_tanh", 2>, I32EnumAttrCase<"silu", 3>]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}
def Attn_ActivationAttr : EnumAttr<Attn_Dialect, Attn_ActivationKind, "activation"> {
  let summary = "An element-wise activation function";
  let description = [{
    `relu`, `gelu` (exact, erf-based), `gelu_tanh` (the tanh approximation
    GPT-2 uses) or `silu` (x·sigmoid(x)).

    Example: `#attn<activation gelu_tanh>`
  }];
}

def Attn_TileSchedule : I32EnumAttr<"TileSchedule", "how live key tiles are found", [
    I32EnumAttrCase<"dense", 0>, I32EnumAttrCase<"band", 1>,
    I32EnumAttrCase<"runtime", 2>]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}
def Attn_TileScheduleAttr : EnumAttr<Attn_Dialect, Attn_TileSchedule, "schedule"> {
  let summary = "How the live key tiles of a query tile are found";
  let description = [{
    - `dense`: every key tile is live and full (no mask work).
    - `band`: live pairs satisfy `diag_lo <= j - (i + shift) <= diag_hi`; the
      live key tiles of a query tile are a contiguous range computed from the
      band, and tiles entirely inside the mask need no mask work.
    - `runtime`: the mask depends on data (padding, documents, graphs, block
      layouts, explicit masks); the runtime derives the live-tile lists from
      that data once per input and passes them to the kernel. When the mask
      is an `and` with positional members (e.g. `and<causal, padding>`) the
      tiling also carries their band: live pairs lie inside it, so only key
      tiles in the band's range need to be considered.

    Example: `#attn<schedule band>`
  }];
}

// A double-precision parameter printed as a plain float literal.
def Attn_F64Param : AttrParameter<"::llvm::APFloat", "a double-precision value"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
      double v;
      if ($_parser.parseFloat(v))
        return ::mlir::failure();
      return ::llvm::APFloat(v);
    }() }];
  let printer = [{ $_printer << $_self.convertToDouble() }];
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
}

//===----------------------------------------------------------------------===//
// Masks
//===----------------------------------------------------------------------===//

def Attn_CausalMaskAttr : Attn_Attr<"CausalMask", "causal"> {
  let summary = "Causal mask: key j is visible from query i iff j <= i + shift + offset";
  let description = [{
    The decoder mask. `offset` moves the diagonal (positive: also see `offset`
    future keys). Combine with the op's `bottom_right` attribute when q_len
    differs from kv_len (KV-cache decoding).

    Example: `#attn.causal<>`, `#attn.causal<offset = 2>`
  }];
  let parameters = (ins DefaultValuedParameter<"int64_t", "0">:$offset);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Attn_WindowMaskAttr : Attn_Attr<"WindowMask", "window"> {
  let summary = "Local window: i' - left <= j <= i' + right, with i' = i + shift";
  let description = [{
    Sliding-window (Mistral, Longformer local) and time-restricted (ASR)
    attention. `left` and `right` count keys and must be non-negative;
    `right = 0` makes the window causal.

    Example: `#attn.window<left = 256, right = 0>`
  }];
  let parameters = (ins "int64_t":$left, DefaultValuedParameter<"int64_t", "0">:$right);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_PaddingMaskAttr : Attn_Attr<"PaddingMask", "padding"> {
  let summary = "Key padding: key j is visible in batch b iff j < kv_lengths[b]";
  let description = [{
    Uses the `kv_lengths` operand (`tensor<Bxi32>`). A batch entry with length
    0 has no visible key: its output rows are 0 and its log-sum-exp is -inf.

    Example: `#attn.padding`
  }];
}

def Attn_StridedMaskAttr : Attn_Attr<"StridedMask", "strided"> {
  let summary = "Sparse Transformer strided pattern";
  let description = [{
    Key j is visible from query i (position i' = i + shift) iff
    `|i' - j| < stride` or `(i' - j) mod stride == 0`: the local and the strided
    heads of the Sparse Transformer merged into one pattern. Combine with
    `#attn.causal<>` through `#attn.and` for autoregressive models.

    Example: `#attn.strided<stride = 128>`
  }];
  let parameters = (ins "int64_t":$stride);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_BlockSparseMaskAttr : Attn_Attr<"BlockSparseMask", "block_sparse"> {
  let summary = "Block-sparse mask from a run-time block layout";
  let description = [{
    Uses the `block_layout` operand, `tensor<H x ceil(Lq/block) x ceil(Lk/block) x i8>`
    (H is the number of query heads, or 1 to share the layout): key j is visible
    from query i in head h iff `block_layout[h][i / block][j / block] != 0`.

    Example: `#attn.block_sparse<block = 64>`
  }];
  let parameters = (ins "int64_t":$block);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_PrefixLMMaskAttr : Attn_Attr<"PrefixLMMask", "prefix_lm"> {
  let summary = "Prefix-LM: bidirectional over the prefix, causal after it";
  let description = [{
    Uses the `prefix_lengths` operand (`tensor<Bxi32>`): key j is visible from
    query i in batch b iff `j <= i + shift` or `j < prefix_lengths[b]`.

    Example: `#attn.prefix_lm`
  }];
}

def Attn_DocumentMaskAttr : Attn_Attr<"DocumentMask", "document"> {
  let summary = "Document (segment) mask: attend only within the same document";
  let description = [{
    Uses `q_segments` (`tensor<BxLqxi32>`) and, for cross-attention,
    `kv_segments` (`tensor<BxLkxi32>`; when absent the query ids are used for
    the keys too, which requires q_len == kv_len). Key j is visible from query i
    iff their ids are equal.

    Example: `#attn.document`
  }];
}

def Attn_GraphMaskAttr : Attn_Attr<"GraphMask", "graph"> {
  let summary = "Graph attention: attend only along the edges of a graph";
  let description = [{
    Uses the `adjacency` operand (`tensor<BxLqxLkxi8>`): key j is visible from
    query i iff `adjacency[b][i][j] != 0`. A node with no edges gets a zero
    output row.

    Example: `#attn.graph`
  }];
}

def Attn_Local2DMaskAttr : Attn_Attr<"Local2DMask", "local2d"> {
  let summary = "Image Transformer 2-D local attention over a raster-order image";
  let description = [{
    Positions are pixels of an image `width` pixels wide flattened in raster
    order. Queries are grouped into blocks of `block_h` x `block_w` pixels;
    a query block attends to the memory block made of its own pixels extended
    by `mem_top` rows above, `mem_left` columns to the left and `mem_right`
    columns to the right. With `causal = 1` keys after the query in raster
    order are also masked (the Image Transformer decoder).

    Example: `#attn.local2d<width = 32, block_h = 8, block_w = 8, mem_top = 8, mem_left = 8, mem_right = 8, causal = 1>`
  }];
  let parameters = (ins "int64_t":$width, "int64_t":$block_h, "int64_t":$block_w,
                        DefaultValuedParameter<"int64_t", "0">:$mem_top,
                        DefaultValuedParameter<"int64_t", "0">:$mem_left,
                        DefaultValuedParameter<"int64_t", "0">:$mem_right,
                        DefaultValuedParameter<"int64_t", "0">:$causal);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_ExplicitMaskAttr : Attn_Attr<"ExplicitMask", "explicit"> {
  let summary = "An explicit boolean mask tensor";
  let description = [{
    Uses the `mask_tensor` operand, `tensor<(B|1)x(H|1)xLqxLkxi8>` (or `i1`):
    key j is visible from query i iff the element is non-zero. Leading
    dimensions of size 1 broadcast.

    Example: `#attn.explicit`
  }];
}

def Attn_AndMaskAttr : Attn_Attr<"AndMask", "and"> {
  let summary = "Intersection of masks: visible iff visible in every member";
  let description = [{
    Example: `#attn.and<[#attn.causal<>, #attn.window<left = 128>]>`
  }];
  let parameters = (ins ArrayRefParameter<"::mlir::Attribute">:$masks);
  let assemblyFormat = "`<` `[` $masks `]` `>`";
  let genVerifyDecl = 1;
}

def Attn_OrMaskAttr : Attn_Attr<"OrMask", "or"> {
  let summary = "Union of masks: visible iff visible in any member";
  let description = [{
    Example: `#attn.or<[#attn.window<left = 64, right = 64>, #attn.explicit]>`
  }];
  let parameters = (ins ArrayRefParameter<"::mlir::Attribute">:$masks);
  let assemblyFormat = "`<` `[` $masks `]` `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Score modifiers (applied after scaling, in list order, before the mask)
//===----------------------------------------------------------------------===//

def Attn_AlibiAttr : Attn_Attr<"Alibi", "alibi"> {
  let summary = "ALiBi: s += -slope[h] * |i' - j|";
  let description = [{
    Uses the `alibi_slopes` operand (`tensor<Hqxf32>`; the frontend fills in
    the standard geometric slopes). For causal attention this is the original
    ALiBi bias `slope * (j - i)`.

    Example: `#attn.alibi`
  }];
}

def Attn_RelEmbAttr : Attn_Attr<"RelEmb", "rel_emb"> {
  let summary = "Learned relative position logits (Shaw et al., Music Transformer)";
  let description = [{
    Uses the `rel_emb` operand, `tensor<(2*max_distance+1) x D>`: the logit of
    (i, j) gains `scale * q_i . E[clamp(j - i', -max_distance, max_distance) +
    max_distance]`. The fused op computes it per tile from q and E, so memory
    stays O(L*D): this is the "skewing" of the Music Transformer without the
    L x L x D intermediate. `max_distance = L - 1` with a causal mask gives the
    Music Transformer's relative attention exactly.

    Example: `#attn.rel_emb<max_distance = 64>`
  }];
  let parameters = (ins "int64_t":$max_distance);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_T5BiasAttr : Attn_Attr<"T5Bias", "t5_bias"> {
  let summary = "T5 bucketed relative position bias";
  let description = [{
    Uses the `rel_bias` operand (`tensor<num_buckets x Hq x f32>`): the logit
    of (i, j) gains `rel_bias[bucket(j - i'), h]`, with T5's bucketing (half
    the buckets exact, the rest logarithmic up to `max_distance`; the sign gets
    its own half of the buckets when `bidirectional = 1`).

    Example: `#attn.t5_bias<num_buckets = 32, max_distance = 128, bidirectional = 1>`
  }];
  let parameters = (ins "int64_t":$num_buckets, "int64_t":$max_distance,
                        DefaultValuedParameter<"int64_t", "1">:$bidirectional);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_SoftcapAttr : Attn_Attr<"Softcap", "softcap"> {
  let summary = "tanh soft-capping: s = cap * tanh(s / cap)";
  let description = [{
    Gemma-2/Grok-style logit soft-capping. `cap` must be positive.

    Example: `#attn.softcap<cap = 50.0>`
  }];
  let parameters = (ins Attn_F64Param:$cap);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_BiasAttr : Attn_Attr<"Bias", "bias"> {
  let summary = "Additive bias tensor: s += bias[b][h][i][j]";
  let description = [{
    Uses the `bias` operand, `tensor<(B|1)x(H|1)xLqxLkxf32>`; leading
    dimensions of size 1 broadcast.

    Example: `#attn.bias`
  }];
}

//===----------------------------------------------------------------------===//
// Tiling
//===----------------------------------------------------------------------===//

def Attn_TilingAttr : Attn_Attr<"Tiling", "tiling"> {
  let summary = "Tile sizes and live-tile schedule of a fused attention op";
  let description = [{
    Written by `attn-tile-attention`. `q_tile` x `k_tile` are the tile sizes
    (from the target configuration). With `schedule = band` every live pair
    satisfies `diag_lo <= j - (i + shift) <= diag_hi` (absent bounds are
    unbounded); a key tile is *full* when every pair in it is live, so the
    kernel skips mask evaluation there, *partial* when some are, and dead
    tiles are never visited. When shapes are static the pass also records how
    many tiles are live and full, which lit tests check to show that a window
    of width w costs O(L*w).

    `partial = 1` (band schedule only) says the band bounds the visible pairs
    without deciding them: the mask has a positional member that is not a
    band (`strided`, `local2d`, disjoint members of an `or`), so every live
    tile evaluates the mask and no tile is full. With `schedule = runtime`
    the band (when present) is always such a bound. The tile classification
    itself is compiler/Transforms/TileSchedule.h, shared with the code
    generators and the runtime.

    Example: `#attn.tiling<q_tile = 64, k_tile = 64, schedule = band, diag_lo = -255, diag_hi = 0, live_tiles = 36, full_tiles = 20>`
  }];
  let parameters = (ins "int64_t":$q_tile, "int64_t":$k_tile,
                        "::mlir::attn::TileSchedule":$schedule,
                        OptionalParameter<"std::optional<int64_t>">:$diag_lo,
                        OptionalParameter<"std::optional<int64_t>">:$diag_hi,
                        OptionalParameter<"std::optional<int64_t>">:$live_tiles,
                        OptionalParameter<"std::optional<int64_t>">:$full_tiles,
                        DefaultValuedParameter<"int64_t", "0">:$partial);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // ATTN_ATTRS_TD
