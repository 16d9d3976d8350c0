//===- ModelSupport.cpp - Shared pieces of attnc's model commands ---------===//
#include "tools/attnc/ModelSupport.h"

#include "compiler/Registration.h"
#include "frontends/spec/SpecLoader.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

namespace attnc {

/// Rewrites `key = ...` settings (up to a comment or the end of the line).
static bool applyOverrides(std::string &text, llvm::ArrayRef<std::string> overrides,
                           std::string &error) {
  for (const std::string &o : overrides) {
    auto [key, value] = llvm::StringRef(o).split('=');
    key = key.trim();
    value = value.trim();
    if (key.empty() || value.empty()) {
      error = "--override expects KEY=VALUE, got '" + o + "'";
      return false;
    }
    // `key = value` on its own line (value up to a comment), or inline after
    // a brace (`decoder { layers = 6 ... }`, value up to the next blank).
    llvm::Regex re(("^([ \t]*" + key + "[ \t]*=)[^#\n]*|(\{[ \t]*" + key +
                    "[ \t]*=)[ \t]*[^ \t#\n}]+")
                       .str(),
                   llvm::Regex::Newline);
    bool any = false;
    std::string out;
    llvm::StringRef rest = text;
    llvm::SmallVector<llvm::StringRef, 3> m;
    while (re.match(rest, &m)) {
      size_t at = size_t(m[0].data() - rest.data());
      llvm::StringRef lhs = m[1].empty() ? m[2] : m[1];
      out += rest.substr(0, at).str() + lhs.str() + " " + value.str() + " ";
      rest = rest.substr(at + m[0].size());
      any = true;
    }
    text = out + rest.str();
    if (!any) {
      error = "--override " + key.str() + ": the spec never sets '" + key.str() + "'";
      return false;
    }
  }
  return true;
}

OwningOpRef<ModuleOp> loadModelModule(llvm::StringRef path, MLIRContext &ctx,
                                      llvm::SourceMgr &sourceMgr,
                                      llvm::ArrayRef<std::string> overrides) {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerFrontendDialects(registry);
  ctx.appendDialectRegistry(registry);
  ctx.loadAllAvailableDialects();
  if (!overrides.empty()) {
    auto buf = llvm::MemoryBuffer::getFile(path);
    if (!buf) {
      emitError(FileLineColLoc::get(&ctx, path, 0, 0)) << "cannot read spec: " << buf.getError().message();
      return nullptr;
    }
    std::string text = (*buf)->getBuffer().str(), error;
    if (!applyOverrides(text, overrides, error)) {
      emitError(FileLineColLoc::get(&ctx, path, 0, 0)) << error;
      return nullptr;
    }
    sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, path), llvm::SMLoc());
    return loadSpecBuffer(ctx, sourceMgr);
  }
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
