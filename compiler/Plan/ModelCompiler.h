//===- ModelCompiler.h - Compile a model for the CPU executor ----*- C++ -*-===//
//
// The compiler half of running a whole model: run the fusion pipeline on
// the model function (every attention chain that can be fused becomes one
// tiled attn.flash_attention), build the runtime plan (PlanBuilder.h), and
// JIT-compile each fused attention to a CPU kernel (compiler/Codegen/CPU)
// that the executor calls through the runtime dispatcher. When the CPU JIT
// is not built, or a kernel fails to compile, the executor's own attention
// kernel runs that step instead; CompiledModel::notes says so.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_PLAN_MODELCOMPILER_H
#define ATTNC_COMPILER_PLAN_MODELCOMPILER_H

#include "runtime/cpu/KernelInfo.h"
#include "runtime/model/Executor.h"
#include "runtime/model/Plan.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace attnc {

struct ModelCompileOptions {
  /// Run the fusion pipeline first (off: decomposed chains stay unfused).
  bool fuse = true;
  /// JIT-compile fused attention (off: runtime attention kernels only).
  bool jit = true;
  /// Kernel disk cache ("" disables it).
  std::string cacheDir;
  /// The model function's name.
  std::string function = "forward";
};

struct CompiledModel {
  rt::model::Plan plan;
  /// JIT kernels by step index; keeps the kernel library alive.
  std::vector<std::pair<size_t, rt::model::AttentionKernel>> kernels;
  std::shared_ptr<void> library;
  /// Human-readable remarks (unfused chains, JIT fallbacks).
  std::vector<std::string> notes;
  /// What the kernels were compiled from, kept so that a saved plan can
  /// carry the same code (AotKernelWriter.h): the attention module's IR and
  /// the metadata of its kernels. Empty when nothing was JIT-compiled.
  std::string kernelIR;
  std::vector<rt::CpuKernelInfo> kernelInfos;
  /// The kernel cache they were compiled through (a saved plan's object
  /// file is then a cache lookup, not a second compile).
  std::string kernelCacheDir;

  /// Installs the kernels into a loaded model.
  void installKernels(rt::model::Model &model) const {
    for (auto &[step, kernel] : kernels)
      model.setAttentionKernel(step, kernel);
  }
};

/// Runs fusion on `module` (in place), builds the plan and compiles kernels.
/// Errors carry the MLIR diagnostics.
llvm::Expected<CompiledModel> compileModel(mlir::ModuleOp module, const ModelCompileOptions &options);

/// True when this build can JIT-compile attention kernels.
bool haveCpuJit();

} // namespace attnc

#endif // ATTNC_COMPILER_PLAN_MODELCOMPILER_H
