//===- ThreadPoolTest.cpp - parallelFor coverage, concurrency, nesting ----===//
#include "runtime/cpu/ThreadPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

using namespace attnc::rt;

namespace {

/// Runs parallelFor and checks that every index is visited exactly once, by
/// chunks no larger than the grain.
void checkCoverage(ThreadPool &pool, int64_t begin, int64_t end, int64_t grain) {
  int64_t n = std::max<int64_t>(end - begin, 0);
  std::vector<std::atomic<int>> hits(size_t(n) + 1);
  std::atomic<bool> oversized{false};
  pool.parallelFor(begin, end, grain, [&](int64_t b, int64_t e) {
    if (e - b > std::max<int64_t>(grain, 1) || b >= e)
      oversized = true;
    for (int64_t i = b; i < e; ++i)
      hits[size_t(i - begin)]++;
  });
  EXPECT_FALSE(oversized) << begin << ".." << end << " grain " << grain;
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(hits[size_t(i)].load(), 1)
        << "index " << begin + i << " of " << begin << ".." << end
        << " grain " << grain;
}

TEST(ThreadPool, CoversRangesExactlyOnce) {
  ThreadPool pool(4);
  EXPECT_EQ(pool.numThreads(), 4u);
  for (auto [b, e, g] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
           {0, 0, 1}, {5, 3, 1}, {0, 1, 1}, {0, 1000, 1}, {3, 1000, 7},
           {-50, 50, 13}, {0, 17, 100}, {0, 113, 0}, {0, 64, 64}})
    checkCoverage(pool, b, e, g);
}

TEST(ThreadPool, SingleThreadPoolRunsInline) {
  ThreadPool pool(1);
  EXPECT_EQ(pool.numThreads(), 1u);
  std::thread::id caller = std::this_thread::get_id();
  bool allInline = true;
  pool.parallelFor(0, 100, 3, [&](int64_t, int64_t) {
    allInline &= std::this_thread::get_id() == caller;
  });
  EXPECT_TRUE(allInline);
  checkCoverage(pool, 0, 999, 10);
}

TEST(ThreadPool, UsesSeveralThreads) {
  ThreadPool pool(4);
  std::mutex m;
  std::set<std::thread::id> ids;
  pool.parallelFor(0, 64, 1, [&](int64_t, int64_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard<std::mutex> lock(m);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_GT(ids.size(), 1u);
}

TEST(ThreadPool, ConcurrentCallersShareOnePool) {
  ThreadPool pool(3);
  std::vector<std::thread> callers;
  std::atomic<int64_t> total{0};
  for (int t = 0; t < 8; ++t)
    callers.emplace_back([&, t] {
      for (int rep = 0; rep < 50; ++rep) {
        std::atomic<int64_t> sum{0};
        pool.parallelFor(0, 200 + t, 9, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i)
            sum += i;
        });
        int64_t n = 200 + t;
        EXPECT_EQ(sum.load(), n * (n - 1) / 2);
        total += 1;
      }
    });
  for (std::thread &c : callers)
    c.join();
  EXPECT_EQ(total.load(), 8 * 50);
}

TEST(ThreadPool, NestedCallsDoNotDeadlock) {
  ThreadPool pool(2);
  std::atomic<int64_t> count{0};
  pool.parallelFor(0, 16, 1, [&](int64_t, int64_t) {
    pool.parallelFor(0, 16, 1, [&](int64_t b, int64_t e) { count += e - b; });
  });
  EXPECT_EQ(count.load(), 256);
}

TEST(ThreadPool, DefaultSizeHonoursEnvironment) {
  const char *old = std::getenv("ATTNC_NUM_THREADS");
  std::string saved = old ? old : "";
  ::setenv("ATTNC_NUM_THREADS", "3", 1);
  EXPECT_EQ(ThreadPool::defaultNumThreads(), 3u);
  ::setenv("ATTNC_NUM_THREADS", "zero", 1); // Ignored: hardware default.
  EXPECT_GE(ThreadPool::defaultNumThreads(), 1u);
  ::setenv("ATTNC_NUM_THREADS", "-2", 1);
  EXPECT_GE(ThreadPool::defaultNumThreads(), 1u);
  if (old)
    ::setenv("ATTNC_NUM_THREADS", saved.c_str(), 1);
  else
    ::unsetenv("ATTNC_NUM_THREADS");
}

} // namespace
