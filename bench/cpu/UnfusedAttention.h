//===- UnfusedAttention.h - OpenBLAS sgemm + softmax + sgemm baseline -*- C++ -*-===//
//
// The unfused reference point of attnc-bench-cpu: what a framework without a
// fused kernel does. Per head, S = scale * Q K^T with cblas_sgemm (an Lq x Lk
// f32 matrix in memory), the mask written into S as -inf, a row softmax
// (vectorised, max-subtracted), then O = P V with cblas_sgemm. OpenBLAS and
// the softmax use the same number of threads as the fused kernel.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_BENCH_CPU_UNFUSEDATTENTION_H
#define ATTNC_BENCH_CPU_UNFUSEDATTENTION_H

#include <cstdint>
#include <string>
#include <vector>

namespace attnc::rt {
class ThreadPool;
} // namespace attnc::rt

namespace attnc::bench {

/// Masks the benchmark knows: none, causal (key <= query), or a causal
/// window of `window` keys (query - window < key <= query).
struct BenchMask {
  enum Kind { Full, Causal, Window } kind = Full;
  int64_t window = 0;
};

/// Unfused attention over [1, H, L, D] tensors (contiguous, f32); `scores`
/// is resized to L*L and reused across calls.
void unfusedAttention(const float *q, const float *k, const float *v, float *out, int64_t H,
                      int64_t L, int64_t D, BenchMask mask, rt::ThreadPool &pool,
                      std::vector<float> &scores);

/// Sets OpenBLAS's thread count and returns a one-line description of the
/// library (core type, threads), or "unavailable" when built without it.
std::string configureBlas(int threads);

/// True when the benchmark was built with OpenBLAS.
bool haveBlas();

} // namespace attnc::bench

#endif // ATTNC_BENCH_CPU_UNFUSEDATTENTION_H
