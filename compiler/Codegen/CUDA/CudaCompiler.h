//===- CudaCompiler.h - Compile attention variants for NVIDIA GPUs -*- C++ -*-===//
//
// The CUDA backend's entry points used by the attnc driver and the JIT API:
// pick the kernel for an architecture, emit its source and compile it with
// NVRTC (through the runtime's kernel cache, keyed by source, architecture
// and NVRTC version, so a second compile of the same kernel is a file read).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_CODEGEN_CUDA_CUDACOMPILER_H
#define ATTNC_COMPILER_CODEGEN_CUDA_CUDACOMPILER_H

#include "compiler/Codegen/CUDA/KernelEmitter.h"
#include "compiler/Codegen/CUDA/NvrtcCompiler.h"

#include "llvm/Support/Error.h"

#include <optional>

namespace attnc::cuda {

struct CompiledKernel {
  GpuArch arch;
  EmittedKernel kernel;
  NvrtcOutput binary;
  bool cacheHit = false;
};

struct CudaCompileOptions {
  /// Force a kernel kind (tests); std::nullopt selects per architecture.
  std::optional<KernelKind> kind;
  /// Use the on-disk kernel cache ($ATTNC_CACHE_DIR ...).
  bool useCache = true;
};

/// The source `arch` would compile (no NVRTC involved).
EmittedKernel emitForArch(const rt::gpu::AttnVariant &v, const GpuArch &arch, const CudaCompileOptions &options);

/// Emits and compiles one variant for one architecture.
llvm::Expected<CompiledKernel> compileForArch(const rt::gpu::AttnVariant &v, const GpuArch &arch,
                                              const CudaCompileOptions &options);

} // namespace attnc::cuda

#endif // ATTNC_COMPILER_CODEGEN_CUDA_CUDACOMPILER_H
