//===- Passes.h - attn-level transformations --------------------*- C++ -*-===//
//
// Declarations of the passes in Passes.td (attn-fuse-attention,
// attn-tile-attention) and their registration.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_TRANSFORMS_PASSES_H
#define ATTNC_COMPILER_TRANSFORMS_PASSES_H

#include "dialects/Attn/IR/AttnDialect.h"

#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir::attn {

#define GEN_PASS_DECL
#include "compiler/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Transforms/Passes.h.inc"

} // namespace mlir::attn

#endif // ATTNC_COMPILER_TRANSFORMS_PASSES_H
