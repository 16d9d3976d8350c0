//===- AotKernelWriter.h - Save a plan's attention kernels -------*- C++ -*-===//
//
// `attnc run --save-plan P` keeps the JIT's attention kernels for the
// LLVM-free attnc-model: the object code the JIT runs (same IR, same
// options, host CPU) is linked by the system compiler driver into
// `P.kernels.so`, and `P.kernels.json` (runtime/cpu/KernelManifest.h)
// records the kernel ABI, the CPU the code needs and each kernel's
// metadata. The plan itself names each attention step's kernel symbol.
// runtime/model/AotKernels.h loads the pair.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_PLAN_AOTKERNELWRITER_H
#define ATTNC_COMPILER_PLAN_AOTKERNELWRITER_H

#include "compiler/Plan/ModelCompiler.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace attnc {

/// Writes the side files of plan `planPath` for `model`'s kernels, or
/// removes stale ones when `model` has none. The compiler driver is
/// $ATTNC_CXX, else the first of c++, clang++, g++ on PATH. Errors say
/// what failed (no driver, the link's own messages, a write).
llvm::Error writeAotKernels(const CompiledModel &model, llvm::StringRef planPath);

/// The manifest text for `model`'s kernels in a library of `libraryBytes`
/// bytes compiled for this host (exposed for tests).
std::string aotManifestJSON(const CompiledModel &model, uint64_t libraryBytes);

} // namespace attnc

#endif // ATTNC_COMPILER_PLAN_AOTKERNELWRITER_H
