//===- NvrtcCompiler.h - CUDA C++ -> PTX / CUBIN with NVRTC -----*- C++ -*-===//
//
// Compiles generated kernel sources in-process with NVRTC. NVRTC needs no
// GPU and no driver, so attnc compiles CUBINs for a target it is not running
// on (the artifacts are then carried to the GPU machine). When attnc was
// built without the CUDA toolkit every call fails with a clear error.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_CODEGEN_CUDA_NVRTCCOMPILER_H
#define ATTNC_COMPILER_CODEGEN_CUDA_NVRTCCOMPILER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace attnc::cuda {

/// A parsed `--arch`: `sm_90a` (PTX + CUBIN) or `compute_90a` (PTX only).
struct GpuArch {
  int sm = 0;             // 80, 86, 90, ...
  bool archSpecific = false; // the `a` suffix (wgmma, TMA, setmaxnreg)
  bool cubin = true;      // sm_* rather than compute_*
  std::string str() const;         // as given: "sm_90a"
  std::string virtualArch() const; // "compute_90a"
};
llvm::Expected<GpuArch> parseGpuArch(llvm::StringRef text);

struct NvrtcOutput {
  std::string ptx;
  std::string cubin; // empty for compute_* targets
  std::string log;   // NVRTC's log (warnings)
  double seconds = 0;
};

/// True when attnc was built with NVRTC.
bool haveNvrtc();
/// "nvrtc 13.0" (or "none"); part of every kernel cache key.
std::string nvrtcVersion();

/// Compiles `source` for `arch`. The CUDA include directory (cuda_bf16.h,
/// cuda_fp16.h) is the toolkit's, overridable with $ATTNC_CUDA_INCLUDE.
llvm::Expected<NvrtcOutput> compileWithNvrtc(llvm::StringRef source, llvm::StringRef name, const GpuArch &arch);

} // namespace attnc::cuda

#endif // ATTNC_COMPILER_CODEGEN_CUDA_NVRTCCOMPILER_H
