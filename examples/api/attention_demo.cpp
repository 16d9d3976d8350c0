//===- attention_demo.cpp - The attnc C++ API in one page -----------------===//
//
// Compiles a grouped-query causal attention kernel for this CPU, runs it on
// random inputs and checks the result against a naive double-precision
// attention written out below (what you would do in your own tests).
//
//   attention_demo [DIR]   also writes DIR/{q,k,v,out}.npy
//
// Built as the CMake target `attention_demo`; test/cpu/api-demo.test runs it
// and compares the written output with attnc-golden.
//
//===----------------------------------------------------------------------===//
#include "compiler/API/attnc.h"
#include "runtime/core/Npy.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  // 1. Describe the op: 8 query heads sharing 2 KV heads, causal, any B and L.
  attnc::KernelSpec spec;
  spec.name = "demo";
  spec.q = {"B", 8, "L", 64};
  spec.k = {"B", 2, "L", 64};
  spec.v = {"B", 2, "L", 64};
  spec.mask = attnc::Mask::causal();

  // 2. Compile (cached: the second run of this program only loads the object).
  llvm::Expected<attnc::Kernel> kernel = attnc::compileKernel(spec);
  if (!kernel) {
    std::fprintf(stderr, "compile failed: %s\n", llvm::toString(kernel.takeError()).c_str());
    return 1;
  }

  // 3. Bind tensors by name and run.
  const int64_t B = 2, L = 200, D = 64;
  std::mt19937 rng(42);
  std::normal_distribution<float> normal;
  std::vector<float> q(B * 8 * L * D), k(B * 2 * L * D), v(B * 2 * L * D), out(B * 8 * L * D, NAN);
  for (auto *t : {&q, &k, &v})
    for (float &x : *t)
      x = normal(rng);
  auto view = [](std::vector<float> &d, int64_t h) {
    return *attnc::TensorView::contiguous(attnc::DType::F32, {B, h, L, D}, d.data());
  };
  if (llvm::Error e = kernel->run({{"q", view(q, 8)}, {"k", view(k, 2)}, {"v", view(v, 2)}, {"out", view(out, 8)}})) {
    std::fprintf(stderr, "run failed: %s\n", llvm::toString(std::move(e)).c_str());
    return 1;
  }

  // 4. Check against the naive definition.
  double maxErr = 0;
  std::vector<double> s(L);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < 8; ++h)
      for (int64_t i = 0; i < L; ++i) {
        const float *qi = &q[((b * 8 + h) * L + i) * D];
        double m = -INFINITY, sum = 0;
        for (int64_t j = 0; j <= i; ++j) {
          const float *kj = &k[((b * 2 + h / 4) * L + j) * D];
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot += double(qi[d]) * kj[d];
          s[j] = dot / std::sqrt(double(D));
          m = std::max(m, s[j]);
        }
        for (int64_t j = 0; j <= i; ++j)
          sum += s[j] = std::exp(s[j] - m);
        for (int64_t d = 0; d < D; ++d) {
          double o = 0;
          for (int64_t j = 0; j <= i; ++j)
            o += s[j] / sum * v[((b * 2 + h / 4) * L + j) * D + d];
          maxErr = std::max(maxErr, std::fabs(o - out[((b * 8 + h) * L + i) * D + d]));
        }
      }
  std::printf("kernel '%s': out [%lld, 8, %lld, 64], compile %.1f ms (%s)\n", kernel->name().c_str(),
              (long long)B, (long long)L, kernel->stats().total, kernel->stats().cacheHit ? "cache hit" : "compiled");
  std::printf("max abs error vs naive reference: %.3g\n", maxErr);

  if (argc > 1) {
    std::string dir = argv[1];
    attnc::rt::Status st = attnc::rt::writeNpy(dir + "/q.npy", view(q, 8));
    if (st.ok()) st = attnc::rt::writeNpy(dir + "/k.npy", view(k, 2));
    if (st.ok()) st = attnc::rt::writeNpy(dir + "/v.npy", view(v, 2));
    if (st.ok()) st = attnc::rt::writeNpy(dir + "/out.npy", view(out, 8));
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return 1;
    }
  }
  return maxErr <= 1e-4 ? 0 : 1;
}
