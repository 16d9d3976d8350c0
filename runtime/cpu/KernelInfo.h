//===- KernelInfo.h - What the runtime knows about a CPU kernel --*- C++ -*-===//
//
// The metadata attn-lower-flash-cpu records next to each kernel (serialised
// as JSON alongside the object file), in the form the LLVM-free dispatcher
// uses: tile sizes and schedule to size the work-item range, the expected
// shapes to validate tensors, and the mask tree so that live-tile lists of
// data-dependent masks can be computed at run time.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CPU_KERNELINFO_H
#define ATTNC_RUNTIME_CPU_KERNELINFO_H

#include "runtime/cpu/KernelABI.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attnc::rt {

enum class CpuMaskKind {
  Causal, Window, Padding, Strided, BlockSparse, PrefixLM, Document, Graph, Local2D,
  Explicit, And, Or
};

/// One node of a mask tree; `a`, `b` hold the node's integer parameters:
/// causal: a = offset; window: a = left, b = right; strided: a = stride;
/// block_sparse: a = block. Others need none here.
struct CpuMaskNode {
  CpuMaskKind kind = CpuMaskKind::Causal;
  int64_t a = 0, b = 0;
  std::vector<CpuMaskNode> members;
};

enum class CpuSchedule { Dense, Band, Runtime };

struct CpuKernelInfo {
  int abiVersion = ATTNC_CPU_KERNEL_ABI_VERSION;
  std::string name;          // the function; the C entry is _mlir_ciface_<name>
  int64_t qTile = 0, kTile = 0, vectorWidth = 0;
  CpuSchedule schedule = CpuSchedule::Dense;
  /// Static shapes from the IR, -1 when dynamic.
  int64_t batch = -1, qHeads = -1, kvHeads = -1, qLen = -1, kvLen = -1;
  int64_t headDim = 0, valueDim = 0;
  bool bottomRight = false;
  bool returnLse = false;
  float scale = 1.0f;
  std::optional<CpuMaskNode> mask;
  /// Bit i set: auxiliary slot i (AttncAuxSlot) is an operand of the kernel.
  unsigned auxUsed = 0;
  /// Modifier names in order ("alibi", "rel_emb", ...), for diagnostics.
  std::vector<std::string> modifiers;
  /// Parameters the dispatcher validates operand shapes with.
  int64_t relEmbMaxDistance = -1, t5NumBuckets = -1;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_CPU_KERNELINFO_H
