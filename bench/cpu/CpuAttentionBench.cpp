//===- CpuAttentionBench.cpp - Throughput of the JIT'd CPU attention -------===//
//
// Prints, for B=1, H heads, head dims D and sequence lengths L (q_len =
// kv_len), the time and GFLOP/s of the fused CPU kernel for full, causal and
// causal local-window (256 keys) attention, its fraction of this machine's
// f32 FMA peak measured in the same run, and its speed-up over two unfused
// baselines run in the same process/run with the same thread count:
//   * "unfused": OpenBLAS cblas_sgemm for QK^T, a vectorised row softmax,
//     cblas_sgemm for PV (UnfusedAttention.cpp);
//   * "torch": PyTorch eager, softmax(q @ k^T * scale (+ mask)) @ v, run by
//     torch_attention.py under --python (default /usr/bin/python3).
// FLOPs are 4*B*H*Lq*Lk*D for full attention and 4*B*H*D per visible
// (query, key) pair for masked ones: the work that must be done, not what a
// kernel happens to compute on partially masked tiles.
//
// Timing: one warm-up call, then --reps calls; "min" and "median" are over
// those. GFLOP/s and the fraction of peak use the minimum (like the peak,
// which is the best of several repetitions); the speed-ups compare medians.
//
//   attnc-bench-cpu [--quick] [--lengths 512,...] [--dims 64,128]
//                   [--masks full,causal,window] [--heads H] [--reps N]
//                   [--q-tile N] [--k-tile N] [--no-unfused] [--no-torch]
//                   [--python PATH] [--torch-script PATH]
//
//===----------------------------------------------------------------------===//
#include "bench/cpu/UnfusedAttention.h"
#include "compiler/Codegen/CPU/JIT.h"
#include "runtime/cpu/Dispatch.h"
#include "runtime/cpu/ThreadPool.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <time.h>
#include <tuple>
#include <vector>

using namespace attnc;

#ifndef ATTNC_BENCH_TORCH_SCRIPT
#define ATTNC_BENCH_TORCH_SCRIPT "bench/cpu/torch_attention.py"
#endif

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// One thread's share of the FMA peak loop: kChains independent
/// accumulators (FMA latency x FMA ports needs at least 8 on Zen 4/5 and
/// Skylake-X), widest vectors the build targets, no memory operands. The
/// empty asm keeps the compiler from folding or shortening the chains.
double fmaLoop(int64_t iters) {
#if defined(__AVX512F__)
  using V = __m512;
  auto fma = [](V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); };
  V a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-7f);
  auto sum = [](V x) {
    float t[16];
    _mm512_storeu_ps(t, x);
    float s = 0;
    for (float y : t)
      s += y;
    return s;
  };
#else
  using V = __m256;
  auto fma = [](V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); };
  V a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-7f);
  auto sum = [](V x) {
    float t[8];
    _mm256_storeu_ps(t, x);
    return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
  };
#endif
  // Twelve named accumulators: an array of vectors pinned by the asm
  // barrier made GCC store the array every iteration, and one zmm store per
  // FMA halves the measured peak on Zen 5.
  V c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b;
  for (int64_t i = 0; i < iters; ++i) {
    c0 = fma(c0, a, b), c1 = fma(c1, a, b), c2 = fma(c2, a, b), c3 = fma(c3, a, b);
    c4 = fma(c4, a, b), c5 = fma(c5, a, b), c6 = fma(c6, a, b), c7 = fma(c7, a, b);
    c8 = fma(c8, a, b), c9 = fma(c9, a, b), c10 = fma(c10, a, b), c11 = fma(c11, a, b);
    __asm__ volatile("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5), "+v"(c6),
                     "+v"(c7), "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11));
  }
  return double(sum(c0) + sum(c1) + sum(c2) + sum(c3) + sum(c4) + sum(c5) + sum(c6) + sum(c7) +
                sum(c8) + sum(c9) + sum(c10) + sum(c11));
}

double cpuSeconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

struct Peak {
  double best = 0, median = 0, worst = 0; // wall clock, all threads
  double cpu = 0; // per CPU-second of the threads, times the thread count
};

/// f32 FMA peak of all pool threads (2 flops x lanes x chains x iterations
/// per thread), best/median/worst of `reps` repetitions (~0.1 s each at
/// 10M iterations), and the same work over the CPU time the threads actually
/// got (best), which does not depend on how much of the machine other
/// processes take.
Peak measurePeak(rt::ThreadPool &pool, int reps = 7, int64_t iters = 10'000'000) {
#if defined(__AVX512F__)
  constexpr double kFlopsPerIter = 2.0 * 16 * 12;
#else
  constexpr double kFlopsPerIter = 2.0 * 8 * 12;
#endif
  std::vector<double> g, c;
  std::mutex m;
  for (int rep = 0; rep < reps; ++rep) {
    double t0 = now(), cpu = 0;
    pool.parallelFor(0, pool.numThreads(), 1, [&](int64_t, int64_t) {
      double c0 = cpuSeconds(CLOCK_THREAD_CPUTIME_ID);
      volatile double sink = fmaLoop(iters);
      (void)sink;
      double used = cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - c0;
      std::lock_guard<std::mutex> lock(m);
      cpu += used;
    });
    double flops = kFlopsPerIter * double(iters) * pool.numThreads();
    g.push_back(flops / (now() - t0) / 1e9);
    c.push_back(flops / (cpu / pool.numThreads()) / 1e9);
  }
  std::sort(g.begin(), g.end());
  return {g.back(), g[g.size() / 2], g.front(), *std::max_element(c.begin(), c.end())};
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

struct Stats {
  double min = 0, median = 0; // wall clock per call
  double cpu = 0;             // least process CPU time per call / threads
};

/// One warm-up call (first touch of buffers, live-tile lists, BLAS
/// threads), then `reps` samples of enough back-to-back calls to last
/// >= 0.1 s: the process CPU clock only sees another thread's time at
/// scheduler ticks, so shorter samples would under-count it.
template <typename Fn> Stats timeIt(int reps, unsigned threads, Fn &&fn) {
  double t0 = now();
  fn();
  int inner = int(std::min(1000.0, std::max(1.0, std::ceil(0.1 / std::max(now() - t0, 1e-6)))));
  std::vector<double> t;
  double cpu = 1e30;
  for (int r = 0; r < reps; ++r) {
    double w0 = now(), c0 = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < inner; ++i)
      fn();
    t.push_back((now() - w0) / inner);
    cpu = std::min(cpu, (cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - c0) / inner / threads);
  }
  std::sort(t.begin(), t.end());
  return {t.front(), t[t.size() / 2], cpu};
}

std::vector<int64_t> parseList(char *s) {
  std::vector<int64_t> v;
  for (char *tok = std::strtok(s, ","); tok; tok = std::strtok(nullptr, ","))
    v.push_back(std::atoll(tok));
  return v;
}

/// Runs the PyTorch script once for all cases; (mask, D, L) -> median ms.
std::map<std::tuple<std::string, int64_t, int64_t>, double>
runTorch(const std::string &python, const std::string &script, unsigned threads, int64_t H,
         const std::string &dims, const std::string &lengths, const std::string &masks, int reps) {
  std::map<std::tuple<std::string, int64_t, int64_t>, double> res;
  std::string cmd = python + " '" + script + "' --threads " + std::to_string(threads) + " --heads " +
                    std::to_string(H) + " --dims " + dims + " --lengths " + lengths + " --masks " +
                    masks + " --reps " + std::to_string(reps);
  std::printf("# running: %s\n", cmd.c_str());
  std::fflush(stdout);
  FILE *p = popen(cmd.c_str(), "r");
  if (!p) {
    std::printf("# torch baseline unavailable (cannot start %s)\n", python.c_str());
    return res;
  }
  char line[512];
  while (std::fgets(line, sizeof(line), p)) {
    char mask[32];
    long long D, L;
    double ms;
    if (std::sscanf(line, "torch %31s %lld %lld %lf", mask, &D, &L, &ms) == 4)
      res[{mask, D, L}] = ms;
    if (line[0] == '#' || std::strstr(line, "head_groups"))
      std::printf("%s", line[0] == '#' ? line : (std::string("# ") + line).c_str());
  }
  int rc = pclose(p);
  if (rc != 0)
    std::printf("# torch baseline exited with status %d\n", rc);
  return res;
}

std::string joinList(const std::vector<int64_t> &v) {
  std::string s;
  for (int64_t x : v)
    s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<int64_t> lengths = {512, 1024, 2048, 4096, 8192};
  std::vector<int64_t> dims = {64, 128};
  std::vector<std::string> maskNames = {"full", "causal", "window"};
  int reps = 3;
  int64_t H = 8, qTile = 0, kTile = 0;
  bool unfused = true, torch = true;
  std::string python = "/usr/bin/python3", torchScript = ATTNC_BENCH_TORCH_SCRIPT;
  for (int i = 1; i < argc; ++i) {
    auto next = [&]() -> char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "error: %s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (!std::strcmp(argv[i], "--quick")) {
      lengths = {256};
      dims = {64};
      reps = 1;
      torch = false;
    } else if (!std::strcmp(argv[i], "--lengths")) {
      lengths = parseList(next());
    } else if (!std::strcmp(argv[i], "--dims")) {
      dims = parseList(next());
    } else if (!std::strcmp(argv[i], "--masks")) {
      maskNames.clear();
      for (char *tok = std::strtok(next(), ","); tok; tok = std::strtok(nullptr, ","))
        maskNames.push_back(tok);
    } else if (!std::strcmp(argv[i], "--heads")) {
      H = std::atoll(next());
    } else if (!std::strcmp(argv[i], "--reps")) {
      reps = std::atoi(next());
    } else if (!std::strcmp(argv[i], "--q-tile")) {
      qTile = std::atoll(next());
    } else if (!std::strcmp(argv[i], "--k-tile")) {
      kTile = std::atoll(next());
    } else if (!std::strcmp(argv[i], "--no-unfused")) {
      unfused = false;
    } else if (!std::strcmp(argv[i], "--no-torch")) {
      torch = false;
    } else if (!std::strcmp(argv[i], "--torch")) {
      torch = true;
    } else if (!std::strcmp(argv[i], "--python")) {
      python = next();
    } else if (!std::strcmp(argv[i], "--torch-script")) {
      torchScript = next();
    } else {
      std::fprintf(stderr,
                   "usage: %s [--quick] [--lengths L,...] [--dims D,...] [--masks full,causal,window]\n"
                   "          [--heads H] [--reps N] [--q-tile N] [--k-tile N] [--no-unfused]\n"
                   "          [--torch|--no-torch] [--python PATH] [--torch-script PATH]\n",
                   argv[0]);
      return 2;
    }
  }
  if (reps < 1 || H < 1 || lengths.empty() || dims.empty()) {
    std::fprintf(stderr, "error: --reps, --heads, --lengths and --dims must be positive/non-empty\n");
    return 2;
  }
  struct MaskCase {
    std::string name, ir;
    bench::BenchMask bm;
  };
  std::vector<MaskCase> masks;
  for (const std::string &n : maskNames) {
    if (n == "full")
      masks.push_back({n, "", {bench::BenchMask::Full, 0}});
    else if (n == "causal")
      masks.push_back({n, "#attn.causal<>", {bench::BenchMask::Causal, 0}});
    else if (n == "window")
      masks.push_back({n, "#attn.window<left = 255, right = 0>", {bench::BenchMask::Window, 256}});
    else {
      std::fprintf(stderr, "error: unknown mask '%s' (full, causal, window)\n", n.c_str());
      return 2;
    }
  }

  rt::ThreadPool &pool = rt::ThreadPool::global();
  unsigned threads = pool.numThreads();
  Peak peak0 = measurePeak(pool);
  std::printf("threads %u, f32 FMA peak (measured) %.1f GFLOP/s (median %.1f, worst %.1f of 7); "
              "per CPU time %.1f GFLOP/s\n",
              threads, peak0.best, peak0.median, peak0.worst, peak0.cpu);
  if (unfused && !bench::haveBlas()) {
    std::printf("# unfused baseline unavailable: built without OpenBLAS\n");
    unfused = false;
  }
  if (unfused)
    std::printf("# unfused baseline: %s\n", bench::configureBlas(int(threads)).c_str());
  std::map<std::tuple<std::string, int64_t, int64_t>, double> torchMs;
  if (torch)
    torchMs = runTorch(python, torchScript, threads, H, joinList(dims), joinList(lengths),
                       [&] {
                         std::string s;
                         for (auto &m : masks)
                           s += (s.empty() ? "" : ",") + m.name;
                         return s;
                       }(),
                       reps);

  struct Row {
    std::string mask;
    int64_t D, L;
    Stats attnc;
    double gflops;
  };
  std::vector<Row> rows;
  std::printf("%-7s %4s %6s %9s %9s %8s %7s %7s %8s %7s %10s %9s %10s %8s\n", "mask", "D", "L",
              "min_ms", "median_ms", "GFLOP/s", "peak", "of_peak", "cpu_GF/s", "cpu_pk", "unfused_ms",
              "x_unfused", "torch_ms", "x_torch");
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  std::vector<float> scratch;
  for (int64_t D : dims)
    for (const MaskCase &mc : masks) {
      cpu::JITOptions opts;
      opts.qTile = qTile;
      opts.kTile = kTile;
      if (const char *dir = std::getenv("ATTNC_CACHE_DIR"))
        opts.cacheDir = dir;
      auto lib = cpu::compile(kernelIR(H, D, mc.ir.c_str()), opts);
      if (!lib) {
        std::fprintf(stderr, "error: %s\n", llvm::toString(lib.takeError()).c_str());
        return 1;
      }
      const rt::CpuKernelInfo &info = (*lib)->kernels()[0];
      std::printf("# %s D=%lld: q_tile %lld, k_tile %lld, compile %.1f ms (%s)\n", mc.name.c_str(),
                  (long long)D, (long long)info.qTile, (long long)info.kTile, (*lib)->timings().total,
                  (*lib)->timings().cacheHit ? "cache hit" : "cold");
      for (int64_t L : lengths) {
        size_t n = size_t(H * L * D);
        std::vector<float> q(n), k(n), v(n), o(n);
        for (auto *t : {&q, &k, &v})
          for (float &x : *t)
            x = normal(rng);
        rt::CpuAttentionArgs a;
        a.q = *rt::TensorView::contiguous(rt::DType::F32, {1, H, L, D}, q.data());
        a.k = *rt::TensorView::contiguous(rt::DType::F32, {1, H, L, D}, k.data());
        a.v = *rt::TensorView::contiguous(rt::DType::F32, {1, H, L, D}, v.data());
        a.out = *rt::TensorView::contiguous(rt::DType::F32, {1, H, L, D}, o.data());
        // The wall-clock peak right before the kernel, so that both see the
        // same share of a shared machine.
        Peak local = measurePeak(pool, 3, 5'000'000);
        bool failed = false;
        Stats s = timeIt(reps, threads, [&] {
          rt::Status st = rt::runCpuAttention(info, (*lib)->lookup(info.name), a);
          if (!st.ok()) {
            std::fprintf(stderr, "error: %s\n", st.toString().c_str());
            failed = true;
          }
        });
        if (failed)
          return 1;
        double pairs = double(L) * double(L);
        if (mc.bm.kind == bench::BenchMask::Causal)
          pairs = double(L) * double(L + 1) / 2;
        else if (mc.bm.kind == bench::BenchMask::Window) {
          pairs = 0;
          for (int64_t i = 0; i < L; ++i)
            pairs += double(std::min<int64_t>(i + 1, mc.bm.window));
        }
        double flops = 4.0 * double(H) * pairs * double(D);
        double gflops = flops / s.min / 1e9, cpuGflops = flops / s.cpu / 1e9;
        std::printf("%-7s %4lld %6lld %9.2f %9.2f %8.1f %7.1f %6.1f%% %8.1f %6.1f%%", mc.name.c_str(),
                    (long long)D, (long long)L, s.min * 1e3, s.median * 1e3, gflops, local.best,
                    100.0 * gflops / local.best, cpuGflops, 100.0 * cpuGflops / peak0.cpu);
        if (unfused) {
          Stats u = timeIt(reps, threads, [&] {
            bench::unfusedAttention(q.data(), k.data(), v.data(), o.data(), H, L, D, mc.bm, pool,
                                    scratch);
          });
          std::printf(" %10.2f %8.2fx", u.median * 1e3, u.median / s.median);
          // OpenBLAS's threads spin for a while after a call: let them
          // sleep before the next fused measurement.
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
        } else {
          std::printf(" %10s %9s", "-", "-");
        }
        auto it = torchMs.find({mc.name, D, L});
        if (it != torchMs.end())
          std::printf(" %10.2f %7.2fx\n", it->second, it->second / (s.median * 1e3));
        else
          std::printf(" %10s %8s\n", "-", "-");
        std::fflush(stdout);
        rows.push_back({mc.name, D, L, s, gflops});
      }
      scratch.clear();
      scratch.shrink_to_fit();
    }

  // Mask efficiency: masked time over full time, from the medians and from
  // the CPU time (what a quiet machine would show), and how the window time
  // grows per doubling of L (2.0 = linear).
  auto find = [&](const std::string &m, int64_t D, int64_t L) -> const Row * {
    for (const Row &r : rows)
      if (r.mask == m && r.D == D && r.L == L)
        return &r;
    return nullptr;
  };
  for (const Row &r : rows) {
    if (r.mask == "full")
      continue;
    std::printf("# %s D=%lld L=%lld:", r.mask.c_str(), (long long)r.D, (long long)r.L);
    if (const Row *full = find("full", r.D, r.L))
      std::printf(" time/full %.3f (cpu %.3f)", r.attnc.median / full->attnc.median,
                  r.attnc.cpu / full->attnc.cpu);
    const Row *half = find(r.mask, r.D, r.L / 2);
    if (r.mask == "window" && half)
      std::printf(", x%.2f (cpu x%.2f) over L=%lld", r.attnc.median / half->attnc.median,
                  r.attnc.cpu / half->attnc.cpu, (long long)(r.L / 2));
    std::printf("\n");
  }
  Peak peak1 = measurePeak(pool);
  std::printf("f32 FMA peak at the end: %.1f GFLOP/s (median %.1f, worst %.1f of 7); per CPU time "
              "%.1f GFLOP/s\n",
              peak1.best, peak1.median, peak1.worst, peak1.cpu);
  return 0;
}
