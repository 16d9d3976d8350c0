//===- CpuAttentionBench.cpp - Throughput of the JIT'd CPU attention -------===//
//
// Prints, for B=1, H=8, D in {64,128} and a list of lengths, the GFLOP/s of
// the fused CPU kernel for full, causal and local-window (256) attention,
// and its fraction of this machine's f32 FMA peak measured in the same run.
// FLOPs are 4*B*H*Lq*Lk*D for full attention and 4*B*H*D per visible pair
// for masked ones (work the kernel must do, not what it skips).
//
//   attnc-bench-cpu [--quick] [--lengths 512,1024,...]
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/JIT.h"
#include "runtime/cpu/Dispatch.h"
#include "runtime/cpu/ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace attnc;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// f32 FMA peak of all threads: independent accumulator chains, vectorised
/// by the compiler for the host (this file is built with -march=native).
double measurePeakGflops(rt::ThreadPool &pool) {
  constexpr int kChains = 16, kLanes = 16;
  int64_t iters = 20'000'000;
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) { // best of 5: other processes share the cores
  double t0 = now();
  pool.parallelFor(0, pool.numThreads(), 1, [&](int64_t, int64_t) {
    float acc[kChains][kLanes];
    for (auto &c : acc)
      for (float &x : c)
        x = 0.f;
    float a = 0.999f, b = 1e-7f;
    for (int64_t it = 0; it < iters; ++it)
      for (int c = 0; c < kChains; ++c)
#pragma GCC unroll 16
        for (int l = 0; l < kLanes; ++l)
          acc[c][l] = acc[c][l] * a + b;
    float s = 0;
    for (auto &c : acc)
      for (float x : c)
        s += x;
    if (s == 12345.f)
      std::printf("%f\n", double(s)); // keep the loop alive
  });
  best = std::min(best, now() - t0);
  }
  double secs = best;
  return 2.0 * kChains * kLanes * double(iters) * pool.numThreads() / secs / 1e9;
}

std::string kernelIR(int64_t H, int64_t D, const char *mask) {
  std::string t = "tensor<1x" + std::to_string(H) + "x?x" + std::to_string(D) + "xf32>";
  std::string m = mask[0] ? std::string(", mask = ") + mask : "";
  char scale[32];
  std::snprintf(scale, sizeof(scale), "%.9e", 1.0 / std::sqrt(double(D)));
  return "func.func @bench(%q: " + t + ", %k: " + t + ", %v: " + t + ") -> " + t +
         " {\n  %o = attn.flash_attention %q, %k, %v {scale = " + scale + " : f32" + m + "} : " + t +
         ", " + t + ", " + t + " -> " + t + "\n  return %o : " + t + "\n}\n";
}

} // namespace

int main(int argc, char **argv) {
  std::vector<int64_t> lengths = {512, 1024, 2048, 4096, 8192};
  std::vector<int64_t> dims = {64, 128};
  int reps = 3;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      lengths = {256};
      dims = {64};
      reps = 1;
    } else if (!std::strcmp(argv[i], "--lengths") && i + 1 < argc) {
      lengths.clear();
      for (char *tok = std::strtok(argv[++i], ","); tok; tok = std::strtok(nullptr, ","))
        lengths.push_back(std::atoll(tok));
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--lengths L1,L2,...]\n", argv[0]);
      return 2;
    }
  }
  rt::ThreadPool &pool = rt::ThreadPool::global();
  double peak = measurePeakGflops(pool);
  std::printf("threads %u, f32 FMA peak (measured) %.1f GFLOP/s\n", pool.numThreads(), peak);
  std::printf("%-8s %4s %6s %10s %10s %8s\n", "mask", "D", "L", "time_ms", "GFLOP/s", "of_peak");
  const int64_t H = 8;
  struct MaskCase {
    const char *name, *ir;
  };
  MaskCase masks[] = {{"full", ""}, {"causal", "#attn.causal<>"}, {"window", "#attn.window<left = 255, right = 0>"}};
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (int64_t D : dims)
    for (const MaskCase &mc : masks) {
      cpu::JITOptions opts;
      if (const char *dir = std::getenv("ATTNC_CACHE_DIR"))
        opts.cacheDir = dir;
      auto lib = cpu::compile(kernelIR(H, D, mc.ir), opts);
      if (!lib) {
        std::fprintf(stderr, "error: %s\n", llvm::toString(lib.takeError()).c_str());
        return 1;
      }
      const rt::CpuKernelInfo &info = (*lib)->kernels()[0];
      std::printf("# %s D=%lld: compile %.1f ms (%s)\n", mc.name, (long long)D, (*lib)->timings().total,
                  (*lib)->timings().cacheHit ? "cache hit" : "cold");
      for (int64_t L : lengths) {
        std::vector<float> q(H * L * D), k(H * L * D), v(H * L * D), o(H * L * D);
        for (auto *t : {&q, &k, &v})
          for (float &x : *t)
            x = normal(rng);
        rt::CpuAttentionArgs a;
        a.q = *rt::TensorView::contiguous(rt::DType::F32, {1, H, L, D}, q.data());
        a.k = *rt::TensorView::contiguous(rt::DType::F32, {1, H, L, D}, k.data());
        a.v = *rt::TensorView::contiguous(rt::DType::F32, {1, H, L, D}, v.data());
        a.out = *rt::TensorView::contiguous(rt::DType::F32, {1, H, L, D}, o.data());
        double best = 1e30;
        for (int r = 0; r < reps; ++r) {
          double t0 = now();
          rt::Status st = rt::runCpuAttention(info, (*lib)->lookup(info.name), a);
          double t = now() - t0;
          if (!st.ok()) {
            std::fprintf(stderr, "error: %s\n", st.toString().c_str());
            return 1;
          }
          best = std::min(best, t);
        }
        double pairs = double(L) * double(L);
        if (!std::strcmp(mc.name, "causal"))
          pairs = double(L) * double(L + 1) / 2;
        else if (!std::strcmp(mc.name, "window")) {
          pairs = 0;
          for (int64_t i = 0; i < L; ++i)
            pairs += double(std::min<int64_t>(i + 1, 256));
        }
        double gflops = 4.0 * H * pairs * D / best / 1e9;
        std::printf("%-8s %4lld %6lld %10.2f %10.1f %7.1f%%\n", mc.name, (long long)D, (long long)L,
                    best * 1e3, gflops, 100.0 * gflops / peak);
        std::fflush(stdout);
      }
    }
  return 0;
}
