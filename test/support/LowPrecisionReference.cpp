//===- LowPrecisionReference.cpp - The naive attention in bf16/f16 --------===//
//
// Deliberately the textbook algorithm (no online softmax, no tiling): what
// `softmax((q @ k.T) * scale + mods) @ v` does in PyTorch with bf16/f16
// tensors, whose matmuls accumulate in float32 and round their results.
//
//===----------------------------------------------------------------------===//
#include "test/support/LowPrecisionReference.h"

#include "runtime/core/DType.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

using namespace attnc::golden;

float attnc::golden::roundTo(LowPrecision lp, float x) {
  if (lp == LowPrecision::BF16)
    return attnc::rt::bfloat16ToFloat(attnc::rt::floatToBFloat16(x));
  return attnc::rt::halfToFloat(attnc::rt::floatToHalf(x));
}

Result attnc::golden::attentionLowPrecision(const Inputs &in, const std::optional<Mask> &mask,
                                            const std::vector<Modifier> &modifiers, LowPrecision lp) {
  const float negInf = -std::numeric_limits<float>::infinity();
  auto r = [&](float x) { return roundTo(lp, x); };
  Result res;
  res.out.assign(in.B * in.Hq * in.Lq * in.Dv, 0.0);
  res.lse.assign(in.B * in.Hq * in.Lq, -std::numeric_limits<double>::infinity());
  const int64_t group = in.Hq / in.Hk, shift = in.bottomRight ? in.Lk - in.Lq : 0;
  const float scale = r(float(in.scale));
  std::vector<float> s(in.Lk), p(in.Lk);
  for (int64_t b = 0; b < in.B; ++b)
    for (int64_t h = 0; h < in.Hq; ++h) {
      const int64_t hk = h / group;
      for (int64_t i = 0; i < in.Lq; ++i) {
        const float *qi = &in.q[((b * in.Hq + h) * in.Lq + i) * in.D];
        const int64_t ip = i + shift;
        for (int64_t j = 0; j < in.Lk; ++j) {
          const float *kj = &in.k[((b * in.Hk + hk) * in.Lk + j) * in.D];
          float dot = 0;
          for (int64_t d = 0; d < in.D; ++d)
            dot += qi[d] * kj[d];
          float x = r(r(dot) * scale);
          for (const Modifier &mod : modifiers) {
            switch (mod.kind) {
            case ModifierKind::Alibi:
              x = r(x - in.alibiSlopes[h] * float(std::llabs(ip - j)));
              break;
            case ModifierKind::RelEmb: {
              int64_t rel = j - ip;
              rel = rel < -mod.maxDistance ? -mod.maxDistance : (rel > mod.maxDistance ? mod.maxDistance : rel);
              const float *e = &in.relEmb[(rel + mod.maxDistance) * in.D];
              float qe = 0;
              for (int64_t d = 0; d < in.D; ++d)
                qe += qi[d] * e[d];
              x = r(x + r(r(qe) * scale));
              break;
            }
            case ModifierKind::T5Bias:
              x = r(x + in.relBias[t5Bucket(j - ip, mod.numBuckets, mod.maxDistance, mod.bidirectional != 0) *
                                       in.Hq +
                                   h]);
              break;
            case ModifierKind::Softcap:
              x = r(float(mod.cap) * std::tanh(x / float(mod.cap)));
              break;
            case ModifierKind::Bias: {
              int64_t bb = in.biasB == 1 ? 0 : b, bh = in.biasH == 1 ? 0 : h;
              x = r(x + in.bias[((bb * in.biasH + bh) * in.Lq + i) * in.Lk + j]);
              break;
            }
            }
          }
          if (mask && !isVisible(in, *mask, b, h, i, j))
            x = negInf;
          s[j] = x;
        }
        float mx = negInf;
        for (int64_t j = 0; j < in.Lk; ++j)
          mx = std::max(mx, s[j]);
        if (mx == negInf)
          continue;
        // Softmax in float32, probabilities rounded (as torch.softmax on a
        // bf16 tensor does).
        float sum = 0;
        for (int64_t j = 0; j < in.Lk; ++j) {
          p[j] = std::exp(s[j] - mx);
          sum += p[j];
        }
        for (int64_t j = 0; j < in.Lk; ++j)
          p[j] = r(p[j] / sum);
        double *o = &res.out[((b * in.Hq + h) * in.Lq + i) * in.Dv];
        for (int64_t d = 0; d < in.Dv; ++d) {
          float acc = 0;
          for (int64_t j = 0; j < in.Lk; ++j)
            acc += p[j] * in.v[((b * in.Hk + hk) * in.Lk + j) * in.Dv + d];
          o[d] = r(acc);
        }
        res.lse[(b * in.Hq + h) * in.Lq + i] = double(mx) + std::log(double(sum));
      }
    }
  return res;
}
