//===- KernelCache.h - In-memory and on-disk compiled-kernel cache -*- C++ -*-===//
//
// Compiling an attention kernel (MLIR -> LLVM/NVRTC) takes 100s of ms; the
// cache makes the second request for the same kernel free, in this process
// (memory) and in later ones (disk). The key is a hex string that the
// compiler computes (SHA-256 of IR + options + target + versions), so the
// cache itself never needs to know what a kernel is: payloads are opaque
// bytes (an object file, a CUBIN, PTX, metadata...).
//
// On disk, each entry is one file <dir>/<key[0:2]>/<key>.kernel:
//   magic "ATTNCKC1" | u32 format version | u32 key length | u64 payload size
//   | 32-byte SHA-256 of the payload | key bytes | payload     (little-endian)
// written to a temp file and renamed, so readers never see a partial entry.
// A corrupt, truncated or mismatched entry is reported through the warning
// handler and treated as a miss (then overwritten), never as an error.
//
// Thread safety: all methods may be called concurrently. getOrCompute runs
// compileFn once per key even when many threads ask at the same time; the
// others wait and share the result (or the failure).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CACHE_KERNELCACHE_H
#define ATTNC_RUNTIME_CACHE_KERNELCACHE_H

#include "runtime/core/Status.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace attnc::rt {

using KernelBlob = std::vector<uint8_t>;
using KernelBlobRef = std::shared_ptr<const KernelBlob>;
using WarningHandler = std::function<void(const std::string &message)>;

/// Prints "attnc: warning: <message>" to stderr.
void defaultWarningHandler(const std::string &message);

struct KernelCacheOptions {
  /// Directory for entries. Empty: defaultCacheDirectory().
  std::string directory;
  /// false: memory only (nothing read from or written to disk).
  bool useDisk = true;
  /// Receives problems that do not fail the request (corrupt entry, cache
  /// directory not writable). Null: defaultWarningHandler.
  WarningHandler onWarning;
};

struct KernelCacheStats {
  uint64_t memoryHits = 0;
  uint64_t diskHits = 0;
  uint64_t compiles = 0;        // compileFn invocations
  uint64_t failedCompiles = 0;  // compileFn returned an error
  uint64_t corruptEntries = 0;  // disk entries rejected as corrupt
  uint64_t diskWriteFailures = 0;
};

class KernelCache {
public:
  using CompileFn = std::function<Result<KernelBlob>()>;

  explicit KernelCache(KernelCacheOptions options = {});
  ~KernelCache();
  KernelCache(const KernelCache &) = delete;
  KernelCache &operator=(const KernelCache &) = delete;

  /// $ATTNC_CACHE_DIR, else $XDG_CACHE_HOME/attnc, else $HOME/.cache/attnc.
  static std::string defaultCacheDirectory();
  /// Keys must be 16..128 lower-case hex digits: they become file names.
  static Status validateKey(const std::string &key);

  /// The cached payload: memory first, then disk. NotFound on a miss.
  Result<KernelBlobRef> lookup(const std::string &key);
  /// Stores a payload in memory and (best effort) on disk.
  Status store(const std::string &key, KernelBlob payload);
  /// lookup(), else compile once (even under concurrent calls) and store.
  Result<KernelBlobRef> getOrCompute(const std::string &key,
                                     const CompileFn &compileFn);

  /// Drops the in-memory copies (disk entries stay); for tests and tools.
  void clearMemory();
  KernelCacheStats stats() const;
  const std::string &directory() const { return directory_; }
  /// Where the entry for `key` lives on disk.
  std::string entryPath(const std::string &key) const;

private:
  struct Slot;
  Result<KernelBlobRef> readDisk(const std::string &key);
  void writeDisk(const std::string &key, const KernelBlob &payload);
  void warn(const std::string &message);

  std::string directory_;
  bool useDisk_;
  WarningHandler onWarning_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  KernelCacheStats stats_;
};

/// Serialised disk entry for (key, payload); exposed for tests and tools.
KernelBlob encodeCacheEntry(const std::string &key, const KernelBlob &payload);
/// Validates an entry image and returns its payload; Corrupt on any mismatch.
Result<KernelBlob> decodeCacheEntry(const std::string &key,
                                    const uint8_t *data, size_t size);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_CACHE_KERNELCACHE_H
