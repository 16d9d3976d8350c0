//===- Diagnostics.cpp - Errors at spec source locations ------------------===//
//
// See Diagnostics.h.
//
//===----------------------------------------------------------------------===//
#include "frontends/spec/Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace attnc::spec;

mlir::Location DiagEmitter::loc(SrcLoc l) const {
  return mlir::FileLineColLoc::get(ctx, filename, l.line, l.col);
}

mlir::InFlightDiagnostic DiagEmitter::error(SrcLoc l) {
  ++errors;
  return mlir::emitError(loc(l));
}
