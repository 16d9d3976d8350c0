//===- ModelLoading.h - Read a model spec into an MLIR module ----*- C++ -*-===//
//
// The step of loadModel() (Model.h) that tools also need on its own: read a
// .attn spec through the frontend (after applying `key=value` overrides to
// its settings) or attn MLIR from a .mlir file.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_API_MODELLOADING_H
#define ATTNC_COMPILER_API_MODELLOADING_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace attnc {

/// Diagnostics go to the context's handler; null on failure. Each override
/// replaces the value of every `key = value` setting with that key (a line
/// of its own, or inline after `{`); a key the spec never sets is an error.
mlir::OwningOpRef<mlir::ModuleOp> loadModelModule(llvm::StringRef path, mlir::MLIRContext &ctx,
                                                  llvm::SourceMgr &sourceMgr,
                                                  llvm::ArrayRef<std::string> overrides = {});

} // namespace attnc

#endif // ATTNC_COMPILER_API_MODELLOADING_H
