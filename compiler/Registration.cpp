//===- Registration.cpp - Register attnc dialects and passes --------------===//
//
// The single registry used by attn-opt, attnc and the JIT API.
//
//===----------------------------------------------------------------------===//
#include "compiler/Registration.h"

#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/Attn/IR/AttnDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"

void attnc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<mlir::attn::AttnDialect, mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::tensor::TensorDialect>();
  mlir::attn::registerCPUCodegenDialects(registry);
}

void attnc::registerAllPasses() {
  mlir::attn::registerAttnTransformsPasses();
  attnc::registerAttnPipelines();
  mlir::attn::registerCPUCodegenPasses();
}
