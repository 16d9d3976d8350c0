//===- PlanBuilder.h - attn model IR -> executable plan ----------*- C++ -*-===//
//
// Turns a model's `@forward` function (attn model ops, decomposed or fused
// attention, attn.weight, arith.constant, func.return) into the flat plan
// the LLVM-free runtime executes (runtime/model/Plan.h). Every op becomes
// one step; SSA values become numbered plan values; dynamic sizes stay -1
// and are resolved by the executor at run time. Float tensors of any width
// become f32 in the plan: the CPU model kernels compute in f32 and weights
// are converted when they are bound.
//
// buildModelPlan() does not run passes: compileModel() (ModelCompiler.h)
// runs the fusion pipeline first and JIT-compiles the fused attention.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_PLAN_PLANBUILDER_H
#define ATTNC_COMPILER_PLAN_PLANBUILDER_H

#include "runtime/model/Plan.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace attnc {

/// The model function of `module`: `@forward`, or the only function when
/// there is exactly one. Emits an error on the module and returns null when
/// there is none.
mlir::func::FuncOp findModelFunction(mlir::ModuleOp module, llvm::StringRef name = "forward");

/// Builds the plan of `fn`. Unsupported ops are reported with emitError at
/// their location.
mlir::FailureOr<rt::model::Plan> buildModelPlan(mlir::func::FuncOp fn);

/// Converts mask and modifier attributes (#attn.causal<>, #attn.t5_bias<...>)
/// to the runtime's description. Fails on attributes it does not know.
mlir::FailureOr<rt::model::MaskNode> toRuntimeMask(mlir::Attribute mask);
mlir::FailureOr<rt::model::Modifier> toRuntimeModifier(mlir::Attribute mod);

} // namespace attnc

#endif // ATTNC_COMPILER_PLAN_PLANBUILDER_H
