//===- JitCacheTest.cpp - The CPU JIT on top of the runtime KernelCache ---===//
//
// The JIT keeps no cache of its own: objects and metadata are payloads of
// runtime/cache/KernelCache. These tests pin the behaviour that matters to
// users of the JIT: a damaged disk entry is a warning and a recompile (never
// an error or a crash), concurrent compiles of one kernel compile once, and
// a warm hit does no MLIR work.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/JIT.h"
#include "runtime/cache/KernelCache.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace attnc;

namespace {

/// A small fused attention (the JIT accepts decomposed or fused IR).
std::string kernelIR(int64_t d) {
  std::string t = "tensor<1x2x?x" + std::to_string(d) + "xf32>";
  return "func.func @k(%q: " + t + ", %k: " + t + ", %v: " + t + ") -> " + t + " {\n" +
         "  %o = attn.flash_attention %q, %k, %v {scale = 0.25 : f32, mask = #attn.causal<>} : " + t + ", " +
         t + ", " + t + " -> " + t + "\n  return %o : " + t + "\n}\n";
}

struct TempDir {
  llvm::SmallString<128> path;
  TempDir() { EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("attnc-jit-cache", path)); }
  ~TempDir() { (void)llvm::sys::fs::remove_directories(path); }
  std::string str() const { return std::string(path); }
};

TEST(CpuJITCache, CorruptEntryWarnsAndRecompiles) {
  TempDir dir;
  cpu::JITOptions opts;
  opts.cacheDir = dir.str();
  std::string ir = kernelIR(48);
  auto cold = cpu::compile(ir, opts);
  ASSERT_TRUE(bool(cold)) << llvm::toString(cold.takeError());
  EXPECT_FALSE((*cold)->timings().cacheHit);

  // Flip bytes in the middle of the entry, then forget the memory copy.
  std::string path = rt::KernelCache(rt::KernelCacheOptions{dir.str(), true, nullptr}).entryPath((*cold)->cacheKey());
  auto buf = llvm::MemoryBuffer::getFile(path);
  ASSERT_TRUE(bool(buf)) << path;
  std::string bytes = (*buf)->getBuffer().str();
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 16; ++i)
    bytes[i] ^= 0x5a;
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << bytes;
  }
  cpu::clearMemoryCache();
  std::vector<std::string> warnings;
  std::mutex m;
  cpu::setCacheWarningHandler([&](const std::string &w) {
    std::lock_guard<std::mutex> lock(m);
    warnings.push_back(w);
  });
  auto again = cpu::compile(ir, opts);
  cpu::setCacheWarningHandler(nullptr);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_FALSE((*again)->timings().cacheHit);
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE((*again)->lookup((*again)->kernels()[0].name), nullptr);

  // The rewritten entry is good again: a fresh process (memory cleared) hits.
  cpu::clearMemoryCache();
  auto warm = cpu::compile(ir, opts);
  ASSERT_TRUE(bool(warm)) << llvm::toString(warm.takeError());
  EXPECT_TRUE((*warm)->timings().cacheHit);
  EXPECT_EQ((*warm)->timings().parse, 0.0);
  EXPECT_EQ((*warm)->timings().kernelPipeline, 0.0);
}

TEST(CpuJITCache, ConcurrentCompilesCompileOnce) {
  TempDir dir;
  cpu::JITOptions opts;
  opts.cacheDir = dir.str();
  std::string ir = kernelIR(40);
  uint64_t before = cpu::cacheStats(dir.str()).compiles;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&] {
      auto lib = cpu::compile(ir, opts);
      if (lib && (*lib)->lookup((*lib)->kernels()[0].name))
        ++ok;
      else if (!lib)
        llvm::consumeError(lib.takeError());
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 6);
  EXPECT_EQ(cpu::cacheStats(dir.str()).compiles - before, 1u);
}

TEST(CpuJITCache, CompileErrorsAreNotCached) {
  cpu::JITOptions opts; // memory only
  std::string bad = "func.func @f() { return }";
  for (int i = 0; i < 2; ++i) {
    auto lib = cpu::compile(bad, opts);
    ASSERT_FALSE(bool(lib));
    EXPECT_NE(llvm::toString(lib.takeError()).find("no attn.flash_attention"), std::string::npos);
  }
}

} // namespace
