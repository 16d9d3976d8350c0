//===- ModelSupport.cpp - Shared pieces of attnc's model commands ---------===//
#include "tools/attnc/ModelSupport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

namespace attnc {

bool hasModelFunction(ModuleOp module) {
  return static_cast<bool>(module.lookupSymbol<func::FuncOp>("forward"));
}

} // namespace attnc
