//===- AttnOps.h - attn dialect operations ----------------------*- C++ -*-===//
//
// Ops generated from AttnOps.td, plus AuxOperands: a uniform view of the
// mask/modifier operands that several ops carry, so passes can move them
// from the decomposed ops to the fused one without naming each.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECTS_ATTN_IR_ATTNOPS_H
#define ATTNC_DIALECTS_ATTN_IR_ATTNOPS_H

#include "dialects/Attn/IR/AttnAttrs.h"
#include "dialects/Attn/IR/AttnDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::attn {
struct AuxOperands;
} // namespace mlir::attn

#define GET_OP_CLASSES
#include "dialects/Attn/IR/AttnOps.h.inc"

namespace mlir::attn {

/// The eleven optional auxiliary operands, indexed by AuxOperand.
struct AuxOperands {
  std::array<Value, kNumAuxOperands> values{};

  Value get(AuxOperand a) const { return values[static_cast<unsigned>(a)]; }
  void set(AuxOperand a, Value v) { values[static_cast<unsigned>(a)] = v; }
  AuxSet present() const;

  /// Reads the auxiliary operands of attn.mask, attn.score_mod or
  /// attn.flash_attention.
  template <typename OpT>
  static AuxOperands of(OpT op) {
    AuxOperands aux;
    aux.set(AuxOperand::KvLengths, op.getKvLengths());
    aux.set(AuxOperand::PrefixLengths, op.getPrefixLengths());
    aux.set(AuxOperand::QSegments, op.getQSegments());
    aux.set(AuxOperand::KvSegments, op.getKvSegments());
    aux.set(AuxOperand::Adjacency, op.getAdjacency());
    aux.set(AuxOperand::BlockLayout, op.getBlockLayout());
    aux.set(AuxOperand::MaskTensor, op.getMaskTensor());
    aux.set(AuxOperand::Bias, op.getBias());
    aux.set(AuxOperand::AlibiSlopes, op.getAlibiSlopes());
    aux.set(AuxOperand::RelEmb, op.getRelEmb());
    aux.set(AuxOperand::RelBias, op.getRelBias());
    return aux;
  }

  /// Merges `other` into this set; fails when both carry the same operand
  /// with different values.
  LogicalResult merge(const AuxOperands &other);
};

} // namespace mlir::attn

#endif // ATTNC_DIALECTS_ATTN_IR_ATTNOPS_H
