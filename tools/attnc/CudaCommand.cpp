//===- CudaCommand.cpp - attnc cuda FILE.mlir --emit=cuda|ptx|cubin -------===//
//
// Compiles the tiled attn.flash_attention ops of an MLIR file for NVIDIA
// GPUs: the generated CUDA C++, the PTX or CUBIN NVRTC makes of it, or an
// artifact (docs/gpu.md) that the LLVM-free runtime loads on a machine
// without attnc. `--split-input-file` and `--verify-diagnostics` work as in
// mlir-opt so that lit tests can check diagnostics.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/Commands.h"

#include "compiler/Codegen/CUDA/CudaCompiler.h"
#include "compiler/Codegen/CUDA/VariantFromOp.h"
#include "compiler/Registration.h"
#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/ToolUtilities.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace attnc;
using namespace attnc::cuda;

namespace {
enum class GpuEmit { Cuda, Ptx, Cubin };
enum class KindOpt { Auto, Simt, Mma };

struct Settings {
  GpuEmit emit;
  GpuArch arch;
  CudaCompileOptions compile;
  bool timing;
};

/// Compiles every flash_attention op of one input chunk.
mlir::LogicalResult processChunk(std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::raw_ostream &os,
                                 const Settings &s, bool verify) {
  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  std::optional<mlir::SourceMgrDiagnosticVerifierHandler> verifier;
  std::optional<mlir::SourceMgrDiagnosticHandler> handler;
  if (verify)
    verifier.emplace(sourceMgr, &ctx);
  else
    handler.emplace(sourceMgr, &ctx);

  auto run = [&]() -> mlir::LogicalResult {
    mlir::OwningOpRef<mlir::ModuleOp> module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &ctx);
    if (!module)
      return mlir::failure();
    llvm::SmallVector<mlir::attn::FlashAttentionOp> ops;
    module->walk([&](mlir::attn::FlashAttentionOp op) { ops.push_back(op); });
    if (ops.empty())
      return mlir::emitError(module->getLoc()) << "no attn.flash_attention op to compile for CUDA";
    if (s.emit != GpuEmit::Cuda && ops.size() != 1)
      return mlir::emitError(ops[1].getLoc()) << "--emit=ptx/cubin compiles one attn.flash_attention per input, found "
                                              << ops.size() << " (use --emit=cuda or split the input)";
    bool failedAny = false;
    for (mlir::attn::FlashAttentionOp op : ops) {
      mlir::FailureOr<rt::gpu::AttnVariant> v = buildAttnVariant(op);
      if (mlir::failed(v)) {
        failedAny = true;
        continue;
      }
      if (s.emit == GpuEmit::Cuda) {
        os << emitForArch(*v, s.arch, s.compile).source << "\n";
        continue;
      }
      llvm::Expected<CompiledKernel> ck = compileForArch(*v, s.arch, s.compile);
      if (!ck)
        return op.emitError() << llvm::toString(ck.takeError());
      if (s.timing)
        llvm::errs() << "attnc: " << ck->kernel.kernelName << " (" << kernelKindName(ck->kernel.kind) << ", "
                     << s.arch.str() << "): " << (ck->cacheHit ? "cache hit" : "NVRTC compile") << " "
                     << llvm::format("%.3f", ck->binary.seconds) << " s\n";
      if (s.emit == GpuEmit::Ptx)
        os << ck->binary.ptx;
      else
        os << ck->binary.cubin;
    }
    return mlir::failure(failedAny);
  };
  mlir::LogicalResult result = run();
  if (verify)
    return verifier->verify();
  return result;
}
} // namespace

int attnc::runCudaCommand(int argc, char **argv) {
  namespace cl = llvm::cl;
  cl::OptionCategory category("attnc cuda options");
  cl::opt<std::string> input(cl::Positional, cl::desc("<tiled.mlir | ->"), cl::init("-"), cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("Output file (default: stdout)"), cl::value_desc("file"),
                              cl::init("-"), cl::cat(category));
  cl::opt<GpuEmit> emit("emit", cl::desc("What to produce"), cl::init(GpuEmit::Cuda),
                        cl::values(clEnumValN(GpuEmit::Cuda, "cuda", "CUDA C++ source"),
                                   clEnumValN(GpuEmit::Ptx, "ptx", "PTX from NVRTC"),
                                   clEnumValN(GpuEmit::Cubin, "cubin", "CUBIN from NVRTC (sm_* archs)")),
                        cl::cat(category));
  cl::opt<std::string> archName("arch", cl::desc("GPU architecture: sm_90a, sm_90, sm_80, compute_90a..."),
                                cl::init("sm_90a"), cl::cat(category));
  cl::opt<KindOpt> kind("kernel", cl::desc("Kernel body"), cl::init(KindOpt::Auto),
                        cl::values(clEnumValN(KindOpt::Auto, "auto", "the best one for --arch"),
                                   clEnumValN(KindOpt::Simt, "simt", "CUDA cores (any dtype, any head dim)"),
                                   clEnumValN(KindOpt::Mma, "mma", "mma.sync tensor cores (bf16/f16)")),
                        cl::cat(category));
  cl::opt<bool> noCache("no-cache", cl::desc("Bypass the kernel cache"), cl::cat(category));
  cl::opt<bool> timing("report-compile-time", cl::desc("Print NVRTC time (or cache hit) to stderr"),
                       cl::cat(category));
  cl::opt<bool> split("split-input-file", cl::desc("Process chunks separated by `// -----` separately"),
                      cl::cat(category));
  cl::opt<bool> verify("verify-diagnostics", cl::desc("Check expected-* diagnostic comments"), cl::cat(category));
  cl::SetVersionPrinter([](llvm::raw_ostream &os) { printVersion(os); });
  cl::ParseCommandLineOptions(argc, argv, "attnc cuda: attn.flash_attention -> CUDA C++ / PTX / CUBIN\n");

  llvm::Expected<GpuArch> arch = parseGpuArch(archName);
  if (!arch) {
    llvm::errs() << "attnc cuda: " << llvm::toString(arch.takeError()) << "\n";
    return 1;
  }
  if (emit == GpuEmit::Cubin && !arch->cubin) {
    llvm::errs() << "attnc cuda: --emit=cubin needs an sm_* architecture, not " << arch->str() << "\n";
    return 1;
  }
  Settings s{emit, *arch, {}, timing};
  s.compile.useCache = !noCache;
  if (kind == KindOpt::Simt)
    s.compile.kind = KernelKind::Simt;
  if (kind == KindOpt::Mma)
    s.compile.kind = KernelKind::MmaSm80;

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer = mlir::openInputFile(input, &error);
  if (!buffer) {
    llvm::errs() << "attnc cuda: " << error << "\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> out = mlir::openOutputFile(output, &error);
  if (!out) {
    llvm::errs() << "attnc cuda: " << error << "\n";
    return 1;
  }
  auto chunkFn = [&](std::unique_ptr<llvm::MemoryBuffer> chunk, llvm::raw_ostream &os) {
    return processChunk(std::move(chunk), os, s, verify);
  };
  mlir::LogicalResult result =
      split ? mlir::splitAndProcessBuffer(std::move(buffer), chunkFn, out->os(), mlir::kDefaultSplitMarker,
                                          mlir::kDefaultSplitMarker)
            : chunkFn(std::move(buffer), out->os());
  if (mlir::failed(result))
    return 1;
  out->keep();
  return 0;
}
