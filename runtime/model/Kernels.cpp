//===- Kernels.cpp - CPU kernels of the model-level attn ops --------------===//
//
// Row-parallel loops on the runtime's ThreadPool, written so that GCC
// vectorises the inner loops without -ffast-math: reductions keep 16
// independent partial sums (one AVX-512 vector) instead of one scalar chain.
// GEMMs go to OpenBLAS when available; it runs its own threads, so it is
// always called from the calling thread, never from inside parallelFor.
//
//===----------------------------------------------------------------------===//
#include "runtime/model/Kernels.h"

#include "runtime/cpu/ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#ifdef ATTNC_HAVE_CBLAS
#include <cblas.h>
#endif

namespace attnc::rt::model {

namespace {

/// Rows per parallel chunk so that a chunk is roughly `work` flops.
int64_t grainFor(int64_t rowCost, int64_t work = 1 << 16) {
  return std::max<int64_t>(1, work / std::max<int64_t>(1, rowCost));
}


inline float sumOf(const float *a, int64_t n) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int t = 0; t < 16; ++t)
      acc[t] += a[i + t];
  float s = 0;
  for (; i < n; ++i)
    s += a[i];
  for (int t = 0; t < 16; ++t)
    s += acc[t];
  return s;
}

inline float applyAct(Activation kind, float x) {
  switch (kind) {
  case Activation::ReLU:
    return x > 0 ? x : 0.0f;
  case Activation::GELU:
    return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
  case Activation::GELUTanh: {
    const float c = 0.79788456080286536f; // sqrt(2 / pi)
    return 0.5f * x * (1.0f + std::tanh(c * (x + 0.044715f * x * x * x)));
  }
  case Activation::SiLU:
    return x / (1.0f + std::exp(-x));
  }
  return x;
}

Status requireF32(const TensorView &t, const char *what) {
  if (t.dtype() != DType::F32)
    return unsupported(std::string(what) + " is " + t.describe() +
                       "; the CPU model kernels compute in f32");
  return Status::success();
}

Status requireSameShape(const TensorView &a, const TensorView &b,
                        const char *op) {
  if (a.shape() != b.shape())
    return internalError(std::string(op) + ": output " + b.describe() +
                         " does not match input " + a.describe());
  return Status::success();
}

int64_t lastDim(const TensorView &t) { return t.rank() ? t.dim(t.rank() - 1) : 1; }

} // namespace

const char *activationName(Activation a) {
  switch (a) {
  case Activation::ReLU:
    return "relu";
  case Activation::GELU:
    return "gelu";
  case Activation::GELUTanh:
    return "gelu_tanh";
  case Activation::SiLU:
    return "silu";
  }
  return "?";
}

bool parseActivation(const std::string &name, Activation &out) {
  for (Activation a : {Activation::ReLU, Activation::GELU,
                       Activation::GELUTanh, Activation::SiLU})
    if (name == activationName(a)) {
      out = a;
      return true;
    }
  return false;
}

namespace {
/// y[j] = bias[j] + w[j] . x for rows [j0, j1): the decode GEMV. Rows are
/// independent dot products over contiguous weight rows, so the loop streams
/// the weights once at full memory bandwidth; 4 rows at a time share the
/// loads of x.
__attribute__((target_clones("avx512f", "avx2", "default"))) void
gemvRows(const float *x, const float *w, const float *bias, float *y, int64_t k, int64_t j0,
         int64_t j1) {
  int64_t j = j0;
  for (; j + 4 <= j1; j += 4) {
    const float *w0 = w + j * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
    float a0[16] = {0}, a1[16] = {0}, a2[16] = {0}, a3[16] = {0};
    int64_t i = 0;
    for (; i + 16 <= k; i += 16)
      for (int t = 0; t < 16; ++t) {
        float xv = x[i + t];
        a0[t] += w0[i + t] * xv;
        a1[t] += w1[i + t] * xv;
        a2[t] += w2[i + t] * xv;
        a3[t] += w3[i + t] * xv;
      }
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (; i < k; ++i) {
      s0 += w0[i] * x[i];
      s1 += w1[i] * x[i];
      s2 += w2[i] * x[i];
      s3 += w3[i] * x[i];
    }
    for (int t = 0; t < 16; ++t) {
      s0 += a0[t];
      s1 += a1[t];
      s2 += a2[t];
      s3 += a3[t];
    }
    y[j] = s0 + (bias ? bias[j] : 0.0f);
    y[j + 1] = s1 + (bias ? bias[j + 1] : 0.0f);
    y[j + 2] = s2 + (bias ? bias[j + 2] : 0.0f);
    y[j + 3] = s3 + (bias ? bias[j + 3] : 0.0f);
  }
  for (; j < j1; ++j)
    y[j] = dot(x, w + j * k, k) + (bias ? bias[j] : 0.0f);
}
} // namespace

bool haveBlas() {
#ifdef ATTNC_HAVE_CBLAS
  return true;
#else
  return false;
#endif
}

std::string blasDescription() {
#ifdef ATTNC_HAVE_CBLAS
  return std::string("OpenBLAS (") + openblas_get_corename() + " kernels)";
#else
  return "built-in loops (no BLAS)";
#endif
}

void setBlasThreads(int n) {
#ifdef ATTNC_HAVE_CBLAS
  if (n > 0)
    openblas_set_num_threads(n);
#else
  (void)n;
#endif
}

void linearNaive(const float *x, const float *w, const float *bias, float *y,
                 int64_t m, int64_t n, int64_t k, ThreadPool &pool) {
  pool.parallelFor(0, m * n, grainFor(k), [&](int64_t b, int64_t e) {
    for (int64_t idx = b; idx < e; ++idx) {
      int64_t i = idx / n, j = idx % n;
      y[idx] = dot(x + i * k, w + j * k, k) + (bias ? bias[j] : 0.0f);
    }
  });
}

Status linear(const TensorView &x, const TensorView &w, const TensorView *bias,
              const TensorView &y, ThreadPool &pool) {
  ATTNC_RT_RETURN_IF_ERROR(requireF32(x, "linear input"));
  ATTNC_RT_RETURN_IF_ERROR(requireF32(w, "linear weight"));
  if (w.rank() != 2 || !w.isContiguous())
    return internalError("linear: weight must be a contiguous matrix, got " +
                         w.describe());
  int64_t n = w.dim(0), k = w.dim(1);
  if (lastDim(x) != k || lastDim(y) != n)
    return invalidArgument("linear: input " + x.describe() + " and weight " +
                           w.describe() + " do not agree");
  if (bias && (bias->numElements() != n || bias->dtype() != DType::F32))
    return invalidArgument("linear: bias " + bias->describe() +
                           " must have " + std::to_string(n) + " elements");
  if (!x.isContiguous() || !y.isContiguous())
    return internalError("linear: input and output must be contiguous");
  int64_t m = k ? x.numElements() / k : 0;
  const float *xp = x.dataAs<float>(), *wp = w.dataAs<float>();
  const float *bp = bias ? bias->dataAs<float>() : nullptr;
  float *yp = y.dataAs<float>();
  if (m == 0 || n == 0)
    return Status::success();
  if (m == 1) {
    // Decoding: one row. Our own GEMV on the runtime pool streams the
    // weights at memory bandwidth and avoids OpenBLAS's thread hand-off.
    pool.parallelFor(0, (n + 63) / 64, 1, [&](int64_t b, int64_t e) {
      gemvRows(xp, wp, bp, yp, k, b * 64, std::min(n, e * 64));
    });
    return Status::success();
  }
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        yp[i * n + j] = bp ? bp[j] : 0.0f;
    return Status::success();
  }
#ifdef ATTNC_HAVE_CBLAS
  // Pre-filling y with the bias (or zeros) and accumulating with beta = 1
  // adds the bias for free, and never reads whatever y held before (BLAS
  // with beta = 0 may propagate a NaN that was in y).
  pool.parallelFor(0, m, grainFor(n), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (bp)
        std::memcpy(yp + i * n, bp, sizeof(float) * size_t(n));
      else
        std::memset(yp + i * n, 0, sizeof(float) * size_t(n));
    }
  });
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(m), int(n),
                int(k), 1.0f, xp, int(k), wp, int(k), 1.0f, yp, int(n));
#else
  linearNaive(xp, wp, bp, yp, m, n, k, pool);
#endif
  return Status::success();
}

Status layerNorm(const TensorView &x, const TensorView &gamma,
                 const TensorView &beta, float eps, const TensorView &y,
                 ThreadPool &pool) {
  ATTNC_RT_RETURN_IF_ERROR(requireSameShape(x, y, "layer_norm"));
  int64_t d = lastDim(x);
  if (gamma.numElements() != d || beta.numElements() != d)
    return invalidArgument("layer_norm: gamma " + gamma.describe() +
                           " and beta " + beta.describe() + " must have " +
                           std::to_string(d) + " elements");
  int64_t rows = d ? x.numElements() / d : 0;
  const float *xp = x.dataAs<float>(), *g = gamma.dataAs<float>(),
              *bt = beta.dataAs<float>();
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, rows, grainFor(d * 4), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float *xr = xp + r * d;
      float *yr = yp + r * d;
      float mean = sumOf(xr, d) / float(d);
      // Two passes (mean, then centred squares) as PyTorch does: one-pass
      // E[x^2] - mean^2 loses digits when |mean| >> std.
      float acc[16] = {0};
      int64_t i = 0;
      for (; i + 16 <= d; i += 16)
        for (int t = 0; t < 16; ++t) {
          float c = xr[i + t] - mean;
          acc[t] += c * c;
        }
      float var = 0;
      for (; i < d; ++i)
        var += (xr[i] - mean) * (xr[i] - mean);
      for (int t = 0; t < 16; ++t)
        var += acc[t];
      float inv = 1.0f / std::sqrt(var / float(d) + eps);
      for (int64_t j = 0; j < d; ++j)
        yr[j] = (xr[j] - mean) * inv * g[j] + bt[j];
    }
  });
  return Status::success();
}

Status rmsNorm(const TensorView &x, const TensorView &gamma, float eps,
               const TensorView &y, ThreadPool &pool) {
  ATTNC_RT_RETURN_IF_ERROR(requireSameShape(x, y, "rms_norm"));
  int64_t d = lastDim(x);
  if (gamma.numElements() != d)
    return invalidArgument("rms_norm: gamma " + gamma.describe() +
                           " must have " + std::to_string(d) + " elements");
  int64_t rows = d ? x.numElements() / d : 0;
  const float *xp = x.dataAs<float>(), *g = gamma.dataAs<float>();
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, rows, grainFor(d * 3), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float *xr = xp + r * d;
      float *yr = yp + r * d;
      float inv = 1.0f / std::sqrt(dot(xr, xr, d) / float(d) + eps);
      for (int64_t j = 0; j < d; ++j)
        yr[j] = xr[j] * inv * g[j];
    }
  });
  return Status::success();
}

namespace {

/// exp(x) to ~2 ulp (Cephes' expf polynomial on x - n ln2, times 2^n built
/// in the exponent bits): plain arithmetic, so loops using it vectorise,
/// where calls to libm's expf/tanhf would run one element at a time.
inline float vexp(float x) {
  x = std::min(88.3762626647949f, std::max(-87.3365478515625f, x));
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f; // round
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

/// y = act(x) (* up, when given) over [0, n), one clone per ISA.
__attribute__((target_clones("avx512f", "avx2", "default"))) void
activationRange(Activation kind, const float *x, const float *up, float *y, int64_t n) {
  switch (kind) {
  case Activation::GELUTanh:
    for (int64_t i = 0; i < n; ++i) {
      float v = x[i];
      float u = 0.79788456080286536f * (v + 0.044715f * v * v * v);
      // 0.5 (1 + tanh u) = 1 / (1 + exp(-2u)).
      float g = v / (1.0f + vexp(-2.0f * u));
      y[i] = up ? g * up[i] : g;
    }
    return;
  case Activation::SiLU:
    for (int64_t i = 0; i < n; ++i) {
      float g = x[i] / (1.0f + vexp(-x[i]));
      y[i] = up ? g * up[i] : g;
    }
    return;
  case Activation::ReLU:
    for (int64_t i = 0; i < n; ++i) {
      float g = x[i] > 0 ? x[i] : 0.0f;
      y[i] = up ? g * up[i] : g;
    }
    return;
  case Activation::GELU:
    for (int64_t i = 0; i < n; ++i) {
      float g = applyAct(Activation::GELU, x[i]);
      y[i] = up ? g * up[i] : g;
    }
    return;
  }
}

} // namespace

Status activation(const TensorView &x, Activation kind, const TensorView &y,
                  ThreadPool &pool) {
  ATTNC_RT_RETURN_IF_ERROR(requireSameShape(x, y, "activation"));
  const float *xp = x.dataAs<float>();
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, x.numElements(), 1 << 14, [&](int64_t b, int64_t e) {
    activationRange(kind, xp + b, nullptr, yp + b, e - b);
  });
  return Status::success();
}

Status glu(const TensorView &gate, const TensorView &up, Activation kind,
           const TensorView &y, ThreadPool &pool) {
  ATTNC_RT_RETURN_IF_ERROR(requireSameShape(gate, up, "glu"));
  ATTNC_RT_RETURN_IF_ERROR(requireSameShape(gate, y, "glu"));
  const float *g = gate.dataAs<float>(), *u = up.dataAs<float>();
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, gate.numElements(), 1 << 14, [&](int64_t b, int64_t e) {
    activationRange(kind, g + b, u + b, yp + b, e - b);
  });
  return Status::success();
}

Status add(const TensorView &lhs, const TensorView &rhs, const TensorView &y,
           ThreadPool &pool) {
  ATTNC_RT_RETURN_IF_ERROR(requireSameShape(lhs, y, "add"));
  if (rhs.rank() > lhs.rank())
    return invalidArgument("add: " + rhs.describe() +
                           " has a higher rank than " + lhs.describe());
  for (int i = 0; i < rhs.rank(); ++i)
    if (rhs.dim(rhs.rank() - 1 - i) != lhs.dim(lhs.rank() - 1 - i))
      return invalidArgument("add: the shape of " + rhs.describe() +
                             " is not a suffix of " + lhs.describe());
  int64_t n = rhs.numElements(), total = lhs.numElements();
  const float *a = lhs.dataAs<float>(), *b = rhs.dataAs<float>();
  float *yp = y.dataAs<float>();
  if (n == 0)
    return Status::success();
  pool.parallelFor(0, total / n, grainFor(n), [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r)
      for (int64_t i = 0; i < n; ++i)
        yp[r * n + i] = a[r * n + i] + b[i];
  });
  return Status::success();
}

Status embedding(const TensorView &table, const TensorView &ids,
                 const TensorView &y, ThreadPool &pool) {
  if (ids.dtype() != DType::I32 || table.rank() != 2)
    return internalError("embedding: expected i32 ids and a [V, D] table");
  int64_t vocab = table.dim(0), d = table.dim(1), n = ids.numElements();
  const int32_t *ip = ids.dataAs<int32_t>();
  // Check every id before writing anything: a bad token is a user error
  // and gets one clear message, not a partially written tensor.
  for (int64_t i = 0; i < n; ++i)
    if (ip[i] < 0 || ip[i] >= vocab) {
      std::string where = ids.rank() == 2
                              ? "sequence " + std::to_string(i / ids.dim(1)) +
                                    ", position " +
                                    std::to_string(i % ids.dim(1))
                              : "index " + std::to_string(i);
      return invalidArgument("token id " + std::to_string(ip[i]) + " at " +
                             where + " is outside the vocabulary [0, " +
                             std::to_string(vocab) + ")");
    }
  const float *tp = table.dataAs<float>();
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, n, grainFor(d), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      std::memcpy(yp + i * d, tp + int64_t(ip[i]) * d, sizeof(float) * size_t(d));
  });
  return Status::success();
}

Status positions(const TensorView &x, const TensorView *table, int64_t offset,
                 const TensorView &y, ThreadPool &pool) {
  ATTNC_RT_RETURN_IF_ERROR(requireSameShape(x, y, "positions"));
  if (x.rank() != 3)
    return internalError("positions: expected [B, L, D], got " + x.describe());
  int64_t batch = x.dim(0), len = x.dim(1), d = x.dim(2);
  if (offset < 0)
    return invalidArgument("positions: negative offset " +
                           std::to_string(offset));
  if (table) {
    if (table->rank() != 2 || table->dim(1) != d)
      return invalidArgument("positions: table " + table->describe() +
                             " does not have width " + std::to_string(d));
    if (offset + len > table->dim(0))
      return invalidArgument(
          "position " + std::to_string(offset + len - 1) +
          " is past the learned position table (" +
          std::to_string(table->dim(0)) +
          " positions); use a shorter input or fewer generated tokens");
  }
  const float *xp = x.dataAs<float>();
  const float *tp = table ? table->dataAs<float>() : nullptr;
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, batch * len, grainFor(d * 8), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int64_t pos = offset + r % len;
      const float *xr = xp + r * d;
      float *yr = yp + r * d;
      if (tp) {
        const float *pr = tp + pos * d;
        for (int64_t j = 0; j < d; ++j)
          yr[j] = xr[j] + pr[j];
        continue;
      }
      for (int64_t j = 0; j < d; ++j) {
        // PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...).
        double freq = std::pow(10000.0, -double(j - (j & 1)) / double(d));
        double ang = double(pos) * freq;
        yr[j] = xr[j] + float((j & 1) ? std::cos(ang) : std::sin(ang));
      }
    }
  });
  return Status::success();
}

Status rope(const TensorView &x, int64_t offset, float theta,
            int64_t rotaryDim, const TensorView &y, ThreadPool &pool) {
  ATTNC_RT_RETURN_IF_ERROR(requireSameShape(x, y, "rope"));
  if (x.rank() != 4)
    return internalError("rope: expected [B, H, L, D], got " + x.describe());
  int64_t len = x.dim(2), d = x.dim(3);
  int64_t rd = rotaryDim ? rotaryDim : d;
  if (rd % 2 || rd > d)
    return invalidArgument("rope: rotary_dim " + std::to_string(rd) +
                           " must be even and at most " + std::to_string(d));
  int64_t half = rd / 2;
  // cos/sin table for the rows of this call: [len, half]. Angles are
  // computed as float32 the way HF does (inv_freq in f32, then pos * f).
  std::vector<float> cs(size_t(len * half)), sn(size_t(len * half));
  std::vector<float> invFreq(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i)
    invFreq[i] = float(1.0 / std::pow(double(theta), double(2 * i) / double(rd)));
  for (int64_t l = 0; l < len; ++l)
    for (int64_t i = 0; i < half; ++i) {
      float ang = float(offset + l) * invFreq[i];
      cs[l * half + i] = std::cos(ang);
      sn[l * half + i] = std::sin(ang);
    }
  const float *xp = x.dataAs<float>();
  float *yp = y.dataAs<float>();
  int64_t rows = x.numElements() / std::max<int64_t>(d, 1);
  pool.parallelFor(0, rows, grainFor(d * 4), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int64_t l = r % len;
      const float *xr = xp + r * d;
      float *yr = yp + r * d;
      const float *c = cs.data() + l * half, *s = sn.data() + l * half;
      for (int64_t i = 0; i < half; ++i) {
        float a = xr[i], bb = xr[i + half];
        yr[i] = a * c[i] - bb * s[i];
        yr[i + half] = bb * c[i] + a * s[i];
      }
      for (int64_t i = rd; i < d; ++i)
        yr[i] = xr[i];
    }
  });
  return Status::success();
}

Status splitHeads(const TensorView &x, const TensorView &y, ThreadPool &pool) {
  if (x.rank() != 3 || y.rank() != 4)
    return internalError("split_heads: bad ranks");
  int64_t batch = y.dim(0), heads = y.dim(1), len = y.dim(2), d = y.dim(3);
  const float *xp = x.dataAs<float>();
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, batch * heads, 1, [&](int64_t b, int64_t e) {
    for (int64_t bh = b; bh < e; ++bh) {
      int64_t bi = bh / heads, h = bh % heads;
      for (int64_t l = 0; l < len; ++l)
        std::memcpy(yp + (bh * len + l) * d,
                    xp + (bi * len + l) * heads * d + h * d,
                    sizeof(float) * size_t(d));
    }
  });
  return Status::success();
}

Status mergeHeads(const TensorView &x, const TensorView &y, ThreadPool &pool) {
  if (x.rank() != 4 || y.rank() != 3)
    return internalError("merge_heads: bad ranks");
  int64_t batch = x.dim(0), heads = x.dim(1), len = x.dim(2), d = x.dim(3);
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, batch * heads, 1, [&](int64_t b, int64_t e) {
    for (int64_t bh = b; bh < e; ++bh) {
      int64_t bi = bh / heads, h = bh % heads;
      for (int64_t l = 0; l < len; ++l) {
        int64_t idx[4] = {bi, h, l, 0};
        std::memcpy(yp + (bi * len + l) * heads * d + h * d,
                    x.dataAs<float>() + x.offsetOf(idx),
                    sizeof(float) * size_t(d));
      }
    }
  });
  return Status::success();
}

Status concatSeq(const TensorView &lhs, const TensorView &rhs,
                 const TensorView &y, ThreadPool &pool) {
  if (lhs.rank() != 4 || rhs.rank() != 4 || y.rank() != 4)
    return internalError("concat_seq: bad ranks");
  int64_t bh = y.dim(0) * y.dim(1), l1 = lhs.dim(2), l2 = rhs.dim(2),
          d = y.dim(3);
  const float *a = lhs.dataAs<float>(), *b = rhs.dataAs<float>();
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, bh, 1, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) {
      std::memcpy(yp + i * (l1 + l2) * d, a + i * l1 * d,
                  sizeof(float) * size_t(l1 * d));
      std::memcpy(yp + (i * (l1 + l2) + l1) * d, b + i * l2 * d,
                  sizeof(float) * size_t(l2 * d));
    }
  });
  return Status::success();
}

Status seqProject(const TensorView &x, const TensorView &proj,
                  const TensorView &y, ThreadPool &pool) {
  if (x.rank() != 4 || proj.rank() != 2 || y.rank() != 4)
    return internalError("seq_project: bad ranks");
  int64_t bh = x.dim(0) * x.dim(1), len = x.dim(2), d = x.dim(3);
  int64_t kk = proj.dim(0), lmax = proj.dim(1);
  if (len > lmax)
    return invalidArgument("seq_project: sequence length " +
                           std::to_string(len) +
                           " is longer than the projection's " +
                           std::to_string(lmax));
  const float *xp = x.dataAs<float>(), *pp = proj.dataAs<float>();
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, bh * kk, grainFor(len * d), [&](int64_t b, int64_t e) {
    for (int64_t idx = b; idx < e; ++idx) {
      int64_t i = idx / kk, k = idx % kk;
      float *yr = yp + idx * d;
      std::fill(yr, yr + d, 0.0f);
      for (int64_t l = 0; l < len; ++l) {
        float w = pp[k * lmax + l];
        const float *xr = xp + (i * len + l) * d;
        for (int64_t j = 0; j < d; ++j)
          yr[j] += w * xr[j];
      }
    }
  });
  return Status::success();
}

Status softmax(const TensorView &x, const TensorView &y, ThreadPool &pool) {
  ATTNC_RT_RETURN_IF_ERROR(requireSameShape(x, y, "softmax"));
  int64_t d = lastDim(x);
  int64_t rows = d ? x.numElements() / d : 0;
  const float *xp = x.dataAs<float>();
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, rows, grainFor(d * 4), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float *xr = xp + r * d;
      float *yr = yp + r * d;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < d; ++j)
        mx = std::max(mx, xr[j]);
      if (mx == -std::numeric_limits<float>::infinity()) {
        std::fill(yr, yr + d, 0.0f); // fully masked row
        continue;
      }
      float sum = 0;
      for (int64_t j = 0; j < d; ++j) {
        yr[j] = std::exp(xr[j] - mx);
        sum += yr[j];
      }
      float inv = 1.0f / sum;
      for (int64_t j = 0; j < d; ++j)
        yr[j] *= inv;
    }
  });
  return Status::success();
}

Status scale(const TensorView &x, float s, const TensorView &y,
             ThreadPool &pool) {
  ATTNC_RT_RETURN_IF_ERROR(requireSameShape(x, y, "scale"));
  const float *xp = x.dataAs<float>();
  float *yp = y.dataAs<float>();
  pool.parallelFor(0, x.numElements(), 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      yp[i] = xp[i] * s;
  });
  return Status::success();
}

Status qk(const TensorView &q, const TensorView &k, const TensorView &scores,
          ThreadPool &pool) {
  if (q.rank() != 4 || k.rank() != 4 || scores.rank() != 4)
    return internalError("qk: bad ranks");
  int64_t batch = q.dim(0), hq = q.dim(1), lq = q.dim(2), d = q.dim(3);
  int64_t hk = k.dim(1), lk = k.dim(2);
  if (hk == 0 || hq % hk)
    return invalidArgument("qk: query heads must be a multiple of key heads");
  int64_t g = hq / hk;
  float *sp = scores.dataAs<float>();
  pool.parallelFor(0, batch * hq * lq, grainFor(lk * d), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int64_t bi = r / (hq * lq), h = (r / lq) % hq, i = r % lq;
      int64_t qi[4] = {bi, h, i, 0};
      const float *qr = q.dataAs<float>() + q.offsetOf(qi);
      for (int64_t j = 0; j < lk; ++j) {
        int64_t ki[4] = {bi, h / g, j, 0};
        sp[r * lk + j] = dot(qr, k.dataAs<float>() + k.offsetOf(ki), d);
      }
    }
  });
  return Status::success();
}

Status pv(const TensorView &probs, const TensorView &v, const TensorView &out,
          ThreadPool &pool) {
  if (probs.rank() != 4 || v.rank() != 4 || out.rank() != 4)
    return internalError("pv: bad ranks");
  int64_t batch = probs.dim(0), hq = probs.dim(1), lq = probs.dim(2),
          lk = probs.dim(3);
  int64_t hk = v.dim(1), dv = v.dim(3);
  if (hk == 0 || hq % hk)
    return invalidArgument("pv: query heads must be a multiple of value heads");
  int64_t g = hq / hk;
  const float *pp = probs.dataAs<float>();
  float *op = out.dataAs<float>();
  pool.parallelFor(0, batch * hq * lq, grainFor(lk * dv), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int64_t bi = r / (hq * lq), h = (r / lq) % hq;
      float *orow = op + r * dv;
      std::fill(orow, orow + dv, 0.0f);
      for (int64_t j = 0; j < lk; ++j) {
        float p = pp[r * lk + j];
        if (p == 0.0f)
          continue;
        int64_t vi[4] = {bi, h / g, j, 0};
        const float *vr = v.dataAs<float>() + v.offsetOf(vi);
        for (int64_t t = 0; t < dv; ++t)
          orow[t] += p * vr[t];
      }
    }
  });
  return Status::success();
}

} // namespace attnc::rt::model
