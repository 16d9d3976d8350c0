//===- CompiledAttention.h - An attention step on a compiled CPU kernel -*- C++ -*-===//
//
// The one adapter between the executor's AttentionKernel and the CPU
// dispatcher (runtime/cpu/Dispatch.h), shared by the kernels `attnc run`
// JIT-compiles (compiler/Plan/ModelCompiler.cpp) and those attnc-model
// loads from a saved plan (AotKernels.h), so both run a step identically.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_MODEL_COMPILEDATTENTION_H
#define ATTNC_RUNTIME_MODEL_COMPILEDATTENTION_H

#include "runtime/cpu/KernelABI.h"
#include "runtime/cpu/KernelInfo.h"
#include "runtime/model/Executor.h"

#include <memory>

namespace attnc::rt::model {

/// An attention kernel that runs `fn` (described by `info`) through the
/// CPU dispatcher. `keepAlive` owns whatever keeps `info` and `fn` valid
/// (a JIT library, a dlopen handle).
AttentionKernel makeCpuAttentionKernel(std::shared_ptr<const void> keepAlive,
                                       const CpuKernelInfo *info, AttncCpuKernelFn fn);

} // namespace attnc::rt::model

#endif // ATTNC_RUNTIME_MODEL_COMPILEDATTENTION_H
