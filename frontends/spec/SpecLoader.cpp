//===- SpecLoader.cpp - Load a .attn file into an attn module -------------===//
//
// Glue between the pieces: buffer -> Parser -> Sema -> MLIRGen -> verifier,
// with the buffer registered in the caller's SourceMgr so diagnostics can
// quote the source.
//
//===----------------------------------------------------------------------===//
#include "frontends/spec/SpecLoader.h"

#include "frontends/spec/Diagnostics.h"
#include "frontends/spec/MLIRGen.h"
#include "frontends/spec/Parser.h"
#include "frontends/spec/Spec.h"

#include "dialects/Attn/IR/AttnDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

void attnc::registerFrontendDialects(DialectRegistry &registry) {
  registry.insert<attn::AttnDialect, func::FuncDialect, arith::ArithDialect>();
}

unsigned attnc::addSpecFile(llvm::StringRef path, MLIRContext &ctx, llvm::SourceMgr &sourceMgr) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false);
  if (std::error_code ec = buffer.getError()) {
    emitError(FileLineColLoc::get(&ctx, path == "-" ? "<stdin>" : path, 0, 0))
        << "cannot read spec: " << ec.message();
    return 0;
  }
  return sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
}

static llvm::StringRef mainBuffer(llvm::SourceMgr &sourceMgr, llvm::StringRef &name) {
  const llvm::MemoryBuffer *buf = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  name = buf->getBufferIdentifier();
  return buf->getBuffer();
}

LogicalResult attnc::parseSpecAST(MLIRContext &ctx, llvm::SourceMgr &sourceMgr, spec::File &out) {
  llvm::StringRef name;
  llvm::StringRef text = mainBuffer(sourceMgr, name);
  spec::DiagEmitter diag(&ctx, name);
  return success(spec::parseSpec(text, diag, out));
}

OwningOpRef<ModuleOp> attnc::loadSpecBuffer(MLIRContext &ctx, llvm::SourceMgr &sourceMgr) {
  ctx.loadDialect<attn::AttnDialect, func::FuncDialect, arith::ArithDialect>();
  llvm::StringRef name;
  llvm::StringRef text = mainBuffer(sourceMgr, name);
  spec::DiagEmitter diag(&ctx, name);
  spec::File file;
  bool parsed = spec::parseSpec(text, diag, file);
  if (file.blocks.empty()) {
    if (parsed)
      diag.error({1, 1}) << "expected a 'model' or 'kernel' definition; the spec is empty";
    return nullptr;
  }
  // Check what did parse, so that one run reports syntax and semantic errors.
  spec::SpecModule typed;
  if (!spec::analyzeSpec(file, diag, typed) || !parsed)
    return nullptr;
  return spec::generateMLIR(typed, diag);
}

OwningOpRef<ModuleOp> attnc::loadSpec(llvm::StringRef path, MLIRContext &ctx, llvm::SourceMgr &sourceMgr) {
  if (!addSpecFile(path, ctx, sourceMgr))
    return nullptr;
  return loadSpecBuffer(ctx, sourceMgr);
}
