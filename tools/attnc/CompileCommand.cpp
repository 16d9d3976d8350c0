//===- CompileCommand.cpp - attnc [compile] FILE --emit=... ----------------===//
//
// Reads a spec through attnc::loadSpec and writes the requested form. Each
// emit kind past `mlir` runs one of the named pipeline builders on the
// loaded module, the same builders attn-opt registers, so
//   attnc k.attn --emit=mlir | attn-opt --attn-fusion-pipeline
// prints what `attnc k.attn --emit=fused` prints. CUDA targets
// (--target=cuda...) are handled by CudaTargetCommand.cpp before this runs.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/Commands.h"

#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Registration.h"
#include "frontends/spec/SpecLoader.h"

#include "mlir/Pass/PassManager.h"

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
enum class Emit { AST, MLIR, Fused, Kernels, LLVMDialect, LLVM, Obj };
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
                                clEnumValN(Emit::Fused, "fused",
                                           "after attn-fusion-pipeline: fused and tiled attn.flash_attention"),
                                clEnumValN(Emit::Kernels, "kernels",
                                           "CPU kernel functions (scf/vector/memref) before LLVM lowering"),
                                clEnumValN(Emit::LLVMDialect, "llvm-dialect",
                                           "after attn-cpu-pipeline: the CPU kernels in the LLVM dialect"),
                                clEnumValN(Emit::LLVM, "llvm", "LLVM IR of the CPU kernels (this host, O3)"),
                                clEnumValN(Emit::Obj, "obj", "object file of the CPU kernels (this host)")),
                     cl::cat(category));
  cl::opt<std::string> target("target", cl::desc("cpu (default, this host) or cuda, cuda-sm80, cuda-sm90 "
                                                  "(with --emit=mlir|fused|cuda|ptx|cubin|artifact)"),
                              cl::init("cpu"), cl::cat(category));
  cl::opt<bool> explainFusion("attn-explain-fusion",
                              cl::desc("Remark on every attention chain: fused, or why not (--emit=fused)"),
                              cl::init(false), cl::cat(category));
  cl::opt<int64_t> qTile("q-tile", cl::desc("Query tile size override (0: the target's choice)"), cl::init(0),
                         cl::cat(category));
  cl::opt<int64_t> kTile("k-tile", cl::desc("Key tile size override (0: the target's choice)"), cl::init(0),
                         cl::cat(category));
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  // --help shows attnc's options; --help-hidden also shows LLVM's and MLIR's.
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) { printVersion(os); });
  std::string overview = "attnc: compile attention specs (.attn) to MLIR and beyond\n\n"
                         "  attnc FILE [-o OUT] --emit=ast|mlir|fused|kernels|llvm-dialect|llvm|obj\n"
                         "  attnc FILE --target=cuda --emit=cuda|ptx|cubin|artifact\n" +
                         attncCommandList();
  cl::ParseCommandLineOptions(argc, argv, overview);

  if (target != "cpu") {
    llvm::errs() << "attnc: unknown --target '" << target << "' (expected cpu, cuda, cuda-sm80 or cuda-sm90)\n";
    return 1;
  }

  mlir::DialectRegistry registry;
  registerFrontendDialects(registry);
  attnc::registerAllDialects(registry);
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
  case Emit::Fused:
  case Emit::Kernels:
  case Emit::LLVMDialect: {
    mlir::OwningOpRef<mlir::ModuleOp> module = loadSpecBuffer(ctx, sourceMgr);
    if (!module)
      return 1;
    mlir::PassManager pm(&ctx);
    if (emit == Emit::Fused) {
      attnc::PipelineOptions options;
      options.explainFusion = explainFusion;
      options.qTile = qTile;
      options.kTile = kTile;
      attnc::buildAttnFusionPipeline(pm, options);
    } else {
      mlir::attn::CPUPipelineOptions options;
      options.qTile = qTile;
      options.kTile = kTile;
      if (emit == Emit::Kernels)
        mlir::attn::buildCPUKernelPipeline(pm, options);
      else
        mlir::attn::buildCPUPipeline(pm, options);
    }
    if (mlir::failed(pm.run(*module)) || !openOutput())
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
