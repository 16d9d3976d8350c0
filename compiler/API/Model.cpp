//===- Model.cpp - The attnc C++ API for whole models ---------------------===//
//
// loadModel = loadModelModule (frontend or MLIR parser) + compileModel
// (compiler/Plan) + weights (safetensors, optionally under Hugging Face
// names) + Model::load, with every failure turned into an llvm::Error that
// carries the diagnostics.
//
//===----------------------------------------------------------------------===//
#include "compiler/API/Model.h"
#include "compiler/API/ModelLoading.h"

#include "compiler/Plan/ModelCompiler.h"
#include "compiler/Registration.h"
#include "frontends/spec/SpecLoader.h"
#include "runtime/core/File.h"
#include "runtime/model/WeightFile.h"
#include "compiler/API/HFWeights.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

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

namespace {
llvm::Error error(const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}
} // namespace

llvm::Error LoadedModel::savePlan(llvm::StringRef path) const {
  std::string text = rt::model::printPlan(model_->plan());
  rt::Status st = rt::writeFileAtomic(path.str(), {{text.data(), text.size()}});
  return st.ok() ? llvm::Error::success() : error(st.message());
}

llvm::Expected<LoadedModel> loadModel(llvm::StringRef specPath, llvm::StringRef weightsPath,
                                      const ModelOptions &options) {
  MLIRContext ctx;
  llvm::SourceMgr sourceMgr;
  std::string diags;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    llvm::raw_string_ostream os(diags);
    os << d.getLocation() << ": " << d << "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module = loadModelModule(specPath, ctx, sourceMgr, options.overrides);
  if (!module)
    return error("cannot load '" + specPath.str() + "':\n" + diags);
  ModelCompileOptions copts;
  copts.jit = options.jit;
  copts.cacheDir = options.cacheDir;
  if (copts.cacheDir.empty())
    if (const char *dir = std::getenv("ATTNC_CACHE_DIR"))
      copts.cacheDir = dir;
  llvm::Expected<CompiledModel> compiled = compileModel(*module, copts);
  if (!compiled)
    return compiled.takeError();
  std::shared_ptr<rt::model::WeightSource> weights;
  if (!options.hfNames.empty()) {
    llvm::Expected<std::shared_ptr<rt::model::WeightSource>> w =
        mapHFWeightFile(weightsPath.str(), options.hfNames, compiled->plan);
    if (!w)
      return w.takeError();
    weights = *w;
  } else {
    rt::Result<std::shared_ptr<rt::model::WeightSource>> w = rt::model::openWeightFile(weightsPath.str());
    if (!w.ok())
      return error(w.status().message());
    weights = w.take();
  }
  rt::Result<std::shared_ptr<rt::model::Model>> model = rt::model::Model::load(compiled->plan, weights);
  if (!model.ok())
    return error(model.status().message());
  compiled->installKernels(**model);
  LoadedModel out;
  out.model_ = model.take();
  out.notes_ = compiled->notes;
  return out;
}

} // namespace attnc
