//===- AotKernels.h - Load a saved plan's compiled attention kernels -*- C++ -*-===//
//
// `attnc run --save-plan P` writes, next to the plan, the JIT's attention
// kernels linked into `P.kernels.so` and their metadata in
// `P.kernels.json` (runtime/cpu/KernelManifest.h); each attention step of
// the plan names its kernel symbol (`kernel=`). This loads the pair with
// dlopen, checks that the host can run the code (architecture, CPU
// features) and that library, manifest and plan belong together, and
// turns each kernel into the executor's AttentionKernel, so a process
// without LLVM runs the same kernels `attnc run` JIT-compiles.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_MODEL_AOTKERNELS_H
#define ATTNC_RUNTIME_MODEL_AOTKERNELS_H

#include "runtime/core/Status.h"
#include "runtime/model/Executor.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace attnc::rt::model {

/// The side files of plan `planPath`.
inline std::string aotLibraryPath(const std::string &planPath) { return planPath + ".kernels.so"; }
inline std::string aotManifestPath(const std::string &planPath) {
  return planPath + ".kernels.json";
}

struct AotKernels {
  /// Kernels by attention step index.
  std::vector<std::pair<size_t, AttentionKernel>> kernels;
  /// E.g. "3 AOT kernels from p.kernels.so (x86_64 skylake-avx512)".
  std::string description;

  void install(Model &model) const {
    for (auto &[step, kernel] : kernels)
      model.setAttentionKernel(step, kernel);
  }
};

/// Loads the kernels of every attention step of `plan` that names one.
/// Any mismatch (corrupt or foreign manifest, a library of another size,
/// a kernel or symbol missing, a CPU feature the host lacks) is an error
/// that names the file and the problem; nothing is installed then.
Result<AotKernels> loadAotKernels(const Plan &plan, const std::string &libraryPath,
                                  const std::string &manifestPath);

} // namespace attnc::rt::model

#endif // ATTNC_RUNTIME_MODEL_AOTKERNELS_H
