//===- MLIRGen.h - Lower checked specs to the attn dialect ------*- C++ -*-===//
//
// Turns a SpecModule (already checked by Sema) into a builtin.module:
//  - each kernel becomes `func.func @<name>(q, k, v, <run-time mask data>)`
//    holding the decomposed chain qk -> scale -> [score_mod] -> [mask] ->
//    softmax -> pv, which attn-fuse-attention later fuses;
//  - a model becomes `func.func @forward(tokens, ...) -> logits` built from
//    the model-level ops, with parameters as `attn.weight` ops named by the
//    scheme in docs/weights.md.
// Every argument and result carries an `attn.name` string attribute so that
// tools can bind inputs by name, and every op a FileLineColLoc in the spec.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTENDS_SPEC_MLIRGEN_H
#define ATTNC_FRONTENDS_SPEC_MLIRGEN_H

#include "frontends/spec/Diagnostics.h"
#include "frontends/spec/Spec.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace attnc::spec {

/// Name of the argument/result attribute that carries a binding name.
inline constexpr const char *kNameAttr = "attn.name";

/// Builds the module. The context must have the attn, func and arith
/// dialects loaded. Returns null after reporting an error.
mlir::OwningOpRef<mlir::ModuleOp> generateMLIR(const SpecModule &spec, DiagEmitter &diag);

/// The standard ALiBi slopes for `heads` heads (Press et al.): a geometric
/// sequence starting at 2^(-8/n) for the closest power of two n, with the
/// odd-indexed slopes of 2n appended when heads is not a power of two.
std::vector<float> alibiSlopes(int64_t heads);

} // namespace attnc::spec

#endif // ATTNC_FRONTENDS_SPEC_MLIRGEN_H
