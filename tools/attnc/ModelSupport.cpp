//===- ModelSupport.cpp - Shared pieces of attnc's model commands ---------===//
#include "tools/attnc/ModelSupport.h"

#include "compiler/Registration.h"
#include "frontends/spec/SpecLoader.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

namespace attnc {

OwningOpRef<ModuleOp> loadModelModule(llvm::StringRef path, MLIRContext &ctx,
                                      llvm::SourceMgr &sourceMgr) {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerFrontendDialects(registry);
  ctx.appendDialectRegistry(registry);
  ctx.loadAllAvailableDialects();
  if (!addSpecFile(path, ctx, sourceMgr))
    return nullptr;
  if (path.ends_with(".mlir"))
    return parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&ctx));
  return loadSpecBuffer(ctx, sourceMgr);
}

bool hasModelFunction(ModuleOp module) {
  return static_cast<bool>(module.lookupSymbol<func::FuncOp>("forward"));
}

} // namespace attnc
