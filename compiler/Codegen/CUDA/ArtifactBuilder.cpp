//===- ArtifactBuilder.cpp - Tiled attention op -> GPU artifact -----------===//
//
// One image per requested architecture, each with the kernel kind the
// architecture supports best (selectKernelKind) unless a kind is forced.
// Where that is the Hopper kernel, the architecture also gets an mma_sm80
// image: the launcher falls back to it when the wgmma image cannot run
// (a driver without cuTensorMapEncodeTiled, too little shared memory, a
// module that does not load) or when $ATTNC_GPU_KERNEL asks for it.
// Constant ALiBi slopes (the frontend materialises them as arith.constant)
// travel in the artifact, because the runtime has no MLIR to read them from.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CUDA/ArtifactBuilder.h"

#include "compiler/Codegen/CUDA/VariantFromOp.h"
#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace attnc;
using namespace attnc::cuda;

FailureOr<OpArtifactInfo> attnc::cuda::artifactInfoFromOp(attn::FlashAttentionOp op) {
  FailureOr<rt::gpu::AttnVariant> v = buildAttnVariant(op);
  if (failed(v))
    return failure();
  OpArtifactInfo info;
  info.variant = std::move(*v);
  if (auto fn = op->getParentOfType<func::FuncOp>())
    info.name = fn.getSymName().str();
  else
    info.name = "attention";
  auto q = cast<RankedTensorType>(op.getQ().getType());
  auto k = cast<RankedTensorType>(op.getK().getType());
  auto dim = [](RankedTensorType t, unsigned i) -> int64_t { return t.isDynamicDim(i) ? -1 : t.getDimSize(i); };
  info.dims = {dim(q, 0), dim(q, 1), dim(k, 1), dim(q, 2), dim(k, 2)};

  if (Value slopes = op.getAlibiSlopes()) {
    DenseElementsAttr values;
    if (!matchPattern(slopes, m_Constant(&values)))
      return info; // a run-time operand: the caller passes it
    for (APFloat x : values.getValues<APFloat>())
      info.alibiSlopes.push_back(x.convertToFloat());
  }
  return info;
}

llvm::Expected<rt::gpu::Artifact> attnc::cuda::buildArtifact(const OpArtifactInfo &info,
                                                             const ArtifactOptions &options,
                                                             std::vector<CompiledKernel> *compiled) {
  if (options.archs.empty())
    return llvm::createStringError("an artifact needs at least one GPU architecture");
  rt::gpu::Artifact a;
  a.producer = options.producer + ", " + nvrtcVersion();
  a.name = info.name;
  a.variant = info.variant;
  a.dims = info.dims;
  a.alibiSlopes = info.alibiSlopes;
  std::vector<std::pair<GpuArch, CudaCompileOptions>> jobs;
  for (const GpuArch &arch : options.archs) {
    jobs.push_back({arch, options.compile});
    if (!options.compile.kind &&
        selectKernelKind(info.variant, arch.sm, arch.archSpecific) == KernelKind::WgmmaSm90 &&
        kindUnsupportedReason(info.variant, KernelKind::MmaSm80, arch.sm, arch.archSpecific).empty()) {
      CudaCompileOptions fallback = options.compile;
      fallback.kind = KernelKind::MmaSm80;
      jobs.push_back({arch, fallback});
    }
  }
  for (const auto &[arch, compileOptions] : jobs) {
    llvm::Expected<CompiledKernel> ck = compileForArch(info.variant, arch, compileOptions);
    if (!ck)
      return ck.takeError();
    rt::gpu::KernelImage img;
    img.sm = arch.sm;
    img.archSpecific = arch.archSpecific;
    img.kind = kernelKindName(ck->kernel.kind);
    img.kernelName = ck->kernel.kernelName;
    img.classifyName = ck->kernel.classifyName;
    img.threads = ck->kernel.threads;
    img.classifyThreads = ck->kernel.classifyThreads;
    img.smemBytes = ck->kernel.smemBytes;
    img.cubin = ck->binary.cubin;
    img.ptx = ck->binary.ptx;
    a.images.push_back(std::move(img));
    if (compiled)
      compiled->push_back(std::move(*ck));
  }
  return a;
}

llvm::Error attnc::cuda::writeArtifactFile(llvm::StringRef path, const rt::gpu::Artifact &artifact) {
  std::vector<uint8_t> bytes = rt::gpu::serializeArtifact(artifact);
  return llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
    os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    return llvm::Error::success();
  });
}
