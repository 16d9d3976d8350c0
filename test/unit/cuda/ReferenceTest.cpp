//===- ReferenceTest.cpp - The low-precision reference of the GPU checks ---===//
//
// `attnc-run attention --check` accepts a bf16/f16 kernel whose error is at
// most twice that of ref_lp (test/support/LowPrecisionReference.h), so
// ref_lp must really carry the rounding error of its precision (not be the
// golden in disguise, which would make the tolerance vanish) while still
// agreeing with the float64 golden, and it must keep the masked-row rule.
//
//===----------------------------------------------------------------------===//
#include "test/support/Golden.h"
#include "test/support/LowPrecisionReference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace attnc::golden;

namespace {

Inputs randomInputs(LowPrecision lp, uint64_t seed) {
  Inputs in;
  in.B = 1, in.Hq = 2, in.Hk = 1, in.Lq = 17, in.Lk = 33, in.D = 64, in.Dv = 48;
  in.scale = 1.0 / 8.0;
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n(0.f, 1.f);
  auto fill = [&](std::vector<float> &x, size_t count) {
    x.resize(count);
    for (float &f : x)
      f = roundTo(lp, n(rng)); // inputs already in the low precision
  };
  fill(in.q, size_t(in.B * in.Hq * in.Lq * in.D));
  fill(in.k, size_t(in.B * in.Hk * in.Lk * in.D));
  fill(in.v, size_t(in.B * in.Hk * in.Lk * in.Dv));
  return in;
}

double maxErr(const std::vector<double> &a, const std::vector<double> &b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::isfinite(a[i]))
      m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

TEST(LowPrecisionReference, CarriesTheRoundingErrorOfItsPrecision) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Inputs in = randomInputs(LowPrecision::BF16, seed);
  Mask causal;
  Result g = attention(in, causal, {});
  double bf16 = maxErr(g.out, attentionLowPrecision(in, causal, {}, LowPrecision::BF16).out);
  double f16 = maxErr(g.out, attentionLowPrecision(in, causal, {}, LowPrecision::F16).out);
  EXPECT_GT(bf16, 1e-4);   // 8 mantissa bits: visible error
  EXPECT_LT(bf16, 5e-2);   // but the same function
  EXPECT_LT(f16, bf16);    // 11 mantissa bits: smaller error
  EXPECT_GT(f16, 1e-6);
}

TEST(LowPrecisionReference, ModifiersAndMaskedRows) {
  Inputs in = randomInputs(LowPrecision::F16, 7);
  in.bottomRight = true;
  in.Lq = 17, in.Lk = 9; // bottom_right causal: the first 8 rows see no key
  in.k.resize(size_t(in.Lk * in.D));
  in.v.resize(size_t(in.Lk * in.Dv));
  in.alibiSlopes = {0.5f, 0.25f};
  Modifier alibi;
  alibi.kind = ModifierKind::Alibi;
  Modifier cap;
  cap.kind = ModifierKind::Softcap;
  cap.cap = 5.0;
  Mask causal;
  Result g = attention(in, causal, {alibi, cap});
  Result r = attentionLowPrecision(in, causal, {alibi, cap}, LowPrecision::F16);
  for (int64_t h = 0; h < in.Hq; ++h)
    for (int64_t i = 0; i < in.Lq; ++i) {
      size_t row = size_t(h * in.Lq + i);
      bool empty = i < in.Lq - in.Lk;
      EXPECT_EQ(std::isinf(g.lse[row]), empty) << "row " << row;
      EXPECT_EQ(std::isinf(r.lse[row]), empty) << "row " << row;
      for (int64_t d = 0; d < in.Dv && empty; ++d) {
        ASSERT_EQ(r.out[row * size_t(in.Dv) + size_t(d)], 0.0);
      }
    }
  EXPECT_LT(maxErr(g.out, r.out), 1e-2);
  EXPECT_LT(maxErr(g.lse, r.lse), 1e-2);
}

} // namespace
