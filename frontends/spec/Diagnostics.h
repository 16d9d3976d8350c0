//===- Diagnostics.h - Errors at spec source locations ----------*- C++ -*-===//
//
// Parser, Sema and MLIRGen report errors through MLIR's diagnostic engine at
// a FileLineColLoc, so whatever handler the driver installed (usually a
// SourceMgrDiagnosticHandler that prints the line and a caret) shows them.
// This class also counts errors so that a run reports several problems but
// stops before flooding the terminal.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTENDS_SPEC_DIAGNOSTICS_H
#define ATTNC_FRONTENDS_SPEC_DIAGNOSTICS_H

#include "frontends/spec/AST.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"

namespace attnc::spec {

class DiagEmitter {
public:
  /// More errors than this in one run are not reported.
  static constexpr unsigned kMaxErrors = 20;

  DiagEmitter(mlir::MLIRContext *ctx, llvm::StringRef filename) : ctx(ctx), filename(filename.str()) {}

  mlir::Location loc(SrcLoc l) const;
  /// Starts an error at `l`; the caller streams the message into it.
  mlir::InFlightDiagnostic error(SrcLoc l);

  unsigned numErrors() const { return errors; }
  bool failed() const { return errors != 0; }
  /// True once enough errors were reported that checking should stop.
  bool shouldStop() const { return errors >= kMaxErrors; }
  mlir::MLIRContext *getContext() const { return ctx; }

private:
  mlir::MLIRContext *ctx;
  std::string filename;
  unsigned errors = 0;
};

} // namespace attnc::spec

#endif // ATTNC_FRONTENDS_SPEC_DIAGNOSTICS_H
