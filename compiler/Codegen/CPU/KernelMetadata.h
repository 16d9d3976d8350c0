//===- KernelMetadata.h - CPU kernel metadata: attribute and JSON -*- C++ -*-===//
//
// attn-lower-flash-cpu records what the runtime must know about a kernel in
// an `attn.cpu_kernel` dictionary on the kernel function. The JIT turns it
// into the runtime's CpuKernelInfo and writes it as JSON next to the cached
// object, so that a warm cache hit needs neither MLIR nor the IR.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_CODEGEN_CPU_KERNELMETADATA_H
#define ATTNC_COMPILER_CODEGEN_CPU_KERNELMETADATA_H

#include "runtime/cpu/KernelInfo.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

namespace mlir::attn {

class FlashAttentionOp;

/// Name of the metadata dictionary on a kernel func.
inline constexpr llvm::StringLiteral kCpuKernelAttrName = "attn.cpu_kernel";

/// The metadata of the kernel `name` generated for `op`.
DictionaryAttr buildKernelMetadata(FlashAttentionOp op, StringRef name, int64_t qTile,
                                   int64_t kTile, int64_t vectorWidth);

/// Reads the dictionary back (fails with a message on malformed input).
llvm::Expected<attnc::rt::CpuKernelInfo> kernelInfoFromMetadata(DictionaryAttr dict);

llvm::json::Value kernelInfoToJSON(const attnc::rt::CpuKernelInfo &info);
llvm::Expected<attnc::rt::CpuKernelInfo> kernelInfoFromJSON(const llvm::json::Value &value);

} // namespace mlir::attn

#endif // ATTNC_COMPILER_CODEGEN_CPU_KERNELMETADATA_H
