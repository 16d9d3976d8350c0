//===- KernelCacheTest.cpp - Kernel cache: hits, concurrency, corruption --===//
//
// Each test gets a fresh cache directory. Corruption tests damage entries on
// disk the way crashes and bad disks do (truncation, flipped bytes, a file
// of another key) and expect a warning plus a recompile, never an error.
//
//===----------------------------------------------------------------------===//
#include "runtime/cache/KernelCache.h"
#include "runtime/core/File.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace attnc::rt;

namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";
const std::string kKey2 = "fedcba9876543210fedcba9876543210";

class KernelCacheTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/attnc-kc-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }

  KernelCacheOptions options() {
    KernelCacheOptions o;
    o.directory = dir;
    o.onWarning = [this](const std::string &m) {
      std::lock_guard<std::mutex> lock(warningsMutex);
      warnings.push_back(m);
    };
    return o;
  }

  static KernelCache::CompileFn compileTo(KernelBlob payload,
                                          std::atomic<int> *count = nullptr) {
    return [payload, count]() -> Result<KernelBlob> {
      if (count)
        ++*count;
      return payload;
    };
  }

  void damageEntry(const std::string &path,
                   const std::function<void(std::vector<uint8_t> &)> &edit) {
    Result<std::vector<uint8_t>> bytes = readFile(path);
    ASSERT_TRUE(bytes.ok()) << bytes.status().toString();
    edit(*bytes);
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char *>(bytes->data()),
               std::streamsize(bytes->size()));
  }

  std::string dir;
  std::mutex warningsMutex;
  std::vector<std::string> warnings;
};

TEST_F(KernelCacheTest, CompilesOnceThenHitsMemory) {
  KernelCache cache(options());
  std::atomic<int> compiles{0};
  for (int i = 0; i < 3; ++i) {
    Result<KernelBlobRef> r = cache.getOrCompute(kKey, compileTo({1, 2, 3}, &compiles));
    ASSERT_TRUE(r.ok()) << r.status().toString();
    EXPECT_EQ(**r, (KernelBlob{1, 2, 3}));
  }
  EXPECT_EQ(compiles.load(), 1);
  EXPECT_EQ(cache.stats().compiles, 1u);
  EXPECT_EQ(cache.stats().memoryHits, 2u);
  EXPECT_TRUE(warnings.empty());
}

TEST_F(KernelCacheTest, PersistsAcrossInstances) {
  {
    KernelCache cache(options());
    ASSERT_TRUE(cache.getOrCompute(kKey, compileTo({9, 8, 7})).ok());
    EXPECT_EQ(cache.entryPath(kKey), dir + "/01/" + kKey + ".kernel");
  }
  KernelCache fresh(options());
  std::atomic<int> compiles{0};
  Result<KernelBlobRef> r = fresh.getOrCompute(kKey, compileTo({0}, &compiles));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, (KernelBlob{9, 8, 7}));
  EXPECT_EQ(compiles.load(), 0);
  EXPECT_EQ(fresh.stats().diskHits, 1u);
  Result<KernelBlobRef> looked = fresh.lookup(kKey);
  ASSERT_TRUE(looked.ok());
  EXPECT_EQ(looked->get(), r->get()); // Same shared payload.
}

TEST_F(KernelCacheTest, LookupAndStore) {
  KernelCache cache(options());
  Result<KernelBlobRef> miss = cache.lookup(kKey);
  ASSERT_FALSE(miss.ok());
  EXPECT_EQ(miss.status().code(), StatusCode::NotFound);
  ASSERT_TRUE(cache.store(kKey, {5, 5}).ok());
  cache.clearMemory();
  Result<KernelBlobRef> hit = cache.lookup(kKey);
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(**hit, (KernelBlob{5, 5}));
  EXPECT_EQ(cache.stats().diskHits, 1u);
}

TEST_F(KernelCacheTest, ManyThreadsOneCompile) {
  KernelCache cache(options());
  std::atomic<int> compiles{0};
  auto slowCompile = [&]() -> Result<KernelBlob> {
    ++compiles;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return KernelBlob(1000, 42);
  };
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 16; ++t)
    threads.emplace_back([&, t] {
      const std::string &key = t % 2 ? kKey : kKey2;
      Result<KernelBlobRef> r = cache.getOrCompute(key, slowCompile);
      if (r.ok() && (*r)->size() == 1000 && (**r)[999] == 42)
        ++good;
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(good.load(), 16);
  EXPECT_EQ(compiles.load(), 2); // One per key.
  EXPECT_EQ(cache.stats().memoryHits, 14u);
  // Atomic writes leave no temp files behind.
  for (const std::string &sub : {dir + "/01", dir + "/fe"}) {
    DIR *d = ::opendir(sub.c_str());
    ASSERT_NE(d, nullptr) << sub;
    int files = 0;
    while (dirent *e = ::readdir(d))
      if (e->d_name[0] != '.') {
        ++files;
        EXPECT_EQ(std::string(e->d_name).find(".tmp"), std::string::npos);
      }
    ::closedir(d);
    EXPECT_EQ(files, 1) << sub;
  }
}

TEST_F(KernelCacheTest, FailedCompileReachesWaitersAndIsRetried) {
  KernelCache cache(options());
  std::atomic<int> compiles{0};
  auto failing = [&]() -> Result<KernelBlob> {
    ++compiles;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    return invalidArgument("unsupported head dim 7");
  };
  std::vector<std::thread> threads;
  std::atomic<int> sawError{0};
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&] {
      Result<KernelBlobRef> r = cache.getOrCompute(kKey, failing);
      if (!r.ok() && r.status().message() == "unsupported head dim 7")
        ++sawError;
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(sawError.load(), 6);
  int afterBurst = compiles.load();
  EXPECT_GE(afterBurst, 1);
  // The failure is not cached: the next request compiles again.
  Result<KernelBlobRef> ok = cache.getOrCompute(kKey, compileTo({1}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(**ok, KernelBlob{1});
}

struct Damage {
  const char *name;
  std::function<void(std::vector<uint8_t> &)> edit;
  const char *expect;
};

TEST_F(KernelCacheTest, CorruptEntriesWarnAndRecompile) {
  std::vector<Damage> damages = {
      {"truncated payload", [](auto &b) { b.resize(b.size() - 3); }, "truncated"},
      {"truncated header", [](auto &b) { b.resize(20); }, "shorter than its header"},
      {"empty", [](auto &b) { b.clear(); }, "shorter than its header"},
      {"payload flip", [](auto &b) { b.back() ^= 0x01; }, "checksum"},
      {"magic flip", [](auto &b) { b[0] ^= 0xff; }, "bad magic"},
      {"version", [](auto &b) { b[8] = 77; }, "format version 77"},
      {"key flip", [](auto &b) { b[56] ^= 0x01; }, "different key"},
      {"size field", [](auto &b) { b[16] ^= 0x10; }, "header says"},
      {"trailing junk", [](auto &b) { b.push_back(0); }, "header says"},
  };
  for (const Damage &d : damages) {
    SCOPED_TRACE(d.name);
    warnings.clear();
    KernelBlob payload(300, 7);
    {
      KernelCache cache(options());
      ASSERT_TRUE(cache.store(kKey, payload).ok());
      damageEntry(cache.entryPath(kKey), d.edit);
    }
    KernelCache cache(options());
    std::atomic<int> compiles{0};
    Result<KernelBlobRef> r = cache.getOrCompute(kKey, compileTo(payload, &compiles));
    ASSERT_TRUE(r.ok()) << r.status().toString();
    EXPECT_EQ(**r, payload);
    EXPECT_EQ(compiles.load(), 1);
    EXPECT_EQ(cache.stats().corruptEntries, 1u);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find(d.expect), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find(cache.entryPath(kKey)), std::string::npos);
    // The recompile repaired the entry.
    KernelCache again(options());
    ASSERT_TRUE(again.lookup(kKey).ok());
    EXPECT_EQ(again.stats().corruptEntries, 0u);
  }
}

TEST_F(KernelCacheTest, EntryOfAnotherKeyIsRejected) {
  KernelCache cache(options());
  ASSERT_TRUE(cache.store(kKey, {1, 2}).ok());
  Result<std::vector<uint8_t>> other = readFile(cache.entryPath(kKey));
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(createDirectories(dir + "/fe").ok());
  ASSERT_TRUE(writeFileAtomic(cache.entryPath(kKey2), {{other->data(), other->size()}}).ok());
  KernelCache fresh(options());
  EXPECT_FALSE(fresh.lookup(kKey2).ok());
  EXPECT_EQ(fresh.stats().corruptEntries, 1u);
}

TEST_F(KernelCacheTest, UnwritableDirectoryWarnsButServes) {
  std::string file = dir + "/not-a-dir";
  std::ofstream(file) << "x";
  KernelCacheOptions o = options();
  o.directory = file;
  KernelCache cache(o);
  Result<KernelBlobRef> r = cache.getOrCompute(kKey, compileTo({3}));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(cache.stats().diskWriteFailures, 1u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("kept in memory only"), std::string::npos);
}

TEST_F(KernelCacheTest, MemoryOnlyWritesNothing) {
  KernelCacheOptions o = options();
  o.useDisk = false;
  KernelCache cache(o);
  ASSERT_TRUE(cache.getOrCompute(kKey, compileTo({3})).ok());
  EXPECT_NE(::access(cache.entryPath(kKey).c_str(), F_OK), 0);
  EXPECT_TRUE(cache.lookup(kKey).ok());
}

TEST_F(KernelCacheTest, RejectsBadKeys) {
  KernelCache cache(options());
  for (const std::string &bad :
       {std::string(""), std::string("abc"), std::string("../../etc/passwd0000"),
        std::string("0123456789ABCDEF0123"), std::string(129, 'a')}) {
    Result<KernelBlobRef> r = cache.getOrCompute(bad, compileTo({1}));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::InvalidArgument);
  }
}

TEST(KernelCacheDefaults, DirectoryFromEnvironment) {
  const char *old = std::getenv("ATTNC_CACHE_DIR");
  std::string saved = old ? old : "";
  const char *oldXdg = std::getenv("XDG_CACHE_HOME");
  std::string savedXdg = oldXdg ? oldXdg : "";
  ::setenv("ATTNC_CACHE_DIR", "/some/where", 1);
  EXPECT_EQ(KernelCache::defaultCacheDirectory(), "/some/where");
  ::unsetenv("ATTNC_CACHE_DIR");
  ::unsetenv("XDG_CACHE_HOME");
  if (const char *home = std::getenv("HOME")) {
    EXPECT_EQ(KernelCache::defaultCacheDirectory(),
              std::string(home) + "/.cache/attnc");
  }
  if (old)
    ::setenv("ATTNC_CACHE_DIR", saved.c_str(), 1);
  if (oldXdg)
    ::setenv("XDG_CACHE_HOME", savedXdg.c_str(), 1);
}

} // namespace
