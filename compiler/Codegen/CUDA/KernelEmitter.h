//===- KernelEmitter.h - CUDA C++ for one attention variant -----*- C++ -*-===//
//
// Turns an AttnVariant (runtime/cuda/attention/AttnVariant.h) into a CUDA
// C++ translation unit: per-variant constants, the mask tree and the score
// modifiers inlined as device functions, and one of the kernel bodies in
// Kernels/ (the FA2-style tensor-core kernel or the portable CUDA-core one),
// plus the classify kernel when the tile schedule is decided at run time.
// This part needs neither MLIR nor CUDA, so `--emit=cuda` works everywhere.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_CODEGEN_CUDA_KERNELEMITTER_H
#define ATTNC_COMPILER_CODEGEN_CUDA_KERNELEMITTER_H

#include "runtime/cuda/attention/AttnVariant.h"

#include <cstdint>
#include <string>

namespace attnc::cuda {

enum class KernelKind {
  Simt,      // CUDA cores, any dtype / head dim / architecture
  MmaSm80,   // mma.sync m16n8k16 + ldmatrix + cp.async (sm_80 and later)
  WgmmaSm90, // wgmma + TMA + setmaxnreg, FlashAttention-3 structure (sm_90a only)
};
const char *kernelKindName(KernelKind k); // "simt", "mma_sm80", "wgmma_sm90"

/// Dynamic shared memory a block may use on compute capability `sm`.
int64_t maxDynamicSmem(int sm);
/// Shared memory of the tensor-core kernel: Q tile + double-buffered K/V.
int64_t mmaSmemBytes(const rt::gpu::AttnVariant &v);

/// Shared memory of the Hopper kernel: Q tile + double-buffered K/V in
/// 128B-swizzled panels, 1 KiB of alignment slack and the mbarriers.
int64_t wgmmaSmemBytes(const rt::gpu::AttnVariant &v);
/// Threads of the Hopper kernel: a producer warpgroup and one consumer
/// warpgroup per 64 query rows.
int wgmmaThreads(const rt::gpu::AttnVariant &v);

/// The best kernel the variant can use on compute capability `sm` (80, 90...);
/// `archSpecific` is the `a` of sm_90a, which wgmma and setmaxnreg need.
KernelKind selectKernelKind(const rt::gpu::AttnVariant &v, int sm, bool archSpecific = false);
/// Why the tensor-core kernel cannot take the variant ("" when it can).
std::string mmaUnsupportedReason(const rt::gpu::AttnVariant &v);
/// Why the Hopper kernel cannot take the variant ("" when it can).
std::string wgmmaUnsupportedReason(const rt::gpu::AttnVariant &v);
/// Why `kind` cannot be compiled for the variant on sm_<sm>[a] ("" when it can).
std::string kindUnsupportedReason(const rt::gpu::AttnVariant &v, KernelKind kind, int sm, bool archSpecific);

struct EmittedKernel {
  std::string source;       // complete CUDA C++ (no host headers)
  std::string kernelName;   // extern "C" attention kernel
  std::string classifyName; // extern "C" tile-map kernel, "" unless schedule == runtime
  KernelKind kind = KernelKind::Simt;
  int threads = 0;          // block size of the attention kernel
  int classifyThreads = 0;
  int64_t smemBytes = 0;    // dynamic shared memory of the attention kernel
};

/// Emits the kernel source. `baseName` names the kernels (a valid C
/// identifier; kernelNameFor() derives one from the variant).
EmittedKernel emitKernel(const rt::gpu::AttnVariant &v, KernelKind kind, const std::string &baseName);

/// "attnc_fa_<16 hex digits>": a stable hash of the variant and the kind.
std::string kernelNameFor(const rt::gpu::AttnVariant &v, KernelKind kind);

/// The C++ expression / function bodies the emitter inlines; exposed for
/// unit tests.
std::string emitMaskExpr(const rt::gpu::MaskNode &mask, bool kvSegments);

} // namespace attnc::cuda

#endif // ATTNC_COMPILER_CODEGEN_CUDA_KERNELEMITTER_H
