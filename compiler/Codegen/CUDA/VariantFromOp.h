//===- VariantFromOp.h - attn.flash_attention -> AttnVariant ----*- C++ -*-===//
//
// Reads a tiled attn.flash_attention op into the plain AttnVariant the CUDA
// emitter consumes, diagnosing (on the op) everything the GPU backend cannot
// compile: a missing #attn.tiling, dynamic head dims, mixed element types, a
// tiling band that would drop pairs the mask keeps.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_CODEGEN_CUDA_VARIANTFROMOP_H
#define ATTNC_COMPILER_CODEGEN_CUDA_VARIANTFROMOP_H

#include "runtime/cuda/attention/AttnVariant.h"

#include "mlir/Support/LLVM.h"

namespace mlir::attn {
class FlashAttentionOp;
} // namespace mlir::attn

namespace attnc::cuda {

/// Fails with an error on `op` when it cannot be compiled for the GPU.
mlir::FailureOr<rt::gpu::AttnVariant> buildAttnVariant(mlir::attn::FlashAttentionOp op);

} // namespace attnc::cuda

#endif // ATTNC_COMPILER_CODEGEN_CUDA_VARIANTFROMOP_H
