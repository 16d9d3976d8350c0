//===- Passes.h - CPU code generation passes --------------------*- C++ -*-===//
//
// The passes of Passes.td, their registration, and the named pipelines
// `attn-cpu-kernel-to-llvm` and `attn-cpu-pipeline` as C++ builders so that
// attnc, the JIT API and attn-opt all run the same passes.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_CODEGEN_CPU_PASSES_H
#define ATTNC_COMPILER_CODEGEN_CPU_PASSES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace mlir::attn {

#define GEN_PASS_DECL
#include "compiler/Codegen/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Codegen/CPU/Passes.h.inc"

struct CPUPipelineOptions {
  /// f32 lanes per vector; 0 picks the host's (16 with AVX-512F, else 8).
  int64_t vectorWidth = 0;
  /// Tile size overrides for attn-tile-attention (0: the target's choice).
  int64_t qTile = 0;
  int64_t kTile = 0;
};

/// The lanes a vector should have on this host.
int64_t hostVectorWidth();

/// Kernel funcs (after attn-lower-flash-cpu with erase-host) -> LLVM dialect.
void buildCPUKernelToLLVMPipeline(OpPassManager &pm);

/// Decomposed or fused attn IR -> kernel funcs with their `attn.cpu_kernel`
/// metadata: the fusion pipeline (compiler/Pipelines, cpu target) and
/// attn-lower-flash-cpu with erase-host.
void buildCPUKernelPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// The two above in sequence: attn IR -> LLVM dialect (`attn-cpu-pipeline`).
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// The dialects CPU kernels are made of (scf, vector, memref, math, LLVM),
/// so that tools can parse what the passes above print.
void registerCPUCodegenDialects(DialectRegistry &registry);

/// Registers the passes above and the named pipelines.
void registerCPUCodegenPasses();

} // namespace mlir::attn

#endif // ATTNC_COMPILER_CODEGEN_CPU_PASSES_H
