//===- Pipelines.cpp - CPU pipelines and pass registration ----------------===//
//
// The pass pipelines as C++ builder functions (the way IREE does it), so
// that `attn-opt --attn-cpu-pipeline` replays exactly what attnc and the JIT
// API run:
//
//   attn-cpu-pipeline       = attn-fusion-pipeline + attn-lower-flash-cpu
//                             + attn-cpu-kernel-to-llvm
//   attn-cpu-kernel-to-llvm = approximate math, canonicalise, hoist, lower
//                             to the LLVM dialect
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

int64_t attn::hostVectorWidth() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  auto it = features.find("avx512f");
  return it != features.end() && it->second ? 16 : 8;
}

void attn::buildCPUKernelToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createAttnApproximateMath());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createLoopInvariantCodeMotionPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(arith::createArithExpandOpsPass());
  ConvertVectorToLLVMPassOptions vectorOptions;
  vectorOptions.reassociateFPReductions = true;
  // The kernels' 16x16 f32 transposes (Q^T packing, the output write) as
  // AVX-512 unpack/shuffle sequences instead of 256 extract/insert pairs.
  vectorOptions.vectorTransposeLowering = vector::VectorTransposeLowering::Shuffle16x16;
  pm.addPass(createConvertVectorToLLVMPass(vectorOptions));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void attn::buildCPUKernelPipeline(OpPassManager &pm, const CPUPipelineOptions &options) {
  attnc::PipelineOptions fusion;
  int64_t lanes = options.vectorWidth > 0 ? options.vectorWidth : hostVectorWidth();
  fusion.target = lanes >= 16 ? "cpu-x86-avx512" : "cpu-x86-avx2";
  fusion.qTile = options.qTile;
  fusion.kTile = options.kTile;
  attnc::buildAttnFusionPipeline(pm, fusion);
  AttnLowerFlashCPUOptions lowerOptions;
  lowerOptions.vectorWidth = lanes;
  lowerOptions.eraseHost = true;
  pm.addPass(createAttnLowerFlashCPU(lowerOptions));
}

void attn::buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options) {
  buildCPUKernelPipeline(pm, options);
  buildCPUKernelToLLVMPipeline(pm);
}

void attn::registerCPUCodegenDialects(DialectRegistry &registry) {
  registry.insert<LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
                  vector::VectorDialect>();
}

void attn::registerCPUCodegenPasses() {
  registerAttnLowerFlashCPU();
  registerAttnApproximateMath();
  PassPipelineRegistration<>("attn-cpu-kernel-to-llvm",
                             "Lower attnc CPU kernel funcs to the LLVM dialect",
                             [](OpPassManager &pm) { buildCPUKernelToLLVMPipeline(pm); });
  PassPipelineRegistration<>("attn-cpu-pipeline",
                             "attn IR -> fused, tiled, vectorised CPU kernels in the LLVM dialect",
                             [](OpPassManager &pm) { buildCPUPipeline(pm, CPUPipelineOptions{}); });
}
