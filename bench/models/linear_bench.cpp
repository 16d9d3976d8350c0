//===- linear_bench.cpp - attn.linear: OpenBLAS vs the built-in loops -----===//
//
// Times the runtime's linear() (OpenBLAS sgemm; the runtime's own GEMV for
// one row) against linearNaive() (the vectorised loop the runtime falls
// back to without BLAS) on GPT-2-small shapes, same thread count.
//
//   linear_bench [THREADS]
//
//===----------------------------------------------------------------------===//
#include "runtime/cpu/ThreadPool.h"
#include "runtime/model/Kernels.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace attnc::rt;

int main(int argc, char **argv) {
  unsigned threads = argc > 1 ? unsigned(std::atoi(argv[1])) : 2;
  ThreadPool pool(threads);
  model::setBlasThreads(int(threads));
  std::printf("%s, %u threads\n", model::blasDescription().c_str(), threads);
  struct Shape { int64_t m, n, k; const char *what; };
  const Shape shapes[] = {{512, 768, 768, "prefill q/k/v/o projection"},
                          {512, 3072, 768, "prefill fc1"},
                          {1, 3072, 768, "decode fc1 (one row)"},
                          {1, 50257, 768, "decode LM head (one row)"}};
  for (const Shape &s : shapes) {
    auto x = HostTensor::allocate(DType::F32, {s.m, s.k}).take();
    auto w = HostTensor::allocate(DType::F32, {s.n, s.k}).take();
    auto y = HostTensor::allocate(DType::F32, {s.m, s.n}).take();
    for (int64_t i = 0; i < x.numElements(); ++i)
      x.dataAs<float>()[i] = float(i % 13) * 0.01f;
    for (int64_t i = 0; i < w.numElements(); ++i)
      w.dataAs<float>()[i] = float(i % 7) * 0.01f;
    auto time = [&](auto &&fn) {
      fn();
      int reps = s.m == 1 ? 50 : 5;
      auto t0 = std::chrono::steady_clock::now();
      for (int r = 0; r < reps; ++r)
        fn();
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
    };
    double tBlas = time([&] { (void)model::linear(x.view(), w.view(), nullptr, y.view(), pool); });
    double tNaive = time([&] {
      model::linearNaive(x.dataAs<float>(), w.dataAs<float>(), nullptr, y.dataAs<float>(), s.m, s.n, s.k, pool);
    });
    double gflop = 2.0 * double(s.m * s.n * s.k) / 1e9;
    std::printf("%-28s [%lldx%lld]x[%lldx%lld]^T: linear %8.3f ms (%6.1f GFLOP/s)  naive %8.3f ms (%6.1f GFLOP/s)  %.2fx\n",
                s.what, (long long)s.m, (long long)s.k, (long long)s.n, (long long)s.k, tBlas * 1e3,
                gflop / tBlas, tNaive * 1e3, gflop / tNaive, tNaive / tBlas);
  }
  return 0;
}
