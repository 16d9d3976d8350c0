//===- CompileCommand.cpp - attnc [compile] FILE --emit=... ----------------===//
//
// Reads a spec through attnc::loadSpec and writes the requested form. The
// emit kinds are an enum so that later stages (fused/tiled MLIR, LLVM IR,
// objects, CUDA, PTX, CUBIN) slot in as new cases that run a pipeline on
// the loaded module before printing.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/Commands.h"

#include "frontends/spec/SpecLoader.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/ToolUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

std::string attncCommandList();

namespace {
enum class Emit { AST, MLIR, LLVM, Obj };
} // namespace

int attnc::runCompileCommand(int argc, char **argv) {
  namespace cl = llvm::cl;
  cl::OptionCategory category("attnc compile options");
  cl::opt<std::string> input(cl::Positional, cl::desc("<spec.attn | ->"), cl::init("-"), cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("Output file (default: stdout)"), cl::value_desc("file"),
                              cl::init("-"), cl::cat(category));
  cl::opt<Emit> emit("emit", cl::desc("What to produce"), cl::init(Emit::MLIR),
                     cl::values(clEnumValN(Emit::AST, "ast", "the syntax tree, with locations"),
                                clEnumValN(Emit::MLIR, "mlir", "attn dialect, decomposed attention"),
                                clEnumValN(Emit::LLVM, "llvm", "LLVM IR of the CPU kernels (this host, O3)"),
                                clEnumValN(Emit::Obj, "obj", "object file of the CPU kernels (this host)")),
                     cl::cat(category));
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  // --help shows attnc's options; --help-hidden also shows LLVM's and MLIR's.
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) { printVersion(os); });
  std::string overview = "attnc: compile attention specs (.attn) to MLIR and beyond\n\n"
                         "  attnc FILE [-o OUT] --emit=ast|mlir|llvm|obj\n" +
                         attncCommandList();
  cl::ParseCommandLineOptions(argc, argv, overview);

  mlir::DialectRegistry registry;
  registerFrontendDialects(registry);
  mlir::MLIRContext ctx(registry);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &ctx);
  if (!addSpecFile(input, ctx, sourceMgr))
    return 1;

  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> out;
  auto openOutput = [&]() -> bool {
    out = mlir::openOutputFile(output, &error);
    if (!out)
      llvm::errs() << "attnc: " << error << "\n";
    return static_cast<bool>(out);
  };

  switch (emit) {
  case Emit::AST: {
    spec::File file;
    if (mlir::failed(parseSpecAST(ctx, sourceMgr, file)) || !openOutput())
      return 1;
    spec::dumpAST(file, out->os());
    break;
  }
  case Emit::MLIR: {
    mlir::OwningOpRef<mlir::ModuleOp> module = loadSpecBuffer(ctx, sourceMgr);
    if (!module || !openOutput())
      return 1;
    module->print(out->os());
    out->os() << "\n";
    break;
  }
  case Emit::LLVM:
  case Emit::Obj: {
    mlir::OwningOpRef<mlir::ModuleOp> module = loadSpecBuffer(ctx, sourceMgr);
    if (!module || !openOutput())
      return 1;
    if (!emitCpuKernels) {
      llvm::errs() << "attnc: this attnc was built without the CPU back end\n";
      return 1;
    }
    if (emitCpuKernels(module->getOperation(), emit == Emit::Obj, out->os()))
      return 1;
    break;
  }
  }
  out->keep();
  return 0;
}
