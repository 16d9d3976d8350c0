//===- UnfusedAttention.cpp - OpenBLAS sgemm + softmax + sgemm baseline ---===//
//
// See UnfusedAttention.h. The softmax is written so that GCC vectorises it
// at -O3 -march=native (CMakeLists.txt adds the flags that allow the sum to
// be reassociated; none of them changes how infinities behave): a strawman
// with scalar libm calls would flatter the fused kernel.
//
//===----------------------------------------------------------------------===//
#include "bench/cpu/UnfusedAttention.h"

#include "runtime/cpu/ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#ifdef ATTNC_BENCH_HAVE_CBLAS
#include <cblas.h>
#endif

using namespace attnc;
using namespace attnc::bench;

namespace {

/// exp(x) for x <= 0 (the max is subtracted first), exactly 0 below -87;
/// Cephes' degree-6 polynomial after reduction by ln 2, ~1 ulp.
inline float expNonPositive(float x) {
  float n = std::floor(x * 1.44269504088896341f + 0.5f);
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t e = (static_cast<int32_t>(std::max(n, -126.0f)) + 127) << 23;
  float scale;
  std::memcpy(&scale, &e, sizeof(scale));
  return x < -87.0f ? 0.0f : p * scale;
}

/// In-place softmax of one row whose visible keys are [lo, hi]; the rest of
/// the row is first set to -inf, as a masked_fill would.
void softmaxRow(float *row, int64_t n, int64_t lo, int64_t hi) {
  const float negInf = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < lo; ++j)
    row[j] = negInf;
  for (int64_t j = hi + 1; j < n; ++j)
    row[j] = negInf;
  float m = negInf;
  for (int64_t j = 0; j < n; ++j)
    m = row[j] > m ? row[j] : m;
  float sum = 0.0f;
  for (int64_t j = 0; j < n; ++j) {
    float e = expNonPositive(row[j] - m);
    row[j] = e;
    sum += e;
  }
  float inv = 1.0f / sum;
  for (int64_t j = 0; j < n; ++j)
    row[j] *= inv;
}

} // namespace

bool attnc::bench::haveBlas() {
#ifdef ATTNC_BENCH_HAVE_CBLAS
  return true;
#else
  return false;
#endif
}

std::string attnc::bench::configureBlas(int threads) {
#ifdef ATTNC_BENCH_HAVE_CBLAS
  openblas_set_num_threads(threads);
  return std::string("OpenBLAS ") + openblas_get_config() + ", core " + openblas_get_corename() +
         ", threads " + std::to_string(openblas_get_num_threads());
#else
  (void)threads;
  return "unavailable";
#endif
}

void attnc::bench::unfusedAttention(const float *q, const float *k, const float *v, float *out,
                                    int64_t H, int64_t L, int64_t D, BenchMask mask,
                                    rt::ThreadPool &pool, std::vector<float> &scores) {
#ifdef ATTNC_BENCH_HAVE_CBLAS
  scores.resize(size_t(L) * size_t(L));
  float *s = scores.data();
  float scale = 1.0f / std::sqrt(float(D));
  for (int64_t h = 0; h < H; ++h) {
    const float *qh = q + h * L * D, *kh = k + h * L * D, *vh = v + h * L * D;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(L), int(L), int(D), scale, qh, int(D),
                kh, int(D), 0.0f, s, int(L));
    pool.parallelFor(0, L, 64, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        int64_t lo = 0, hi = L - 1;
        if (mask.kind != BenchMask::Full)
          hi = i;
        if (mask.kind == BenchMask::Window)
          lo = std::max<int64_t>(0, i - mask.window + 1);
        softmaxRow(s + i * L, L, lo, hi);
      }
    });
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(L), int(D), int(L), 1.0f, s, int(L),
                vh, int(D), 0.0f, out + h * L * D, int(D));
  }
#else
  (void)q, (void)k, (void)v, (void)out, (void)H, (void)L, (void)D, (void)mask, (void)pool,
      (void)scores;
#endif
}
