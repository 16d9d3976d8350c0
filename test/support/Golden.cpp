//===- Golden.cpp - Float64 reference attention ---------------------------===//
//
// The naive O(Lq * Lk) reference; see Golden.h. Every mask and modifier is
// written straight from its definition in dialects/Attn/IR/AttnAttrs.td.
//
//===----------------------------------------------------------------------===//
#include "test/support/Golden.h"

#include <cmath>
#include <cstdlib>
#include <limits>

using namespace attnc::golden;

static int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

static int64_t floorMod(int64_t a, int64_t b) { return a - floorDiv(a, b) * b; }

static int64_t shiftOf(const Inputs &in) { return in.bottomRight ? in.Lk - in.Lq : 0; }

bool attnc::golden::isVisible(const Inputs &in, const Mask &m, int64_t b, int64_t h, int64_t i,
                              int64_t j) {
  int64_t ip = i + shiftOf(in); // the query's position
  switch (m.kind) {
  case MaskKind::Causal:
    return j <= ip + m.offset;
  case MaskKind::Window:
    return ip - m.left <= j && j <= ip + m.right;
  case MaskKind::Padding:
    return j < in.kvLengths[b];
  case MaskKind::Strided: {
    int64_t d = ip - j;
    return std::llabs(d) < m.stride || d % m.stride == 0;
  }
  case MaskKind::BlockSparse: {
    int64_t nqb = (in.Lq + m.block - 1) / m.block, nkb = (in.Lk + m.block - 1) / m.block;
    int64_t hl = in.blockLayoutHeads == 1 ? 0 : h;
    return in.blockLayout[(hl * nqb + i / m.block) * nkb + j / m.block] != 0;
  }
  case MaskKind::PrefixLM:
    return j <= ip || j < in.prefixLengths[b];
  case MaskKind::Document: {
    int32_t qs = in.qSegments[b * in.Lq + i];
    int32_t ks = in.kvSegments.empty() ? in.qSegments[b * in.Lq + j] : in.kvSegments[b * in.Lk + j];
    return qs == ks;
  }
  case MaskKind::Graph:
    return in.adjacency[(b * in.Lq + i) * in.Lk + j] != 0;
  case MaskKind::Local2D: {
    // Pixels in raster order; the query's block extended by the memory flanks.
    int64_t qr = floorDiv(ip, m.width), qc = floorMod(ip, m.width);
    int64_t kr = floorDiv(j, m.width), kc = floorMod(j, m.width);
    int64_t r0 = floorDiv(qr, m.blockH) * m.blockH, c0 = floorDiv(qc, m.blockW) * m.blockW;
    bool inRows = kr >= r0 - m.memTop && kr < r0 + m.blockH;
    bool inCols = kc >= c0 - m.memLeft && kc < c0 + m.blockW + m.memRight;
    return inRows && inCols && (m.causal == 0 || j <= ip);
  }
  case MaskKind::Explicit: {
    int64_t mb = in.maskB == 1 ? 0 : b, mh = in.maskH == 1 ? 0 : h;
    return in.maskTensor[((mb * in.maskH + mh) * in.Lq + i) * in.Lk + j] != 0;
  }
  case MaskKind::And:
    for (const Mask &c : m.members)
      if (!isVisible(in, c, b, h, i, j))
        return false;
    return true;
  case MaskKind::Or:
    for (const Mask &c : m.members)
      if (isVisible(in, c, b, h, i, j))
        return true;
    return false;
  }
  return false;
}

int64_t attnc::golden::t5Bucket(int64_t rel, int64_t numBuckets, int64_t maxDistance,
                                bool bidirectional) {
  int64_t bucket = 0, n;
  if (bidirectional) {
    numBuckets /= 2;
    if (rel > 0)
      bucket += numBuckets;
    n = std::llabs(rel);
  } else {
    n = rel < 0 ? -rel : 0;
  }
  int64_t maxExact = numBuckets / 2;
  if (n < maxExact)
    return bucket + n;
  int64_t large = maxExact + static_cast<int64_t>(std::log(double(n) / double(maxExact)) /
                                                  std::log(double(maxDistance) / double(maxExact)) *
                                                  double(numBuckets - maxExact));
  if (large > numBuckets - 1)
    large = numBuckets - 1;
  return bucket + large;
}

Result attnc::golden::attention(const Inputs &in, const std::optional<Mask> &mask,
                                const std::vector<Modifier> &modifiers) {
  const double negInf = -std::numeric_limits<double>::infinity();
  Result res;
  res.out.assign(in.B * in.Hq * in.Lq * in.Dv, 0.0);
  res.lse.assign(in.B * in.Hq * in.Lq, negInf);
  int64_t group = in.Hq / in.Hk, shift = shiftOf(in);
  std::vector<double> s(in.Lk);
  for (int64_t b = 0; b < in.B; ++b)
    for (int64_t h = 0; h < in.Hq; ++h) {
      int64_t hk = h / group;
      for (int64_t i = 0; i < in.Lq; ++i) {
        const float *qi = &in.q[((b * in.Hq + h) * in.Lq + i) * in.D];
        int64_t ip = i + shift;
        for (int64_t j = 0; j < in.Lk; ++j) {
          const float *kj = &in.k[((b * in.Hk + hk) * in.Lk + j) * in.D];
          double dot = 0;
          for (int64_t d = 0; d < in.D; ++d)
            dot += double(qi[d]) * double(kj[d]);
          double x = dot * in.scale;
          for (const Modifier &mod : modifiers) {
            switch (mod.kind) {
            case ModifierKind::Alibi:
              x += -double(in.alibiSlopes[h]) * double(std::llabs(ip - j));
              break;
            case ModifierKind::RelEmb: {
              int64_t r = j - ip;
              r = r < -mod.maxDistance ? -mod.maxDistance : (r > mod.maxDistance ? mod.maxDistance : r);
              const float *e = &in.relEmb[(r + mod.maxDistance) * in.D];
              double qe = 0;
              for (int64_t d = 0; d < in.D; ++d)
                qe += double(qi[d]) * double(e[d]);
              x += in.scale * qe;
              break;
            }
            case ModifierKind::T5Bias: {
              int64_t bucket = t5Bucket(j - ip, mod.numBuckets, mod.maxDistance, mod.bidirectional != 0);
              x += double(in.relBias[bucket * in.Hq + h]);
              break;
            }
            case ModifierKind::Softcap:
              x = mod.cap * std::tanh(x / mod.cap);
              break;
            case ModifierKind::Bias: {
              int64_t bb = in.biasB == 1 ? 0 : b, bh = in.biasH == 1 ? 0 : h;
              x += double(in.bias[((bb * in.biasH + bh) * in.Lq + i) * in.Lk + j]);
              break;
            }
            }
          }
          if (mask && !isVisible(in, *mask, b, h, i, j))
            x = negInf;
          s[j] = x;
        }
        double mx = negInf;
        for (int64_t j = 0; j < in.Lk; ++j)
          mx = std::max(mx, s[j]);
        if (mx == negInf)
          continue; // no visible key: output 0, lse -inf
        double sum = 0;
        for (int64_t j = 0; j < in.Lk; ++j) {
          s[j] = std::exp(s[j] - mx);
          sum += s[j];
        }
        double *o = &res.out[((b * in.Hq + h) * in.Lq + i) * in.Dv];
        for (int64_t j = 0; j < in.Lk; ++j) {
          const float *vj = &in.v[((b * in.Hk + hk) * in.Lk + j) * in.Dv];
          for (int64_t d = 0; d < in.Dv; ++d)
            o[d] += s[j] / sum * double(vj[d]);
        }
        res.lse[(b * in.Hq + h) * in.Lq + i] = mx + std::log(sum);
      }
    }
  return res;
}
