//===- AttnAttrs.h - Masks, score modifiers, tiling -------------*- C++ -*-===//
//
// Attribute classes generated from AttnAttrs.td, plus the small vocabulary
// every consumer of masks and modifiers shares: which auxiliary operand an
// attribute reads (AuxOperand), and predicates to tell masks from modifiers.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECTS_ATTN_IR_ATTNATTRS_H
#define ATTNC_DIALECTS_ATTN_IR_ATTNATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringRef.h"

#include <array>
#include <optional>

#include "dialects/Attn/IR/AttnEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Attn/IR/AttnAttrs.h.inc"

namespace mlir::attn {

/// The auxiliary operands shared by attn.mask, attn.score_mod and
/// attn.flash_attention, in operand order.
enum class AuxOperand : unsigned {
  KvLengths,
  PrefixLengths,
  QSegments,
  KvSegments,
  Adjacency,
  BlockLayout,
  MaskTensor,
  Bias,
  AlibiSlopes,
  RelEmb,
  RelBias,
};
constexpr unsigned kNumAuxOperands = 11;

/// The operand name as written in the assembly format ("kv_lengths", ...).
llvm::StringRef stringifyAuxOperand(AuxOperand aux);

/// Bit set of auxiliary operands.
using AuxSet = unsigned;
inline AuxSet auxBit(AuxOperand a) { return 1u << static_cast<unsigned>(a); }

/// True for the mask attributes (causal, window, ..., and, or).
bool isMaskAttr(Attribute attr);
/// True for the score-modifier attributes (alibi, rel_emb, t5_bias, softcap, bias).
bool isModifierAttr(Attribute attr);

/// The operands a mask (recursively through and/or) or modifier reads.
/// `kv_segments` is reported as optional and never included here.
AuxSet getRequiredAux(Attribute maskOrModifier);

/// True when the mask depends on run-time data (padding, documents, graphs,
/// block layouts, explicit masks) anywhere in its tree.
bool isDataDependentMask(Attribute mask);

} // namespace mlir::attn

#endif // ATTNC_DIALECTS_ATTN_IR_ATTNATTRS_H
