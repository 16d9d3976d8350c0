//===- JIT.h - Compile attn IR to CPU kernels and load them -----*- C++ -*-===//
//
// The CPU back end's driver: attn IR text -> (attn-cpu-pipeline) -> LLVM IR
// -> O3 for the host CPU -> an object file, loaded with ORC's LLJIT. Objects
// and their kernel metadata (JSON) go through the runtime's KernelCache
// (runtime/cache: memory + disk, atomic entries with an integrity header,
// one compile per key across threads), keyed by the SHA-256 (llvm::SHA256)
// of everything that determines the code (IR, options, target CPU and
// features, ABI, attnc and LLVM versions); a warm hit loads the object and
// does no MLIR work at all. One KernelCache per directory serves the whole
// process.
//
// Used by the public API (compiler/API/attnc.h) and `attnc run`.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_CODEGEN_CPU_JIT_H
#define ATTNC_COMPILER_CODEGEN_CPU_JIT_H

#include "runtime/cache/KernelCache.h"
#include "runtime/cpu/KernelABI.h"
#include "runtime/cpu/KernelInfo.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llvm::orc {
class LLJIT;
} // namespace llvm::orc

namespace attnc::cpu {

struct JITOptions {
  /// Disk cache directory; empty keeps the cache in memory only.
  std::string cacheDir;
  /// f32 lanes per vector; 0 picks the host's.
  int64_t vectorWidth = 0;
  /// Tile size overrides (0: the target configuration's choice).
  int64_t qTile = 0, kTile = 0;
};

/// Wall-clock milliseconds per phase of the last compile.
struct CompileTimings {
  bool cacheHit = false;
  double parse = 0, kernelPipeline = 0, toLLVMDialect = 0, translate = 0, optimize = 0,
         codegen = 0, load = 0, total = 0;
};

/// A loaded object and its kernels. Thread-safe to call kernels from.
class KernelLibrary {
public:
  ~KernelLibrary();
  const std::vector<rt::CpuKernelInfo> &kernels() const { return infos; }
  /// The entry point of kernel `name` (null when absent).
  AttncCpuKernelFn lookup(llvm::StringRef name) const;
  const CompileTimings &timings() const { return times; }
  const std::string &cacheKey() const { return key; }

private:
  friend llvm::Expected<std::unique_ptr<KernelLibrary>> compile(llvm::StringRef, const JITOptions &);
  KernelLibrary() = default;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::vector<rt::CpuKernelInfo> infos;
  std::vector<AttncCpuKernelFn> entries;
  CompileTimings times;
  std::string key;
};

/// Compiles attn IR (decomposed or fused, with or without #attn.tiling) and
/// loads the kernels. Errors carry the MLIR diagnostics.
llvm::Expected<std::unique_ptr<KernelLibrary>> compile(llvm::StringRef attnIR, const JITOptions &options);

/// The optimised LLVM IR that compile() would turn into an object.
llvm::Expected<std::string> emitLLVMIR(llvm::StringRef attnIR, const JITOptions &options);
/// The object file compile() would load, through the same kernel cache
/// (a lookup when compile() already built this IR with these options).
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> emitObject(llvm::StringRef attnIR,
                                                               const JITOptions &options);

/// Where the kernel cache reports corrupt entries and write failures
/// (default: "attnc: warning: ..." on stderr). For tests and tools.
void setCacheWarningHandler(std::function<void(const std::string &)> handler);
/// Counters of the process-wide cache of `cacheDir` ("" = memory only).
rt::KernelCacheStats cacheStats(const std::string &cacheDir);
/// Forgets the in-memory copies of every cache (disk entries stay).
void clearMemoryCache();

/// The cache key of `attnIR` under `options` on this host (hex SHA-256).
std::string cacheKey(llvm::StringRef attnIR, const JITOptions &options);

} // namespace attnc::cpu

#endif // ATTNC_COMPILER_CODEGEN_CPU_JIT_H
