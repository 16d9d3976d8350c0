//===- CudaCommand.cpp - attnc cuda FILE.mlir --emit=cuda|ptx|cubin|artifact ===//
//
// Compiles the tiled attn.flash_attention ops of an MLIR file for NVIDIA
// GPUs: the generated CUDA C++, the PTX or CUBIN NVRTC makes of it, or an
// artifact (docs/gpu.md) that the LLVM-free runtime loads on a machine
// without attnc. `--split-input-file` and `--verify-diagnostics` work as in
// mlir-opt so that lit tests can check diagnostics.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/Commands.h"

#include "compiler/Codegen/CUDA/ArtifactBuilder.h"
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
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace attnc;
using namespace attnc::cuda;

namespace {
enum class GpuEmit { Cuda, Ptx, Cubin, Artifact };
enum class KindOpt { Auto, Simt, Mma, Wgmma };

struct Settings {
  GpuEmit emit;
  GpuArch arch; // the first of `archs`
  std::vector<GpuArch> archs;
  CudaCompileOptions compile;
  bool timing;
  std::string artifactDir; // --emit=artifact: one <function>.attnc-gpu per op
  llvm::StringSet<> *written;
};

void reportTime(const CompiledKernel &ck) {
  llvm::errs() << "attnc: " << ck.kernel.kernelName << " (" << kernelKindName(ck.kernel.kind) << ", "
               << ck.arch.str() << "): " << (ck.cacheHit ? "cache hit" : "NVRTC compile") << " "
               << llvm::format("%.3f", ck.binary.seconds) << " s\n";
}

/// --emit=artifact for one op: to `os`, or to <artifactDir>/<function>.attnc-gpu.
mlir::LogicalResult emitArtifact(mlir::attn::FlashAttentionOp op, llvm::raw_ostream &os, const Settings &s) {
  mlir::FailureOr<OpArtifactInfo> info = artifactInfoFromOp(op);
  if (mlir::failed(info))
    return mlir::failure();
  ArtifactOptions options;
  options.archs = s.archs;
  options.compile = s.compile;
  std::string producer;
  llvm::raw_string_ostream ps(producer);
  printVersion(ps);
  options.producer = llvm::StringRef(producer).trim().str();
  std::vector<CompiledKernel> compiled;
  llvm::Expected<rt::gpu::Artifact> artifact = buildArtifact(*info, options, &compiled);
  if (!artifact)
    return op.emitError() << llvm::toString(artifact.takeError());
  if (s.timing)
    for (const CompiledKernel &ck : compiled)
      reportTime(ck);
  if (s.artifactDir.empty()) {
    std::vector<uint8_t> bytes = rt::gpu::serializeArtifact(*artifact);
    os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    return mlir::success();
  }
  llvm::SmallString<256> path(s.artifactDir);
  llvm::sys::path::append(path, info->name + ".attnc-gpu");
  if (!s.written->insert(path).second)
    return op.emitError() << "two ops would write " << path << " (functions need distinct names)";
  if (llvm::Error e = writeArtifactFile(path, *artifact))
    return op.emitError() << "cannot write " << path << ": " << llvm::toString(std::move(e));
  return mlir::success();
}

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
    if (s.emit != GpuEmit::Cuda && ops.size() != 1 && !(s.emit == GpuEmit::Artifact && !s.artifactDir.empty()))
      return mlir::emitError(ops[1].getLoc())
             << "--emit=ptx/cubin/artifact compiles one attn.flash_attention per input, found " << ops.size()
             << " (use --emit=cuda, --artifact-dir, or split the input)";
    bool failedAny = false;
    for (mlir::attn::FlashAttentionOp op : ops) {
      if (s.emit == GpuEmit::Artifact) {
        failedAny |= mlir::failed(emitArtifact(op, os, s));
        continue;
      }
      mlir::FailureOr<rt::gpu::AttnVariant> v = buildAttnVariant(op);
      if (mlir::failed(v)) {
        failedAny = true;
        continue;
      }
      if (s.emit == GpuEmit::Cuda) {
        if (s.compile.kind && *s.compile.kind == KernelKind::WgmmaSm90) {
          std::string why = kindUnsupportedReason(*v, KernelKind::WgmmaSm90, s.arch.sm, s.arch.archSpecific);
          if (!why.empty()) {
            op.emitError() << "--kernel=wgmma: " << why;
            failedAny = true;
            continue;
          }
        }
        os << emitForArch(*v, s.arch, s.compile).source << "\n";
        continue;
      }
      llvm::Expected<CompiledKernel> ck = compileForArch(*v, s.arch, s.compile);
      if (!ck)
        return op.emitError() << llvm::toString(ck.takeError());
      if (s.timing)
        reportTime(*ck);
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
                                   clEnumValN(GpuEmit::Cubin, "cubin", "CUBIN from NVRTC (sm_* archs)"),
                                   clEnumValN(GpuEmit::Artifact, "artifact",
                                              "CUBIN + PTX + launch metadata for attnc-run / the runtime")),
                        cl::cat(category));
  cl::opt<std::string> archName("arch",
                                cl::desc("GPU architecture: sm_90a, sm_90, sm_80, compute_90a...; a comma-separated "
                                         "list with --emit=artifact (one kernel image per architecture)"),
                                cl::init("sm_90a"), cl::cat(category));
  cl::opt<std::string> artifactDir("artifact-dir",
                                   cl::desc("With --emit=artifact: write <function>.attnc-gpu for every op here"),
                                   cl::value_desc("dir"), cl::cat(category));
  cl::opt<KindOpt> kind("kernel", cl::desc("Kernel body"), cl::init(KindOpt::Auto),
                        cl::values(clEnumValN(KindOpt::Auto, "auto", "the best one for --arch"),
                                   clEnumValN(KindOpt::Simt, "simt", "CUDA cores (any dtype, any head dim)"),
                                   clEnumValN(KindOpt::Mma, "mma", "mma.sync tensor cores (bf16/f16)"),
                                   clEnumValN(KindOpt::Wgmma, "wgmma",
                                              "Hopper wgmma + TMA (sm_90a; bf16/f16, head dims 64/128)")),
                        cl::cat(category));
  cl::opt<bool> noCache("no-cache", cl::desc("Bypass the kernel cache"), cl::cat(category));
  cl::opt<bool> timing("report-compile-time", cl::desc("Print NVRTC time (or cache hit) to stderr"),
                       cl::cat(category));
  cl::opt<bool> split("split-input-file", cl::desc("Process chunks separated by `// -----` separately"),
                      cl::cat(category));
  cl::opt<bool> verify("verify-diagnostics", cl::desc("Check expected-* diagnostic comments"), cl::cat(category));
  cl::SetVersionPrinter([](llvm::raw_ostream &os) { printVersion(os); });
  cl::ParseCommandLineOptions(argc, argv, "attnc cuda: attn.flash_attention -> CUDA C++ / PTX / CUBIN\n");

  std::vector<GpuArch> archs;
  llvm::SmallVector<llvm::StringRef> archNames;
  llvm::StringRef(archName).split(archNames, ',');
  for (llvm::StringRef name : archNames) {
    llvm::Expected<GpuArch> arch = parseGpuArch(name.trim());
    if (!arch) {
      llvm::errs() << "attnc cuda: " << llvm::toString(arch.takeError()) << "\n";
      return 1;
    }
    archs.push_back(*arch);
  }
  if (archs.size() != 1 && emit != GpuEmit::Artifact) {
    llvm::errs() << "attnc cuda: several architectures need --emit=artifact\n";
    return 1;
  }
  if (emit == GpuEmit::Cubin && !archs[0].cubin) {
    llvm::errs() << "attnc cuda: --emit=cubin needs an sm_* architecture, not " << archs[0].str() << "\n";
    return 1;
  }
  if (!artifactDir.empty() && emit != GpuEmit::Artifact) {
    llvm::errs() << "attnc cuda: --artifact-dir needs --emit=artifact\n";
    return 1;
  }
  if (!artifactDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(artifactDir)) {
      llvm::errs() << "attnc cuda: cannot create " << artifactDir << ": " << ec.message() << "\n";
      return 1;
    }
  }
  llvm::StringSet<> written;
  Settings s{emit, archs[0], archs, {}, timing, artifactDir, &written};
  s.compile.useCache = !noCache;
  if (kind == KindOpt::Simt)
    s.compile.kind = KernelKind::Simt;
  if (kind == KindOpt::Mma)
    s.compile.kind = KernelKind::MmaSm80;
  if (kind == KindOpt::Wgmma)
    s.compile.kind = KernelKind::WgmmaSm90;

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
                                          // Binary outputs are not separated.
                                          emit == GpuEmit::Cuda || emit == GpuEmit::Ptx
                                              ? mlir::kDefaultSplitMarker
                                              : "")
            : chunkFn(std::move(buffer), out->os());
  if (mlir::failed(result))
    return 1;
  out->keep();
  return 0;
}
