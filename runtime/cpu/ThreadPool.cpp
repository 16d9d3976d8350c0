//===- ThreadPool.cpp - Fixed worker pool for the CPU executor ------------===//
//
// Each parallelFor call is a Job: a range cut into chunks, an atomic "next
// chunk" counter and a "chunks done" counter. Jobs wait in a queue; workers
// and the caller claim chunks of the oldest job until none remain. A job
// leaves the queue as soon as all its chunks are claimed, and its caller
// waits only for chunks already running on other threads, which always
// finish: that is why concurrent and nested calls are deadlock-free.
//
//===----------------------------------------------------------------------===//
#include "runtime/cpu/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

namespace attnc::rt {

struct ThreadPool::Job {
  int64_t begin, end, grain, numChunks;
  const RangeFn *fn;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex mutex;
  std::condition_variable finished;
};

unsigned ThreadPool::defaultNumThreads() {
  if (const char *env = std::getenv("ATTNC_NUM_THREADS")) {
    char *endp = nullptr;
    long n = std::strtol(env, &endp, 10);
    if (endp != env && *endp == '\0' && n > 0 && n <= 4096)
      return unsigned(n);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? hw : 1;
}

ThreadPool &ThreadPool::global() {
  static ThreadPool pool;
  return pool;
}

ThreadPool::ThreadPool(unsigned numThreads) {
  if (numThreads == 0)
    numThreads = defaultNumThreads();
  workers_.reserve(numThreads - 1);
  for (unsigned i = 1; i < numThreads; ++i)
    workers_.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread &t : workers_)
    t.join();
}

void ThreadPool::runChunks(Job &job) {
  for (;;) {
    int64_t c = job.next.fetch_add(1, std::memory_order_relaxed);
    if (c >= job.numChunks)
      return;
    int64_t b = job.begin + c * job.grain;
    int64_t e = std::min(job.end, b + job.grain);
    (*job.fn)(b, e);
    if (job.done.fetch_add(1, std::memory_order_acq_rel) + 1 == job.numChunks) {
      // Lock so the notification cannot slip between the waiter's check and
      // its wait.
      std::lock_guard<std::mutex> lock(job.mutex);
      job.finished.notify_all();
    }
  }
}

void ThreadPool::workerLoop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_ && queue_.empty())
        return;
      job = queue_.front();
      // Claimed-out jobs leave the queue here so idle workers go back to
      // sleep instead of spinning on them.
      if (job->next.load(std::memory_order_relaxed) >= job->numChunks) {
        queue_.pop_front();
        continue;
      }
    }
    runChunks(*job);
  }
}

void ThreadPool::parallelFor(int64_t begin, int64_t end, int64_t grain,
                             const RangeFn &fn) {
  if (end <= begin)
    return;
  grain = std::max<int64_t>(grain, 1);
  int64_t numChunks = (end - begin + grain - 1) / grain;
  if (numChunks == 1 || workers_.empty()) {
    for (int64_t b = begin; b < end; b += grain)
      fn(b, std::min(end, b + grain));
    return;
  }

  auto job = std::make_shared<Job>();
  job->begin = begin;
  job->end = end;
  job->grain = grain;
  job->numChunks = numChunks;
  job->fn = &fn;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(job);
  }
  // The caller takes one chunk itself; wake only as many workers as can
  // get one.
  if (numChunks - 1 >= int64_t(workers_.size()))
    wake_.notify_all();
  else
    for (int64_t i = 0; i < numChunks - 1; ++i)
      wake_.notify_one();

  runChunks(*job);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find(queue_.begin(), queue_.end(), job);
    if (it != queue_.end())
      queue_.erase(it);
  }
  std::unique_lock<std::mutex> lock(job->mutex);
  job->finished.wait(lock, [&] {
    return job->done.load(std::memory_order_acquire) == job->numChunks;
  });
}

} // namespace attnc::rt
