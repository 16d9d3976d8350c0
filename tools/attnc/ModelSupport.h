//===- ModelSupport.h - Shared pieces of attnc's model commands --*- C++ -*-===//
//
// `attnc weights`, `attnc run` (models) and `attnc import-hf` all read a
// model (.attn spec or attn MLIR) and talk about its weights; this is the
// code they share.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_MODELSUPPORT_H
#define ATTNC_TOOLS_ATTNC_MODELSUPPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace attnc {

/// Loads a .attn spec (through the frontend) or, for `.mlir` files, attn
/// MLIR. Diagnostics go to the context's handler; null on failure.
/// `overrides` ("layers=2", "d_model=64") replace the value of every
/// `key = value` setting with that key in a .attn file before it is parsed,
/// so that CI and demos can run small versions of full-size examples; a key
/// that the file never sets is an error.
mlir::OwningOpRef<mlir::ModuleOp> loadModelModule(llvm::StringRef path, mlir::MLIRContext &ctx,
                                                  llvm::SourceMgr &sourceMgr,
                                                  llvm::ArrayRef<std::string> overrides = {});

/// True when `module` defines a model function (`@forward`).
bool hasModelFunction(mlir::ModuleOp module);

/// `attnc run` for a model (ModelRunCommand.cpp).
int runModelRun(int argc, char **argv);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_MODELSUPPORT_H
