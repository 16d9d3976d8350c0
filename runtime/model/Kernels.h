//===- Kernels.h - CPU kernels of the model-level attn ops -------*- C++ -*-===//
//
// The plan executor (runtime/model/Executor.h) runs every step that is not a
// JIT-compiled attention kernel through one of these functions. Each one
// implements exactly the semantics of the attn op it is named after (see
// dialects/Attn/IR/AttnOps.td), on f32 tensors:
//   * the output view is allocated by the caller with the shape that
//     inferShape() in Executor.cpp computed, and is fully written;
//   * inputs are contiguous unless the comment says otherwise (attention
//     operands may be strided views into the KV cache);
//   * data-dependent errors (an embedding id out of range, a position past a
//     learned table) are returned as a Status, never an abort;
//   * parallel work runs on the runtime's ThreadPool; GEMMs go through
//     OpenBLAS's cblas_sgemm when the runtime was built with it.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_MODEL_KERNELS_H
#define ATTNC_RUNTIME_MODEL_KERNELS_H

#include "runtime/core/Status.h"
#include "runtime/core/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnc::rt {
class ThreadPool;
} // namespace attnc::rt

namespace attnc::rt::model {

enum class Activation : uint8_t { ReLU, GELU, GELUTanh, SiLU };
const char *activationName(Activation a);
bool parseActivation(const std::string &name, Activation &out);

/// y[M, N] = x[M, K] · w[N, K]ᵀ (+ bias[N]). `x` rows may be strided
/// (lda >= K); w and y are contiguous.
Status linear(const TensorView &x, const TensorView &w, const TensorView *bias,
              const TensorView &y, ThreadPool &pool);
/// True when linear() uses cblas_sgemm (the runtime found OpenBLAS).
bool haveBlas();
/// "OpenBLAS (Haswell kernels)" or "built-in loops", for --timings.
std::string blasDescription();
/// Threads OpenBLAS may use (match the runtime's pool; OpenBLAS otherwise
/// starts one per core no matter what ATTNC_NUM_THREADS says).
void setBlasThreads(int n);
/// The naive triple loop linear() falls back to without BLAS; exposed so the
/// unit tests and benchmarks can compare both.
void linearNaive(const float *x, const float *w, const float *bias, float *y,
                 int64_t m, int64_t n, int64_t k, ThreadPool &pool);

Status layerNorm(const TensorView &x, const TensorView &gamma,
                 const TensorView &beta, float eps, const TensorView &y,
                 ThreadPool &pool);
Status rmsNorm(const TensorView &x, const TensorView &gamma, float eps,
               const TensorView &y, ThreadPool &pool);
Status activation(const TensorView &x, Activation kind, const TensorView &y,
                  ThreadPool &pool);
/// y = act(gate) * up.
Status glu(const TensorView &gate, const TensorView &up, Activation kind,
           const TensorView &y, ThreadPool &pool);
/// y = lhs + rhs, where rhs's shape is a suffix of lhs's (it repeats).
Status add(const TensorView &lhs, const TensorView &rhs, const TensorView &y,
           ThreadPool &pool);
/// y[b, l] = table[ids[b, l]]; ids outside [0, V) are an InvalidArgument
/// naming the id and where it was.
Status embedding(const TensorView &table, const TensorView &ids,
                 const TensorView &y, ThreadPool &pool);
/// y = x + position(offset + l): learned rows of `table` when given, else
/// the sinusoids of "Attention Is All You Need" (sin on even, cos on odd).
Status positions(const TensorView &x, const TensorView *table, int64_t offset,
                 const TensorView &y, ThreadPool &pool);
/// Rotary embedding on [B, H, L, D], half-split pairing (Llama, GPT-NeoX).
Status rope(const TensorView &x, int64_t offset, float theta,
            int64_t rotaryDim, const TensorView &y, ThreadPool &pool);
/// [B, L, H*D] -> [B, H, L, D] and back.
Status splitHeads(const TensorView &x, const TensorView &y, ThreadPool &pool);
Status mergeHeads(const TensorView &x, const TensorView &y, ThreadPool &pool);
/// Concatenation along L of [B, H, L, D] tensors.
Status concatSeq(const TensorView &lhs, const TensorView &rhs,
                 const TensorView &y, ThreadPool &pool);
/// y[b, h, k] = sum_{l < L} proj[k, l] * x[b, h, l] (Linformer).
Status seqProject(const TensorView &x, const TensorView &proj,
                  const TensorView &y, ThreadPool &pool);
/// Softmax over the last dimension; a row of -inf becomes all zeros.
Status softmax(const TensorView &x, const TensorView &y, ThreadPool &pool);

/// Sum of a[i] * b[i] with 16 partial sums (vectorisable without
/// reassociation flags). Shared by the model kernels and runtime attention.
inline float dot(const float *a, const float *b, int64_t n) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int t = 0; t < 16; ++t)
      acc[t] += a[i + t] * b[i + t];
  float s = 0;
  for (; i < n; ++i)
    s += a[i] * b[i];
  for (int t = 0; t < 16; ++t)
    s += acc[t];
  return s;
}

/// y = x * s (attn.scale).
Status scale(const TensorView &x, float s, const TensorView &y,
             ThreadPool &pool);
/// scores[b, h, i, j] = q[b, h, i] · k[b, h / g, j] (attn.qk; views may be
/// strided).
Status qk(const TensorView &q, const TensorView &k, const TensorView &scores,
          ThreadPool &pool);
/// out[b, h, i] = sum_j p[b, h, i, j] v[b, h / g, j] (attn.pv).
Status pv(const TensorView &probs, const TensorView &v, const TensorView &out,
          ThreadPool &pool);

} // namespace attnc::rt::model

#endif // ATTNC_RUNTIME_MODEL_KERNELS_H
