//===- attn-opt.cpp - The attnc optimizer driver ---------------------------===//
//
// mlir-opt for the attn dialect: every attnc pass and every named pipeline
// (`--attn-cpu-pipeline`, ...) is registered here, so a lit test or a
// developer replays exactly what `attnc` runs.
//
//===----------------------------------------------------------------------===//
#include "compiler/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  attnc::registerAllDialects(registry);
  attnc::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "attnc optimizer driver\n", registry));
}
