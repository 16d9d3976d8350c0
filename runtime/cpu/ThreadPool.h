//===- ThreadPool.h - Fixed worker pool for the CPU executor -----*- C++ -*-===//
//
// The CPU executor splits attention into independent work items (batch x
// head x query tile) and hands them to parallelFor. Design points:
//  * a fixed set of workers, created once (ATTNC_NUM_THREADS, else the
//    hardware concurrency), so a kernel call never pays thread start-up;
//  * the calling thread runs chunks too, so parallelFor makes progress even
//    when every worker is busy, and nested or concurrent calls from several
//    threads cannot deadlock;
//  * chunks are claimed dynamically (an atomic counter), which balances
//    uneven work such as causal masks, where late query tiles cost more.
// fn must not throw (the runtime is built without exceptions) and must be
// safe to run concurrently on disjoint [begin, end) ranges.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CPU_THREADPOOL_H
#define ATTNC_RUNTIME_CPU_THREADPOOL_H

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace attnc::rt {

class ThreadPool {
public:
  using RangeFn = std::function<void(int64_t begin, int64_t end)>;

  /// `numThreads` counts the caller: a pool of N runs N-1 workers. 0 means
  /// defaultNumThreads().
  explicit ThreadPool(unsigned numThreads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// ATTNC_NUM_THREADS if it is a positive integer, else
  /// std::thread::hardware_concurrency() (at least 1).
  static unsigned defaultNumThreads();
  /// The process-wide pool, created on first use.
  static ThreadPool &global();

  /// Threads that can run chunks at once, the caller included.
  unsigned numThreads() const { return unsigned(workers_.size()) + 1; }

  /// Calls fn on consecutive chunks [b, e) of at most `grain` elements that
  /// exactly cover [begin, end), and returns when all have finished. Empty
  /// ranges return immediately; grain < 1 is treated as 1.
  void parallelFor(int64_t begin, int64_t end, int64_t grain,
                   const RangeFn &fn);

private:
  struct Job;
  void workerLoop();
  static void runChunks(Job &job);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stop_ = false;
};

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_CPU_THREADPOOL_H
