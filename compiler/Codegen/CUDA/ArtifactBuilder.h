//===- ArtifactBuilder.h - Tiled attention op -> GPU artifact ---*- C++ -*-===//
//
// The compiler half of the AOT path: compiles one attn.flash_attention for
// one or more GPU architectures and packs the CUBIN/PTX images with the
// launch metadata into an artifact (runtime/cuda/attention/Artifact.h,
// format in docs/gpu.md), which the LLVM-free runtime loads on a machine
// that has a GPU but no attnc. Serialisation itself is shared with the
// runtime so that writer and reader cannot disagree.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_CODEGEN_CUDA_ARTIFACTBUILDER_H
#define ATTNC_COMPILER_CODEGEN_CUDA_ARTIFACTBUILDER_H

#include "compiler/Codegen/CUDA/CudaCompiler.h"
#include "runtime/cuda/attention/Artifact.h"

#include "mlir/Support/LLVM.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::attn {
class FlashAttentionOp;
} // namespace mlir::attn

namespace attnc::cuda {

/// What an artifact records about the op besides its variant.
struct OpArtifactInfo {
  std::string name; // the enclosing function
  rt::gpu::AttnVariant variant;
  rt::gpu::StaticDims dims;
  std::vector<float> alibiSlopes; // constant slopes, if the op has them
};

/// Reads the op (diagnosing on it when the CUDA backend cannot compile it).
mlir::FailureOr<OpArtifactInfo> artifactInfoFromOp(mlir::attn::FlashAttentionOp op);

struct ArtifactOptions {
  std::vector<GpuArch> archs; // one image per architecture
  CudaCompileOptions compile;
  std::string producer;       // "attnc 0.1.0 (LLVM/MLIR 22.1.8)"; NVRTC's version is appended
};

/// Compiles `info` for every architecture. `compiled` (optional) receives
/// the per-architecture results (compile times, cache hits).
llvm::Expected<rt::gpu::Artifact> buildArtifact(const OpArtifactInfo &info, const ArtifactOptions &options,
                                                std::vector<CompiledKernel> *compiled = nullptr);

/// Writes the artifact atomically (a temporary file renamed into place).
llvm::Error writeArtifactFile(llvm::StringRef path, const rt::gpu::Artifact &artifact);

} // namespace attnc::cuda

#endif // ATTNC_COMPILER_CODEGEN_CUDA_ARTIFACTBUILDER_H
