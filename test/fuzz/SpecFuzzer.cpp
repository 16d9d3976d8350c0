//===- SpecFuzzer.cpp - libFuzzer target for the .attn frontend -----------===//
//
// Feeds arbitrary bytes through the whole frontend (lexer, parser, Sema,
// MLIRGen and the verifier) with diagnostics swallowed. Any crash, sanitizer
// report or timeout is a bug: bad input must only ever produce errors.
// Built only with -DATTNC_FUZZ=ON and clang (see test/fuzz/README.md).
//
//===----------------------------------------------------------------------===//
#include "frontends/spec/SpecLoader.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // One context for the whole run: creating one per input would dominate.
  static mlir::MLIRContext *ctx = [] {
    mlir::DialectRegistry registry;
    attnc::registerFrontendDialects(registry);
    auto *c = new mlir::MLIRContext(registry, mlir::MLIRContext::Threading::DISABLED);
    c->getDiagEngine().registerHandler([](mlir::Diagnostic &) { return mlir::success(); });
    return c;
  }();
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.attn"),
      llvm::SMLoc());
  (void)attnc::loadSpecBuffer(*ctx, sourceMgr);
  return 0;
}
