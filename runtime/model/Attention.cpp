//===- Attention.cpp - Masks, score modifiers and runtime attention -------===//
//
// One row of scores at a time: for query row i (position i' = i + shift)
// the mask's band (the contiguous range of keys any positional member lets
// through; the whole row for data-dependent masks) bounds the keys, scores
// in that range get the scale and the modifiers, and then, unless the band
// already decides the mask exactly (causal, window, padding and their
// intersections), each key is checked against the full mask tree. The
// forward kernel parallelises over (batch, head, block of rows); the decode
// kernel over (batch, head, key chunk) with a log-sum-exp combine.
//
//===----------------------------------------------------------------------===//
#include "runtime/model/Attention.h"

#include "runtime/cpu/ThreadPool.h"
#include "runtime/model/Kernels.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace attnc::rt::model {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();


/// Element offset with broadcasting: a size-1 dimension ignores its index.
inline int64_t bcastOffset(const TensorView &t, std::initializer_list<int64_t> idx) {
  int64_t off = 0, d = 0;
  for (int64_t i : idx) {
    if (t.dim(int(d)) != 1)
      off += i * t.stride(int(d));
    ++d;
  }
  return off;
}

inline bool byteAt(const TensorView &t, int64_t off) {
  return static_cast<const uint8_t *>(t.data())[off] != 0;
}

/// Everything the per-pair functions need about one call.
struct Ctx {
  const AttentionSpec &spec;
  const AttentionAux &aux;
  const TensorView &q;
  int64_t lq, lk, shift;
  float scale;
};

int64_t kvLength(const Ctx &c, int64_t b) {
  const TensorView &t = c.aux.kvLengths;
  return static_cast<const int32_t *>(t.data())[b * t.stride(0)];
}

bool visible(const MaskNode &m, const Ctx &c, int64_t b, int64_t h, int64_t i,
             int64_t j) {
  int64_t ip = i + c.shift;
  switch (m.kind) {
  case MaskNode::Kind::Causal:
    return j <= ip + m.p[0];
  case MaskNode::Kind::Window:
    return j >= ip - m.p[0] && j <= ip + m.p[1];
  case MaskNode::Kind::Padding:
    return j < kvLength(c, b);
  case MaskNode::Kind::Strided: {
    int64_t dlt = ip - j;
    return std::llabs(dlt) < m.p[0] || dlt % m.p[0] == 0;
  }
  case MaskNode::Kind::BlockSparse: {
    const TensorView &t = c.aux.blockLayout;
    return byteAt(t, bcastOffset(t, {h, i / m.p[0], j / m.p[0]}));
  }
  case MaskNode::Kind::PrefixLM: {
    const TensorView &t = c.aux.prefixLengths;
    return j <= ip || j < static_cast<const int32_t *>(t.data())[b * t.stride(0)];
  }
  case MaskNode::Kind::Document: {
    const TensorView &qs = c.aux.qSegments;
    int32_t qi = static_cast<const int32_t *>(qs.data())[b * qs.stride(0) + i * qs.stride(1)];
    const TensorView &ks = c.aux.kvSegments.data() ? c.aux.kvSegments : qs;
    int32_t kj = static_cast<const int32_t *>(ks.data())[b * ks.stride(0) + j * ks.stride(1)];
    return qi == kj;
  }
  case MaskNode::Kind::Graph: {
    const TensorView &t = c.aux.adjacency;
    return byteAt(t, bcastOffset(t, {b, i, j}));
  }
  case MaskNode::Kind::Local2D: {
    int64_t width = m.p[0], bh = m.p[1], bw = m.p[2];
    int64_t qr = ip / width, qc = ip % width, kr = j / width, kc = j % width;
    int64_t r0 = (qr / bh) * bh, c0 = (qc / bw) * bw;
    if (kr < r0 - m.p[3] || kr >= r0 + bh)
      return false;
    if (kc < c0 - m.p[4] || kc >= c0 + bw + m.p[5])
      return false;
    return !m.p[6] || j <= ip;
  }
  case MaskNode::Kind::Explicit: {
    const TensorView &t = c.aux.maskTensor;
    return byteAt(t, bcastOffset(t, {b, h, i, j}));
  }
  case MaskNode::Kind::And:
    for (const MaskNode &s : m.members)
      if (!visible(s, c, b, h, i, j))
        return false;
    return true;
  case MaskNode::Kind::Or:
    for (const MaskNode &s : m.members)
      if (visible(s, c, b, h, i, j))
        return true;
    return false;
  }
  return true;
}

/// Keys [lo, hi) that may be visible from row i; `exact` says every key in
/// the range is visible (no per-key check needed).
void band(const MaskNode &m, const Ctx &c, int64_t b, int64_t i, int64_t &lo,
          int64_t &hi, bool &exact) {
  int64_t ip = i + c.shift;
  lo = 0;
  hi = c.lk;
  exact = true;
  switch (m.kind) {
  case MaskNode::Kind::Causal:
    hi = ip + m.p[0] + 1;
    break;
  case MaskNode::Kind::Window:
    lo = ip - m.p[0];
    hi = ip + m.p[1] + 1;
    break;
  case MaskNode::Kind::Padding:
    hi = kvLength(c, b);
    break;
  case MaskNode::Kind::And:
    for (const MaskNode &s : m.members) {
      int64_t l, h;
      bool e;
      band(s, c, b, i, l, h, e);
      lo = std::max(lo, l);
      hi = std::min(hi, h);
      exact = exact && e;
    }
    break;
  case MaskNode::Kind::Or: {
    lo = c.lk;
    hi = 0;
    for (const MaskNode &s : m.members) {
      int64_t l, h;
      bool e;
      band(s, c, b, i, l, h, e);
      lo = std::min(lo, l);
      hi = std::max(hi, h);
    }
    exact = false;
    break;
  }
  case MaskNode::Kind::Local2D:
    if (m.p[6])
      hi = ip + 1;
    exact = false;
    break;
  default:
    exact = false;
    break;
  }
  lo = std::max<int64_t>(lo, 0);
  hi = std::min<int64_t>(hi, c.lk);
}

float applyModifiers(const Ctx &c, int64_t b, int64_t h, int64_t i, int64_t j,
                     const float *qrow, float s) {
  int64_t ip = i + c.shift;
  for (const Modifier &m : c.spec.modifiers) {
    switch (m.kind) {
    case Modifier::Kind::Alibi: {
      const TensorView &t = c.aux.alibiSlopes;
      float slope = static_cast<const float *>(t.data())[h * t.stride(0)];
      s += -slope * float(std::llabs(ip - j));
      break;
    }
    case Modifier::Kind::RelEmb: {
      const TensorView &t = c.aux.relEmb;
      int64_t r = std::clamp<int64_t>(j - ip, -m.maxDistance, m.maxDistance) + m.maxDistance;
      s += c.scale * dot(qrow, static_cast<const float *>(t.data()) + r * t.stride(0), t.dim(1));
      break;
    }
    case Modifier::Kind::T5Bias: {
      const TensorView &t = c.aux.relBias;
      int64_t bk = t5Bucket(j - ip, m.numBuckets, m.maxDistance, m.bidirectional);
      s += static_cast<const float *>(t.data())[bk * t.stride(0) + h * t.stride(1)];
      break;
    }
    case Modifier::Kind::Softcap:
      s = float(m.cap) * std::tanh(s / float(m.cap));
      break;
    case Modifier::Kind::Bias: {
      const TensorView &t = c.aux.bias;
      s += static_cast<const float *>(t.data())[bcastOffset(t, {b, h, i, j})];
      break;
    }
    }
  }
  return s;
}

const float *rowPtr(const TensorView &t, int64_t b, int64_t h, int64_t l) {
  int64_t idx[4] = {b, h, l, 0};
  return t.dataAs<float>() + t.offsetOf(idx);
}
float *rowPtrMut(const TensorView &t, int64_t b, int64_t h, int64_t l) {
  int64_t idx[4] = {b, h, l, 0};
  return t.dataAs<float>() + t.offsetOf(idx);
}

/// s[j] = scale * sum_d q[d] * kt[d * ldk + j] for j < n: with K transposed
/// the inner loop runs over keys, a broadcast FMA with no reduction, which
/// vectorises to the widest unit the CPU has (one clone per ISA).
__attribute__((target_clones("avx512f", "avx2", "default"))) void
scoresFromKt(const float *q, const float *kt, int64_t ldk, int64_t n, int64_t d, float scale,
             float *s) {
  for (int64_t j = 0; j < n; ++j)
    s[j] = 0.0f;
  for (int64_t e = 0; e < d; ++e) {
    float qe = q[e] * scale;
    const float *kr = kt + e * ldk;
    for (int64_t j = 0; j < n; ++j)
      s[j] += qe * kr[j];
  }
}

/// o[0, dv) += p * v for one probability (the PV inner loop).
__attribute__((target_clones("avx512f", "avx2", "default"))) void
axpyRow(float p, const float *v, float *o, int64_t dv) {
  for (int64_t e = 0; e < dv; ++e)
    o[e] += p * v[e];
}

/// Scores of row i for keys [lo, hi) into s[0, hi - lo): scaled, modified,
/// masked (-inf). Returns false when no key in the range is visible. `kt`,
/// when given, is K of head kh transposed ([D, Lk], leading dimension Lk).
bool rowScores(const Ctx &c, int64_t b, int64_t h, int64_t kh, int64_t i,
               int64_t lo, int64_t hi, bool exact, const TensorView &k,
               float *s, const float *kt = nullptr) {
  const float *qrow = rowPtr(c.q, b, h, i);
  int64_t d = c.q.dim(3);
  bool any = false;
  bool hasMods = !c.spec.modifiers.empty();
  if (kt)
    scoresFromKt(qrow, kt + lo, c.lk, hi - lo, d, c.scale, s);
  for (int64_t j = lo; j < hi; ++j) {
    float v = kt ? s[j - lo] : c.scale * dot(qrow, rowPtr(k, b, kh, j), d);
    if (hasMods)
      v = applyModifiers(c, b, h, i, j, qrow, v);
    if (!exact && !visible(c.spec.mask, c, b, h, i, j))
      v = kNegInf;
    s[j - lo] = v;
    any = any || v != kNegInf;
  }
  return any;
}

void rowBand(const Ctx &c, int64_t b, int64_t i, int64_t &lo, int64_t &hi,
             bool &exact) {
  if (!c.spec.hasMask) {
    lo = 0;
    hi = c.lk;
    exact = true;
    return;
  }
  band(c.spec.mask, c, b, i, lo, hi, exact);
}

Status checkVec(const TensorView &t, const char *name, int rank,
                DType dtype) {
  if (!t.data())
    return invalidArgument(std::string("attention: the mask or modifier needs the '") +
                           name + "' operand");
  if (t.rank() != rank)
    return invalidArgument(std::string("attention: '") + name + "' is " +
                           t.describe() + ", expected rank " + std::to_string(rank));
  bool byteType = dtype == DType::I8;
  bool ok = byteType ? dtypeSize(t.dtype()) == 1 : t.dtype() == dtype;
  if (!ok)
    return invalidArgument(std::string("attention: '") + name + "' is " +
                           t.describe() + ", expected " + dtypeName(dtype));
  return Status::success();
}

Status checkMask(const MaskNode &m, const AttentionAux &aux, int64_t batch,
                 int64_t lq, int64_t lk) {
  using K = MaskNode::Kind;
  switch (m.kind) {
  case K::Padding:
    ATTNC_RT_RETURN_IF_ERROR(checkVec(aux.kvLengths, "kv_lengths", 1, DType::I32));
    if (aux.kvLengths.dim(0) != batch)
      return invalidArgument("attention: kv_lengths " + aux.kvLengths.describe() +
                             " needs one length per batch entry (" +
                             std::to_string(batch) + ")");
    return Status::success();
  case K::PrefixLM:
    ATTNC_RT_RETURN_IF_ERROR(checkVec(aux.prefixLengths, "prefix_lengths", 1, DType::I32));
    if (aux.prefixLengths.dim(0) != batch)
      return invalidArgument("attention: prefix_lengths needs one entry per batch entry");
    return Status::success();
  case K::Document:
    ATTNC_RT_RETURN_IF_ERROR(checkVec(aux.qSegments, "q_segments", 2, DType::I32));
    if (aux.qSegments.dim(0) != batch || aux.qSegments.dim(1) != lq)
      return invalidArgument("attention: q_segments " + aux.qSegments.describe() +
                             " must be [B, Lq]");
    if (aux.kvSegments.data()) {
      ATTNC_RT_RETURN_IF_ERROR(checkVec(aux.kvSegments, "kv_segments", 2, DType::I32));
      if (aux.kvSegments.dim(1) != lk)
        return invalidArgument("attention: kv_segments must be [B, Lk]");
    } else if (lq != lk) {
      return invalidArgument("attention: a document mask without kv_segments needs Lq == Lk");
    }
    return Status::success();
  case K::Graph:
    ATTNC_RT_RETURN_IF_ERROR(checkVec(aux.adjacency, "adjacency", 3, DType::I8));
    if (aux.adjacency.dim(1) != lq || aux.adjacency.dim(2) != lk)
      return invalidArgument("attention: adjacency " + aux.adjacency.describe() +
                             " must be [B, Lq, Lk]");
    return Status::success();
  case K::BlockSparse: {
    ATTNC_RT_RETURN_IF_ERROR(checkVec(aux.blockLayout, "block_layout", 3, DType::I8));
    int64_t blk = m.p[0];
    if (blk <= 0 || aux.blockLayout.dim(1) < (lq + blk - 1) / blk ||
        aux.blockLayout.dim(2) < (lk + blk - 1) / blk)
      return invalidArgument("attention: block_layout " + aux.blockLayout.describe() +
                             " does not cover the scores");
    return Status::success();
  }
  case K::Explicit:
    ATTNC_RT_RETURN_IF_ERROR(checkVec(aux.maskTensor, "mask_tensor", 4, DType::I8));
    if (aux.maskTensor.dim(2) != lq || aux.maskTensor.dim(3) != lk)
      return invalidArgument("attention: mask_tensor " + aux.maskTensor.describe() +
                             " must be [B|1, H|1, Lq, Lk]");
    return Status::success();
  case K::Strided:
    if (m.p[0] <= 0)
      return invalidArgument("attention: strided mask needs a positive stride");
    return Status::success();
  case K::Local2D:
    if (m.p[0] <= 0 || m.p[1] <= 0 || m.p[2] <= 0)
      return invalidArgument("attention: local2d needs positive width and block sizes");
    return Status::success();
  case K::And:
  case K::Or:
    for (const MaskNode &s : m.members)
      ATTNC_RT_RETURN_IF_ERROR(checkMask(s, aux, batch, lq, lk));
    return Status::success();
  default:
    return Status::success();
  }
}

} // namespace

int64_t t5Bucket(int64_t rel, int64_t numBuckets, int64_t maxDistance,
                 bool bidirectional) {
  int64_t bucket = 0;
  int64_t n = numBuckets;
  if (bidirectional) {
    n /= 2;
    if (rel > 0)
      bucket += n;
    rel = std::llabs(rel);
  } else {
    rel = -std::min<int64_t>(rel, 0);
  }
  int64_t maxExact = n / 2;
  if (rel < maxExact)
    return bucket + rel;
  float large = std::log(float(rel) / float(maxExact)) /
                std::log(float(maxDistance) / float(maxExact)) *
                float(n - maxExact);
  int64_t v = maxExact + int64_t(large);
  return bucket + std::min<int64_t>(v, n - 1);
}

Status checkAttentionOperands(const AttentionSpec &spec, const TensorView &q,
                              const TensorView &k, const TensorView &v,
                              const AttentionAux &aux) {
  if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
    return invalidArgument("attention: q, k, v must be [B, H, L, D], got " +
                           q.describe() + ", " + k.describe() + ", " + v.describe());
  for (const TensorView *t : {&q, &k, &v})
    if (t->dtype() != DType::F32 || (t->dim(3) > 1 && t->stride(3) != 1))
      return unsupported("attention: operands must be f32 with a contiguous last dimension, got " +
                         t->describe());
  int64_t batch = q.dim(0), hq = q.dim(1), lq = q.dim(2), hk = k.dim(1),
          lk = k.dim(2);
  if (k.dim(0) != batch || v.dim(0) != batch || v.dim(1) != hk ||
      v.dim(2) != lk || k.dim(3) != q.dim(3))
    return invalidArgument("attention: q " + q.describe() + ", k " + k.describe() +
                           " and v " + v.describe() + " do not agree");
  if (hk == 0 || hq % hk)
    return invalidArgument("attention: " + std::to_string(hq) +
                           " query heads are not a multiple of " +
                           std::to_string(hk) + " key/value heads");
  if (spec.hasMask)
    ATTNC_RT_RETURN_IF_ERROR(checkMask(spec.mask, aux, batch, lq, lk));
  for (const Modifier &m : spec.modifiers) {
    switch (m.kind) {
    case Modifier::Kind::Alibi:
      ATTNC_RT_RETURN_IF_ERROR(checkVec(aux.alibiSlopes, "alibi_slopes", 1, DType::F32));
      if (aux.alibiSlopes.dim(0) != hq)
        return invalidArgument("attention: alibi_slopes needs one slope per query head");
      break;
    case Modifier::Kind::RelEmb:
      ATTNC_RT_RETURN_IF_ERROR(checkVec(aux.relEmb, "rel_emb", 2, DType::F32));
      if (aux.relEmb.dim(0) != 2 * m.maxDistance + 1 || aux.relEmb.dim(1) != q.dim(3))
        return invalidArgument("attention: rel_emb " + aux.relEmb.describe() +
                               " must be [2*max_distance+1, D]");
      break;
    case Modifier::Kind::T5Bias:
      ATTNC_RT_RETURN_IF_ERROR(checkVec(aux.relBias, "rel_bias", 2, DType::F32));
      if (aux.relBias.dim(0) != m.numBuckets || aux.relBias.dim(1) != hq)
        return invalidArgument("attention: rel_bias " + aux.relBias.describe() +
                               " must be [num_buckets, Hq]");
      break;
    case Modifier::Kind::Bias:
      ATTNC_RT_RETURN_IF_ERROR(checkVec(aux.bias, "bias", 4, DType::F32));
      if (aux.bias.dim(2) != lq || aux.bias.dim(3) != lk)
        return invalidArgument("attention: bias " + aux.bias.describe() +
                               " must be [B|1, H|1, Lq, Lk]");
      break;
    case Modifier::Kind::Softcap:
      if (!(m.cap > 0))
        return invalidArgument("attention: softcap needs a positive cap");
      break;
    }
  }
  return Status::success();
}

Status attentionForward(const AttentionSpec &spec, const TensorView &q,
                        const TensorView &k, const TensorView &v,
                        const AttentionAux &aux, const TensorView &out,
                        const TensorView *lse, ThreadPool &pool) {
  ATTNC_RT_RETURN_IF_ERROR(checkAttentionOperands(spec, q, k, v, aux));
  int64_t batch = q.dim(0), hq = q.dim(1), lq = q.dim(2), lk = k.dim(2),
          dv = v.dim(3);
  int64_t g = hq / k.dim(1);
  Ctx c{spec, aux, q, lq, lk, spec.bottomRight ? lk - lq : 0, spec.scale};
  const int64_t rowsPerTask = 8;
  int64_t qBlocks = (lq + rowsPerTask - 1) / rowsPerTask;
  // K transposed per (batch, kv head), shared by the query heads of a group.
  int64_t hk = k.dim(1), d = q.dim(3);
  std::vector<float> kt(size_t(batch * hk * d * lk));
  pool.parallelFor(0, batch * hk, 1, [&](int64_t bb, int64_t be) {
    for (int64_t bh = bb; bh < be; ++bh)
      for (int64_t j = 0; j < lk; ++j) {
        const float *kr = rowPtr(k, bh / hk, bh % hk, j);
        float *dst = kt.data() + bh * d * lk + j;
        for (int64_t e = 0; e < d; ++e)
          dst[e * lk] = kr[e];
      }
  });
  pool.parallelFor(0, batch * hq * qBlocks, 1, [&](int64_t tb, int64_t te) {
    std::vector<float> s(size_t(std::max<int64_t>(lk, 1)));
    for (int64_t t = tb; t < te; ++t) {
      int64_t b = t / (hq * qBlocks), h = (t / qBlocks) % hq,
              qb = t % qBlocks;
      for (int64_t i = qb * rowsPerTask; i < std::min(lq, (qb + 1) * rowsPerTask); ++i) {
        float *orow = rowPtrMut(out, b, h, i);
        std::fill(orow, orow + dv, 0.0f);
        float rowLse = kNegInf;
        int64_t lo, hi;
        bool exact;
        rowBand(c, b, i, lo, hi, exact);
        const float *ktHead = kt.data() + (b * hk + h / g) * d * lk;
        if (lo < hi && rowScores(c, b, h, h / g, i, lo, hi, exact, k, s.data(), ktHead)) {
          float mx = kNegInf;
          for (int64_t j = 0; j < hi - lo; ++j)
            mx = std::max(mx, s[j]);
          float sum = 0;
          for (int64_t j = 0; j < hi - lo; ++j) {
            if (s[j] == kNegInf)
              continue;
            float p = std::exp(s[j] - mx);
            sum += p;
            axpyRow(p, rowPtr(v, b, h / g, lo + j), orow, dv);
          }
          float inv = 1.0f / sum;
          for (int64_t e = 0; e < dv; ++e)
            orow[e] *= inv;
          rowLse = mx + std::log(sum);
        }
        if (lse) {
          int64_t idx[3] = {b, h, i};
          lse->dataAs<float>()[lse->offsetOf(idx)] = rowLse;
        }
      }
    }
  });
  return Status::success();
}

Status attentionDecode(const AttentionSpec &spec, const TensorView &q,
                       const TensorView &k, const TensorView &v,
                       const AttentionAux &aux, const TensorView &out,
                       ThreadPool &pool, int64_t chunk) {
  ATTNC_RT_RETURN_IF_ERROR(checkAttentionOperands(spec, q, k, v, aux));
  int64_t batch = q.dim(0), hq = q.dim(1), lq = q.dim(2), lk = k.dim(2),
          dv = v.dim(3);
  int64_t g = hq / k.dim(1);
  Ctx c{spec, aux, q, lq, lk, spec.bottomRight ? lk - lq : 0, spec.scale};
  int64_t rows = batch * hq * lq;
  if (chunk <= 0) {
    // Enough chunks for ~4 tasks per thread, but never chunks so small that
    // the combine dominates.
    int64_t wanted = 4 * int64_t(pool.numThreads());
    int64_t perRow = std::max<int64_t>(1, (wanted + rows - 1) / rows);
    chunk = std::max<int64_t>(128, (lk + perRow - 1) / perRow);
  }
  int64_t nChunks = std::max<int64_t>(1, (lk + chunk - 1) / chunk);
  // Partials: per (row, chunk) the max, the sum of exp and Dv accumulators.
  std::vector<float> pm(size_t(rows * nChunks)), pl(size_t(rows * nChunks)),
      pacc(size_t(rows * nChunks * dv));
  pool.parallelFor(0, rows * nChunks, 1, [&](int64_t tb, int64_t te) {
    std::vector<float> s(size_t(std::min(chunk, std::max<int64_t>(lk, 1))));
    for (int64_t t = tb; t < te; ++t) {
      int64_t r = t / nChunks, ch = t % nChunks;
      int64_t b = r / (hq * lq), h = (r / lq) % hq, i = r % lq;
      float *acc = &pacc[size_t(t * dv)];
      std::fill(acc, acc + dv, 0.0f);
      pm[t] = kNegInf;
      pl[t] = 0;
      int64_t lo, hi;
      bool exact;
      rowBand(c, b, i, lo, hi, exact);
      lo = std::max(lo, ch * chunk);
      hi = std::min(hi, (ch + 1) * chunk);
      if (lo >= hi || !rowScores(c, b, h, h / g, i, lo, hi, exact, k, s.data()))
        continue;
      float mx = kNegInf;
      for (int64_t j = 0; j < hi - lo; ++j)
        mx = std::max(mx, s[j]);
      float sum = 0;
      for (int64_t j = 0; j < hi - lo; ++j) {
        if (s[j] == kNegInf)
          continue;
        float p = std::exp(s[j] - mx);
        sum += p;
        const float *vr = rowPtr(v, b, h / g, lo + j);
        for (int64_t e = 0; e < dv; ++e)
          acc[e] += p * vr[e];
      }
      pm[t] = mx;
      pl[t] = sum;
    }
  });
  // Combine: rescale each chunk's partial to the global max.
  pool.parallelFor(0, rows, 16, [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      int64_t b = r / (hq * lq), h = (r / lq) % hq, i = r % lq;
      float *orow = rowPtrMut(out, b, h, i);
      std::fill(orow, orow + dv, 0.0f);
      float mx = kNegInf;
      for (int64_t ch = 0; ch < nChunks; ++ch)
        mx = std::max(mx, pm[r * nChunks + ch]);
      if (mx == kNegInf)
        continue; // no visible key: the row stays 0
      float sum = 0;
      for (int64_t ch = 0; ch < nChunks; ++ch) {
        int64_t t = r * nChunks + ch;
        if (pm[t] == kNegInf)
          continue;
        float w = std::exp(pm[t] - mx);
        sum += w * pl[t];
        const float *acc = &pacc[size_t(t * dv)];
        for (int64_t e = 0; e < dv; ++e)
          orow[e] += w * acc[e];
      }
      float inv = 1.0f / sum;
      for (int64_t e = 0; e < dv; ++e)
        orow[e] *= inv;
    }
  });
  return Status::success();
}

Status applyScoreMods(const std::vector<Modifier> &mods, bool bottomRight,
                      const TensorView *query, const AttentionAux &aux,
                      float scale, const TensorView &scores, ThreadPool &pool) {
  AttentionSpec spec;
  spec.modifiers = mods;
  spec.bottomRight = bottomRight;
  int64_t batch = scores.dim(0), hq = scores.dim(1), lq = scores.dim(2),
          lk = scores.dim(3);
  for (const Modifier &m : mods)
    if (m.kind == Modifier::Kind::RelEmb && !query)
      return invalidArgument("score_mod: rel_emb needs the query operand");
  TensorView q = query ? *query : scores;
  Ctx c{spec, aux, q, lq, lk, bottomRight ? lk - lq : 0, scale};
  float *sp = scores.dataAs<float>();
  pool.parallelFor(0, batch * hq * lq, 4, [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      int64_t b = r / (hq * lq), h = (r / lq) % hq, i = r % lq;
      const float *qrow = query ? rowPtr(q, b, h, i) : nullptr;
      for (int64_t j = 0; j < lk; ++j)
        sp[r * lk + j] = applyModifiers(c, b, h, i, j, qrow, sp[r * lk + j]);
    }
  });
  return Status::success();
}

Status applyMask(const MaskNode &mask, bool bottomRight,
                 const AttentionAux &aux, const TensorView &scores,
                 ThreadPool &pool) {
  AttentionSpec spec;
  spec.hasMask = true;
  spec.mask = mask;
  int64_t batch = scores.dim(0), hq = scores.dim(1), lq = scores.dim(2),
          lk = scores.dim(3);
  ATTNC_RT_RETURN_IF_ERROR(checkMask(mask, aux, batch, lq, lk));
  Ctx c{spec, aux, scores, lq, lk, bottomRight ? lk - lq : 0, 1.0f};
  float *sp = scores.dataAs<float>();
  pool.parallelFor(0, batch * hq * lq, 4, [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      int64_t b = r / (hq * lq), h = (r / lq) % hq, i = r % lq;
      for (int64_t j = 0; j < lk; ++j)
        if (!visible(mask, c, b, h, i, j))
          sp[r * lk + j] = kNegInf;
    }
  });
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Text forms
//===----------------------------------------------------------------------===//

namespace {

struct MaskKindName {
  MaskNode::Kind kind;
  const char *name;
  std::vector<const char *> params;
};

const std::vector<MaskKindName> &maskKinds() {
  static const std::vector<MaskKindName> kinds = {
      {MaskNode::Kind::Causal, "causal", {"offset"}},
      {MaskNode::Kind::Window, "window", {"left", "right"}},
      {MaskNode::Kind::Padding, "padding", {}},
      {MaskNode::Kind::Strided, "strided", {"stride"}},
      {MaskNode::Kind::BlockSparse, "block_sparse", {"block"}},
      {MaskNode::Kind::PrefixLM, "prefix_lm", {}},
      {MaskNode::Kind::Document, "document", {}},
      {MaskNode::Kind::Graph, "graph", {}},
      {MaskNode::Kind::Local2D, "local2d",
       {"width", "block_h", "block_w", "mem_top", "mem_left", "mem_right", "causal"}},
      {MaskNode::Kind::Explicit, "explicit", {}},
      {MaskNode::Kind::And, "and", {}},
      {MaskNode::Kind::Or, "or", {}},
  };
  return kinds;
}

/// A tiny cursor over `name<k=v,...>` / `name[a,b]` text.
struct Cursor {
  const std::string &s;
  size_t pos = 0;
  bool eat(char ch) {
    if (pos < s.size() && s[pos] == ch) {
      ++pos;
      return true;
    }
    return false;
  }
  std::string ident() {
    size_t b = pos;
    while (pos < s.size() && (std::isalnum((unsigned char)s[pos]) || s[pos] == '_'))
      ++pos;
    return s.substr(b, pos - b);
  }
  bool number(double &v) {
    const char *start = s.c_str() + pos;
    char *end = nullptr;
    v = std::strtod(start, &end);
    if (end == start)
      return false;
    pos += size_t(end - start);
    return true;
  }
  /// Parses `<k=v,...>` into pairs (an absent list is fine).
  bool params(std::vector<std::pair<std::string, double>> &out) {
    if (!eat('<'))
      return true;
    if (eat('>'))
      return true;
    do {
      std::string k = ident();
      double v;
      if (k.empty() || !eat('=') || !number(v))
        return false;
      out.emplace_back(k, v);
    } while (eat(','));
    return eat('>');
  }
};

bool parseMaskAt(Cursor &c, MaskNode &out) {
  std::string name = c.ident();
  const MaskKindName *kind = nullptr;
  for (const MaskKindName &k : maskKinds())
    if (name == k.name)
      kind = &k;
  if (!kind)
    return false;
  out = MaskNode();
  out.kind = kind->kind;
  if (kind->kind == MaskNode::Kind::And || kind->kind == MaskNode::Kind::Or) {
    if (!c.eat('['))
      return false;
    do {
      MaskNode m;
      if (!parseMaskAt(c, m))
        return false;
      out.members.push_back(std::move(m));
    } while (c.eat(','));
    return c.eat(']') && !out.members.empty();
  }
  std::vector<std::pair<std::string, double>> ps;
  if (!c.params(ps))
    return false;
  for (auto &[key, val] : ps) {
    bool found = false;
    for (size_t i = 0; i < kind->params.size(); ++i)
      if (key == kind->params[i]) {
        out.p[i] = int64_t(val);
        found = true;
      }
    if (!found)
      return false;
  }
  return true;
}

} // namespace

std::string printMask(const MaskNode &m) {
  for (const MaskKindName &k : maskKinds()) {
    if (k.kind != m.kind)
      continue;
    std::string s = k.name;
    if (m.kind == MaskNode::Kind::And || m.kind == MaskNode::Kind::Or) {
      s += "[";
      for (size_t i = 0; i < m.members.size(); ++i)
        s += (i ? "," : "") + printMask(m.members[i]);
      return s + "]";
    }
    if (!k.params.empty()) {
      s += "<";
      for (size_t i = 0; i < k.params.size(); ++i)
        s += std::string(i ? "," : "") + k.params[i] + "=" + std::to_string(m.p[i]);
      s += ">";
    }
    return s;
  }
  return "?";
}

bool parseMask(const std::string &text, MaskNode &out) {
  Cursor c{text};
  return parseMaskAt(c, out) && c.pos == text.size();
}

std::string printModifier(const Modifier &m) {
  switch (m.kind) {
  case Modifier::Kind::Alibi:
    return "alibi";
  case Modifier::Kind::RelEmb:
    return "rel_emb<max_distance=" + std::to_string(m.maxDistance) + ">";
  case Modifier::Kind::T5Bias:
    return "t5_bias<num_buckets=" + std::to_string(m.numBuckets) +
           ",max_distance=" + std::to_string(m.maxDistance) +
           ",bidirectional=" + std::to_string(int(m.bidirectional)) + ">";
  case Modifier::Kind::Softcap: {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "softcap<cap=%.17g>", m.cap);
    return buf;
  }
  case Modifier::Kind::Bias:
    return "bias";
  }
  return "?";
}

bool parseModifier(const std::string &text, Modifier &out) {
  Cursor c{text};
  std::string name = c.ident();
  std::vector<std::pair<std::string, double>> ps;
  if (!c.params(ps) || c.pos != text.size())
    return false;
  out = Modifier();
  if (name == "alibi")
    out.kind = Modifier::Kind::Alibi;
  else if (name == "rel_emb")
    out.kind = Modifier::Kind::RelEmb;
  else if (name == "t5_bias")
    out.kind = Modifier::Kind::T5Bias;
  else if (name == "softcap")
    out.kind = Modifier::Kind::Softcap;
  else if (name == "bias")
    out.kind = Modifier::Kind::Bias;
  else
    return false;
  for (auto &[k, v] : ps) {
    if (k == "max_distance")
      out.maxDistance = int64_t(v);
    else if (k == "num_buckets")
      out.numBuckets = int64_t(v);
    else if (k == "bidirectional")
      out.bidirectional = v != 0;
    else if (k == "cap")
      out.cap = v;
    else
      return false;
  }
  return true;
}

} // namespace attnc::rt::model
