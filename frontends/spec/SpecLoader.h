//===- SpecLoader.h - Load a .attn file into an attn module -----*- C++ -*-===//
//
// The one entry point every attnc command uses to read a spec: file (or "-"
// for stdin) -> parsed, checked, generated and verified ModuleOp. Errors go
// through the context's diagnostic handler; install a
// SourceMgrDiagnosticHandler on the same SourceMgr first so that they print
// as `file:line:col: error: ...` with the source line and a caret:
//
//   llvm::SourceMgr sourceMgr;
//   mlir::MLIRContext ctx;
//   mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &ctx);
//   mlir::OwningOpRef<mlir::ModuleOp> module = attnc::loadSpec(path, ctx, sourceMgr);
//   if (!module)
//     return 1;
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTENDS_SPEC_SPECLOADER_H
#define ATTNC_FRONTENDS_SPEC_SPECLOADER_H

#include "frontends/spec/AST.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace llvm {
class MemoryBuffer;
class SourceMgr;
} // namespace llvm

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace attnc {

/// Dialects that generated modules use (attn, func, arith).
void registerFrontendDialects(mlir::DialectRegistry &registry);

/// Reads `path` ("-" = stdin) into `sourceMgr`; returns the buffer id, or 0
/// after reporting why it could not be read.
unsigned addSpecFile(llvm::StringRef path, mlir::MLIRContext &ctx, llvm::SourceMgr &sourceMgr);

/// Parses the main buffer of `sourceMgr` into `out` (syntax only).
mlir::LogicalResult parseSpecAST(mlir::MLIRContext &ctx, llvm::SourceMgr &sourceMgr, spec::File &out);

/// Parses, checks and lowers the main buffer of `sourceMgr`, then verifies
/// the result. Returns null after reporting errors.
mlir::OwningOpRef<mlir::ModuleOp> loadSpecBuffer(mlir::MLIRContext &ctx, llvm::SourceMgr &sourceMgr);

/// addSpecFile + loadSpecBuffer.
mlir::OwningOpRef<mlir::ModuleOp> loadSpec(llvm::StringRef path, mlir::MLIRContext &ctx,
                                           llvm::SourceMgr &sourceMgr);

} // namespace attnc

#endif // ATTNC_FRONTENDS_SPEC_SPECLOADER_H
