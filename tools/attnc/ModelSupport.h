//===- ModelSupport.h - Shared pieces of attnc's model commands --*- C++ -*-===//
//
// `attnc weights`, `attnc run` (models) and `attnc import-hf` all read a
// model (.attn spec or attn MLIR) and talk about its weights; this is the
// code they share.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_MODELSUPPORT_H
#define ATTNC_TOOLS_ATTNC_MODELSUPPORT_H

#include "compiler/API/ModelLoading.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace attnc {

/// True when `module` defines a model function (`@forward`).
bool hasModelFunction(mlir::ModuleOp module);

/// `attnc run` for a model (ModelRunCommand.cpp).
int runModelRun(int argc, char **argv);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_MODELSUPPORT_H
