//===- CudaTarget.h - attnc SPEC.attn --target=cuda -------------*- C++ -*-===//
//
// The CUDA end of the attnc driver for kernel specs: `attnc FILE.attn
// --target=cuda[-sm80|-sm90] --emit=mlir|cuda|ptx|cubin|artifact` runs the
// fusion/tiling pipeline with the CUDA tile configuration and hands every
// attn.flash_attention to the CUDA backend (CudaTargetCommand.cpp).
// `attnc cuda FILE.mlir` stays the entry point for already tiled MLIR.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_CUDATARGET_H
#define ATTNC_TOOLS_ATTNC_CUDATARGET_H

namespace attnc {

/// True when the arguments select a CUDA target (`--target=cuda...` or
/// `--target cuda...`); attnc.cpp then calls runCudaTargetCommand instead
/// of the compile command.
bool selectsCudaTarget(int argc, char **argv);

int runCudaTargetCommand(int argc, char **argv);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_CUDATARGET_H
