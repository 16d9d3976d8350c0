//===- CudaTargetCommand.cpp - attnc SPEC.attn --target=cuda --------------===//
//
// Spec -> attn dialect (frontends/spec) -> attn-fusion-pipeline with the
// CUDA target's tile configuration (compiler/Pipelines) -> the CUDA backend
// (compiler/Codegen/CUDA) for every attn.flash_attention, emitting CUDA C++,
// PTX, CUBIN or an AOT artifact. --emit=mlir prints the tiled module, the
// exact input `attnc cuda` takes, so each stage can be replayed alone.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/CudaTarget.h"

#include "tools/attnc/Commands.h"

#include "compiler/Codegen/CUDA/ArtifactBuilder.h"
#include "compiler/Codegen/CUDA/CudaCompiler.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Registration.h"
#include "dialects/Attn/IR/AttnOps.h"
#include "frontends/spec/SpecLoader.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace attnc;
using namespace attnc::cuda;

bool attnc::selectsCudaTarget(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef a = argv[i];
    if (a.consume_front("--target=") || a.consume_front("-target="))
      return a.starts_with("cuda");
    if ((a == "--target" || a == "-target") && i + 1 < argc)
      return llvm::StringRef(argv[i + 1]).starts_with("cuda");
  }
  return false;
}

namespace {
enum class Emit { MLIR, Cuda, Ptx, Cubin, Artifact };
} // namespace

int attnc::runCudaTargetCommand(int argc, char **argv) {
  namespace cl = llvm::cl;
  cl::OptionCategory category("attnc --target=cuda options");
  cl::opt<std::string> input(cl::Positional, cl::desc("<spec.attn | ->"), cl::init("-"), cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("Output file (default: stdout)"), cl::value_desc("file"),
                              cl::init("-"), cl::cat(category));
  cl::opt<std::string> target("target", cl::desc("cuda (= cuda-sm90), cuda-sm80 or cuda-sm90: the tile configuration"),
                              cl::init("cuda"), cl::cat(category));
  cl::opt<Emit> emit("emit", cl::desc("What to produce"), cl::init(Emit::Cuda),
                     cl::values(clEnumValN(Emit::MLIR, "mlir", "the fused and tiled attn module (input of attnc cuda)"),
                                clEnumValN(Emit::Cuda, "cuda", "CUDA C++ source"),
                                clEnumValN(Emit::Ptx, "ptx", "PTX from NVRTC"),
                                clEnumValN(Emit::Cubin, "cubin", "CUBIN from NVRTC"),
                                clEnumValN(Emit::Artifact, "artifact", "CUBIN + PTX + launch metadata (attnc-run)")),
                     cl::cat(category));
  cl::opt<std::string> archName("arch",
                                cl::desc("GPU architecture(s) (default: sm_90a for cuda/cuda-sm90, sm_80 for "
                                         "cuda-sm80); a comma-separated list with --emit=artifact"),
                                cl::cat(category));
  cl::opt<std::string> artifactDir("artifact-dir",
                                   cl::desc("With --emit=artifact: write <function>.attnc-gpu per attention here"),
                                   cl::value_desc("dir"), cl::cat(category));
  cl::opt<int64_t> qTile("q-tile", cl::desc("Query tile (0: the target's choice)"), cl::init(0), cl::cat(category));
  cl::opt<int64_t> kTile("k-tile", cl::desc("Key tile (0: the target's choice)"), cl::init(0), cl::cat(category));
  cl::opt<bool> noCache("no-cache", cl::desc("Bypass the kernel cache"), cl::cat(category));
  cl::opt<bool> timing("report-compile-time", cl::desc("Print NVRTC time (or cache hit) to stderr"),
                       cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) { printVersion(os); });
  cl::ParseCommandLineOptions(argc, argv, "attnc --target=cuda: compile a .attn kernel spec for NVIDIA GPUs\n");

  auto fail = [](const llvm::Twine &msg) {
    llvm::errs() << "attnc: " << msg << "\n";
    return 1;
  };
  if (target != "cuda" && target != "cuda-sm80" && target != "cuda-sm90")
    return fail("unknown CUDA target '" + target + "' (cuda, cuda-sm80, cuda-sm90)");
  std::string archText = archName.empty() ? (target == "cuda-sm80" ? "sm_80" : "sm_90a") : archName.getValue();
  std::vector<GpuArch> archs;
  llvm::SmallVector<llvm::StringRef> archNames;
  llvm::StringRef(archText).split(archNames, ',');
  for (llvm::StringRef name : archNames) {
    llvm::Expected<GpuArch> arch = parseGpuArch(name.trim());
    if (!arch)
      return fail(llvm::toString(arch.takeError()));
    archs.push_back(*arch);
  }
  if (archs.size() != 1 && emit != Emit::Artifact)
    return fail("several architectures need --emit=artifact");
  if (emit == Emit::Cubin && !archs[0].cubin)
    return fail("--emit=cubin needs an sm_* architecture, not " + archs[0].str());
  if (!artifactDir.empty() && emit != Emit::Artifact)
    return fail("--artifact-dir needs --emit=artifact");

  mlir::DialectRegistry registry;
  registerFrontendDialects(registry);
  registerAllDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &ctx);
  mlir::OwningOpRef<mlir::ModuleOp> module = loadSpec(input, ctx, sourceMgr);
  if (!module)
    return 1;

  PipelineOptions options;
  options.target = target;
  options.qTile = qTile;
  options.kTile = kTile;
  mlir::PassManager pm(&ctx);
  buildAttnFusionPipeline(pm, options);
  if (mlir::failed(pm.run(*module)))
    return 1;

  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> out = mlir::openOutputFile(output, &error);
  if (!out)
    return fail(error);
  if (emit == Emit::MLIR) {
    module->print(out->os());
    out->os() << "\n";
    out->keep();
    return 0;
  }

  llvm::SmallVector<mlir::attn::FlashAttentionOp> ops;
  module->walk([&](mlir::attn::FlashAttentionOp op) { ops.push_back(op); });
  if (ops.empty()) {
    mlir::emitError(module->getLoc()) << "nothing to compile for CUDA: the spec has no attention that fuses into "
                                         "attn.flash_attention";
    return 1;
  }
  bool binary = emit != Emit::Cuda;
  if (binary && ops.size() != 1 && !(emit == Emit::Artifact && !artifactDir.empty())) {
    mlir::emitError(ops[1].getLoc()) << "--emit=ptx/cubin/artifact writes one kernel, the spec has " << ops.size()
                                     << " attentions (use --emit=artifact --artifact-dir)";
    return 1;
  }
  if (!artifactDir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(artifactDir))
      return fail("cannot create " + artifactDir + ": " + ec.message());

  CudaCompileOptions compile;
  compile.useCache = !noCache;
  auto report = [&](const CompiledKernel &ck) {
    if (timing)
      llvm::errs() << "attnc: " << ck.kernel.kernelName << " (" << kernelKindName(ck.kernel.kind) << ", "
                   << ck.arch.str() << "): " << (ck.cacheHit ? "cache hit" : "NVRTC compile") << " "
                   << llvm::format("%.3f", ck.binary.seconds) << " s\n";
  };
  llvm::StringMap<unsigned> perFunction;
  bool failed = false;
  for (mlir::attn::FlashAttentionOp op : ops) {
    mlir::FailureOr<OpArtifactInfo> info = artifactInfoFromOp(op);
    if (mlir::failed(info)) {
      failed = true;
      continue;
    }
    // Models hold several attentions per function: number them.
    unsigned n = perFunction[info->name]++;
    if (n)
      info->name += "_" + std::to_string(n);
    if (emit == Emit::Cuda) {
      out->os() << emitForArch(info->variant, archs[0], compile).source << "\n";
      continue;
    }
    if (emit != Emit::Artifact) {
      llvm::Expected<CompiledKernel> ck = compileForArch(info->variant, archs[0], compile);
      if (!ck) {
        op.emitError() << llvm::toString(ck.takeError());
        return 1;
      }
      report(*ck);
      out->os() << (emit == Emit::Ptx ? ck->binary.ptx : ck->binary.cubin);
      continue;
    }
    ArtifactOptions ao;
    ao.archs = archs;
    ao.compile = compile;
    std::string producer;
    llvm::raw_string_ostream ps(producer);
    printVersion(ps);
    ao.producer = llvm::StringRef(producer).trim().str();
    std::vector<CompiledKernel> compiled;
    llvm::Expected<rt::gpu::Artifact> artifact = buildArtifact(*info, ao, &compiled);
    if (!artifact) {
      op.emitError() << llvm::toString(artifact.takeError());
      return 1;
    }
    for (const CompiledKernel &ck : compiled)
      report(ck);
    if (artifactDir.empty()) {
      std::vector<uint8_t> bytes = rt::gpu::serializeArtifact(*artifact);
      out->os().write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
      continue;
    }
    llvm::SmallString<256> path(artifactDir.getValue());
    llvm::sys::path::append(path, info->name + ".attnc-gpu");
    if (llvm::Error e = writeArtifactFile(path, *artifact))
      return fail("cannot write " + path + ": " + llvm::toString(std::move(e)));
  }
  if (failed)
    return 1;
  out->keep();
  return 0;
}
