//===- AttnDialect.td - The attn dialect definition -------*- tablegen -*-===//
//
// The `attn` dialect describes attention graphs: the decomposed form that the
// frontend emits (qk, scale, score_mod, mask, softmax, pv), the fused
// flash-style op the fusion pass produces, and the model-level ops (linear,
// norms, activations, embeddings, positions) a whole transformer needs.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_DIALECT_TD
#define ATTN_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::mlir::attn";
  let summary = "Attention graphs: decomposed, fused (flash) and model-level ops";
  let description = [{
    The `attn` dialect is attnc's single intermediate representation above the
    code generators. Tensors of attention operands use the layout
    `[batch, heads, seq, head_dim]`; scores and probabilities use
    `[batch, q_heads, q_len, kv_len]`. Grouped-query attention is expressed by
    giving K and V fewer heads than Q: query head `h` reads key/value head
    `h / (q_heads / kv_heads)`.

    Masks and score modifiers are attributes (`#attn.causal<>`,
    `#attn.window<...>`, `#attn.alibi`, ...). Masks that depend on data known
    only at run time (padding lengths, document ids, graph adjacency, block
    layouts, explicit boolean masks) name an operand of the op that carries them.

    Position convention: query row `i` has position `i + shift`, key column `j`
    has position `j`, where `shift = kv_len - q_len` when the op carries the
    `bottom_right` unit attribute (decoding with a KV cache, causal attention
    with fewer queries than keys) and 0 otherwise. Every mask and modifier is
    evaluated on these positions.
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect", "::mlir::arith::ArithDialect"];
}

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, traits>;

class Attn_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Attn_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // ATTN_DIALECT_TD
