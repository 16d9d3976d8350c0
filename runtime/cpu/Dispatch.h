//===- Dispatch.h - Run a compiled CPU attention kernel ----------*- C++ -*-===//
//
// The CPU attention dispatcher: given a kernel's entry point and metadata
// (KernelInfo.h) and tensor views, it validates every shape, stride and
// dtype (with messages naming the tensor), fills the parameter block of
// KernelABI.h, derives the live-tile lists of data-dependent masks from the
// mask data (once per distinct input: LiveTileCache), and runs the work
// items (batch x query head x query tile) on the thread pool.
//
// Outputs are written, never read: callers that want to detect unwritten
// elements poison them first. No LLVM here.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CPU_DISPATCH_H
#define ATTNC_RUNTIME_CPU_DISPATCH_H

#include "runtime/core/Status.h"
#include "runtime/core/Tensor.h"
#include "runtime/cpu/KernelABI.h"
#include "runtime/cpu/KernelInfo.h"

#include <array>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace attnc::rt {

class ThreadPool;

/// Tensors of one attention call. A view with a null data pointer is
/// absent (lse, and auxiliary operands the kernel does not read).
struct CpuAttentionArgs {
  TensorView q, k, v, out, lse;
  std::array<TensorView, ATTNC_NUM_AUX> aux{};
};

/// Live-tile lists by content of the mask data, so repeated calls with the
/// same padding lengths / documents / graph reuse the list. Thread-safe.
class LiveTileCache {
public:
  explicit LiveTileCache(size_t capacity = 16) : capacity(capacity) {}
  std::shared_ptr<const std::vector<int32_t>> find(const std::string &key);
  void insert(const std::string &key, std::shared_ptr<const std::vector<int32_t>> tiles);
  size_t size();

private:
  std::mutex mutex;
  size_t capacity;
  std::list<std::pair<std::string, std::shared_ptr<const std::vector<int32_t>>>> entries;
};

struct CpuRunOptions {
  /// Null: ThreadPool::global().
  ThreadPool *pool = nullptr;
  /// Null: a process-wide cache.
  LiveTileCache *tileCache = nullptr;
  /// Work items per parallelFor chunk (0: automatic).
  int64_t grain = 0;
};

/// Validates `args` against `info` and runs `fn` over all work items.
Status runCpuAttention(const CpuKernelInfo &info, AttncCpuKernelFn fn, const CpuAttentionArgs &args,
                       const CpuRunOptions &options = {});

/// The live-tile list runCpuAttention would pass (exposed for tests): offsets
/// for each work item, then entries `kt * 2 + full`.
Result<std::vector<int32_t>> computeLiveTiles(const CpuKernelInfo &info, const CpuAttentionArgs &args);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_CPU_DISPATCH_H
