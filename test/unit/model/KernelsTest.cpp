//===- KernelsTest.cpp - Model-op kernels against float64 loops -----------===//
//
// Each kernel is compared with a plain double-precision loop written from
// the op's definition in AttnOps.td, on odd sizes and fresh random inputs,
// with the output poisoned with NaN first.
//
//===----------------------------------------------------------------------===//
#include "runtime/cpu/ThreadPool.h"
#include "runtime/model/Kernels.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace attnc::rt;
using namespace attnc::rt::model;
using namespace attnc::rt::model::test;

namespace {

ThreadPool &pool() { return ThreadPool::global(); }

TEST(ModelKernels, LinearMatchesFloat64WithAndWithoutBias) {
  uint64_t seed = freshSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{1, 17, 33},
                         {7, 113, 65}, {64, 96, 80}}) {
    HostTensor x = randn({1, m, k}, rng), w = randn({n, k}, rng), b = randn({n}, rng);
    for (bool withBias : {false, true}) {
      HostTensor y = poisoned({1, m, n});
      TensorView bv = b.view();
      ASSERT_TRUE(linear(x.view(), w.view(), withBias ? &bv : nullptr, y.view(), pool()).ok());
      std::vector<double> want(size_t(m * n));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double s = withBias ? b.dataAs<float>()[j] : 0.0;
          for (int64_t t = 0; t < k; ++t)
            s += double(x.dataAs<float>()[i * k + t]) * w.dataAs<float>()[j * k + t];
          want[i * n + j] = s;
        }
      EXPECT_LE(relError(y.dataAs<float>(), want.data(), m * n), 1e-5)
          << "m=" << m << " n=" << n << " k=" << k << " bias=" << withBias;
      HostTensor y2 = poisoned({m, n});
      linearNaive(x.dataAs<float>(), w.dataAs<float>(),
                  withBias ? b.dataAs<float>() : nullptr, y2.dataAs<float>(), m, n, k, pool());
      EXPECT_LE(relError(y2.dataAs<float>(), want.data(), m * n), 1e-5);
    }
  }
}

TEST(ModelKernels, UsesBlasWhenTheBuildFoundIt) {
#ifdef ATTNC_EXPECT_BLAS
  EXPECT_TRUE(haveBlas()) << "CMake found OpenBLAS but linear() does not use it";
#endif
  EXPECT_FALSE(blasDescription().empty());
}

TEST(ModelKernels, LinearRejectsMismatchedWeight) {
  std::mt19937_64 rng(1);
  HostTensor x = randn({2, 8}, rng), w = randn({4, 9}, rng), y = poisoned({2, 4});
  Status st = linear(x.view(), w.view(), nullptr, y.view(), pool());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("do not agree"), std::string::npos) << st.message();
}

TEST(ModelKernels, NormsMatchFloat64) {
  uint64_t seed = freshSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int64_t rows = 13, d = 77;
  HostTensor x = randn({rows, d}, rng), g = randn({d}, rng), b = randn({d}, rng);
  // An offset mean checks the two-pass variance.
  for (int64_t i = 0; i < rows * d; ++i)
    x.dataAs<float>()[i] += 30.0f;
  HostTensor y = poisoned({rows, d}), z = poisoned({rows, d});
  ASSERT_TRUE(layerNorm(x.view(), g.view(), b.view(), 1e-5f, y.view(), pool()).ok());
  ASSERT_TRUE(rmsNorm(x.view(), g.view(), 1e-6f, z.view(), pool()).ok());
  std::vector<double> wantLn(size_t(rows * d)), wantRms(size_t(rows * d));
  for (int64_t r = 0; r < rows; ++r) {
    const float *xr = x.dataAs<float>() + r * d;
    double mean = 0, var = 0, ms = 0;
    for (int64_t j = 0; j < d; ++j)
      mean += xr[j], ms += double(xr[j]) * xr[j];
    mean /= d;
    for (int64_t j = 0; j < d; ++j)
      var += (xr[j] - mean) * (xr[j] - mean);
    var /= d;
    ms /= d;
    for (int64_t j = 0; j < d; ++j) {
      wantLn[r * d + j] = (xr[j] - mean) / std::sqrt(var + 1e-5) * g.dataAs<float>()[j] +
                          b.dataAs<float>()[j];
      wantRms[r * d + j] = xr[j] / std::sqrt(ms + 1e-6) * g.dataAs<float>()[j];
    }
  }
  EXPECT_LE(relError(y.dataAs<float>(), wantLn.data(), rows * d), 1e-4);
  EXPECT_LE(relError(z.dataAs<float>(), wantRms.data(), rows * d), 1e-5);
}

TEST(ModelKernels, ActivationsAndGLU) {
  uint64_t seed = freshSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int64_t n = 1001;
  HostTensor x = randn({n}, rng, 3.0f), up = randn({n}, rng);
  auto ref = [](Activation a, double v) {
    switch (a) {
    case Activation::ReLU:
      return v > 0 ? v : 0.0;
    case Activation::GELU:
      return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
    case Activation::GELUTanh:
      return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    case Activation::SiLU:
      return v / (1 + std::exp(-v));
    }
    return v;
  };
  for (Activation a : {Activation::ReLU, Activation::GELU, Activation::GELUTanh,
                       Activation::SiLU}) {
    HostTensor y = poisoned({n}), z = poisoned({n});
    ASSERT_TRUE(activation(x.view(), a, y.view(), pool()).ok());
    ASSERT_TRUE(glu(x.view(), up.view(), a, z.view(), pool()).ok());
    std::vector<double> want(n), wantGlu(n);
    for (int64_t i = 0; i < n; ++i) {
      want[i] = ref(a, x.dataAs<float>()[i]);
      wantGlu[i] = want[i] * up.dataAs<float>()[i];
    }
    EXPECT_LE(relError(y.dataAs<float>(), want.data(), n), 1e-5) << activationName(a);
    EXPECT_LE(relError(z.dataAs<float>(), wantGlu.data(), n), 1e-5) << activationName(a);
  }
}

TEST(ModelKernels, AddBroadcastsSuffix) {
  std::mt19937_64 rng(7);
  HostTensor a = randn({2, 3, 5}, rng), b = randn({3, 5}, rng), y = poisoned({2, 3, 5});
  ASSERT_TRUE(add(a.view(), b.view(), y.view(), pool()).ok());
  for (int64_t i = 0; i < 30; ++i)
    EXPECT_EQ(y.dataAs<float>()[i], a.dataAs<float>()[i] + b.dataAs<float>()[i % 15]);
  HostTensor bad = randn({5, 3}, rng);
  Status st = add(a.view(), bad.view(), y.view(), pool());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not a suffix"), std::string::npos);
}

TEST(ModelKernels, EmbeddingGathersAndChecksRange) {
  std::mt19937_64 rng(3);
  HostTensor table = randn({11, 6}, rng);
  HostTensor ids = ints({2, 3}, {0, 10, 4, 4, 1, 2});
  HostTensor y = poisoned({2, 3, 6});
  ASSERT_TRUE(embedding(table.view(), ids.view(), y.view(), pool()).ok());
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t j = 0; j < 6; ++j)
      EXPECT_EQ(y.dataAs<float>()[i * 6 + j],
                table.dataAs<float>()[ids.dataAs<int32_t>()[i] * 6 + j]);
  HostTensor badIds = ints({2, 3}, {0, 1, 2, 3, 11, 5});
  Status st = embedding(table.view(), badIds.view(), y.view(), pool());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::InvalidArgument);
  EXPECT_NE(st.message().find("token id 11 at sequence 1, position 1 is outside the vocabulary [0, 11)"),
            std::string::npos)
      << st.message();
  HostTensor negIds = ints({1, 1}, {-1});
  HostTensor y1 = poisoned({1, 1, 6});
  EXPECT_FALSE(embedding(table.view(), negIds.view(), y1.view(), pool()).ok());
}

TEST(ModelKernels, PositionsSinusoidalAndLearnedWithOffset) {
  std::mt19937_64 rng(5);
  const int64_t b = 2, l = 5, d = 6, off = 3;
  HostTensor x = randn({b, l, d}, rng), table = randn({10, d}, rng);
  HostTensor y = poisoned({b, l, d}), z = poisoned({b, l, d});
  ASSERT_TRUE(positions(x.view(), nullptr, off, y.view(), pool()).ok());
  TensorView tv = table.view();
  ASSERT_TRUE(positions(x.view(), &tv, off, z.view(), pool()).ok());
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t li = 0; li < l; ++li)
      for (int64_t j = 0; j < d; ++j) {
        int64_t idx = (bi * l + li) * d + j;
        double pos = double(off + li), i2 = double(j - j % 2);
        double pe = j % 2 ? std::cos(pos / std::pow(10000.0, i2 / d))
                          : std::sin(pos / std::pow(10000.0, i2 / d));
        EXPECT_NEAR(y.dataAs<float>()[idx], x.dataAs<float>()[idx] + pe, 1e-5);
        EXPECT_EQ(z.dataAs<float>()[idx],
                  x.dataAs<float>()[idx] + table.dataAs<float>()[(off + li) * d + j]);
      }
  // Position 3 + 5 + 4 - 1 = 11 is past a 10-row table.
  Status st = positions(x.view(), &tv, 7, z.view(), pool());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("past the learned position table"), std::string::npos);
}

TEST(ModelKernels, RopeMatchesFloat64AndKeepsTail) {
  uint64_t seed = freshSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int64_t b = 1, h = 3, l = 7, d = 10, rd = 6, off = 4;
  HostTensor x = randn({b, h, l, d}, rng), y = poisoned({b, h, l, d});
  ASSERT_TRUE(rope(x.view(), off, 10000.0f, rd, y.view(), pool()).ok());
  std::vector<double> want(size_t(b * h * l * d));
  for (int64_t r = 0; r < b * h * l; ++r) {
    int64_t li = r % l;
    const float *xr = x.dataAs<float>() + r * d;
    for (int64_t i = 0; i < rd / 2; ++i) {
      double ang = double(off + li) * std::pow(10000.0, -2.0 * i / rd);
      want[r * d + i] = xr[i] * std::cos(ang) - xr[i + rd / 2] * std::sin(ang);
      want[r * d + i + rd / 2] = xr[i + rd / 2] * std::cos(ang) + xr[i] * std::sin(ang);
    }
    for (int64_t i = rd; i < d; ++i)
      want[r * d + i] = xr[i];
  }
  EXPECT_LE(relError(y.dataAs<float>(), want.data(), b * h * l * d), 1e-5);
  HostTensor odd = poisoned({b, h, l, d});
  EXPECT_FALSE(rope(x.view(), 0, 10000.0f, 5, odd.view(), pool()).ok());
}

TEST(ModelKernels, SplitMergeConcatProject) {
  std::mt19937_64 rng(9);
  const int64_t b = 2, l = 5, h = 3, d = 4;
  HostTensor x = randn({b, l, h * d}, rng), s = poisoned({b, h, l, d}),
             m = poisoned({b, l, h * d});
  ASSERT_TRUE(splitHeads(x.view(), s.view(), pool()).ok());
  EXPECT_EQ(s.dataAs<float>()[((1 * h + 2) * l + 3) * d + 1],
            x.dataAs<float>()[(1 * l + 3) * h * d + 2 * d + 1]);
  ASSERT_TRUE(mergeHeads(s.view(), m.view(), pool()).ok());
  for (int64_t i = 0; i < b * l * h * d; ++i)
    ASSERT_EQ(m.dataAs<float>()[i], x.dataAs<float>()[i]);

  HostTensor a = randn({b, h, 2, d}, rng), c = poisoned({b, h, l + 2, d});
  ASSERT_TRUE(concatSeq(a.view(), s.view(), c.view(), pool()).ok());
  EXPECT_EQ(c.dataAs<float>()[((1 * h + 1) * (l + 2) + 1) * d + 2],
            a.dataAs<float>()[((1 * h + 1) * 2 + 1) * d + 2]);
  EXPECT_EQ(c.dataAs<float>()[((1 * h + 1) * (l + 2) + 4) * d + 2],
            s.dataAs<float>()[((1 * h + 1) * l + 2) * d + 2]);

  const int64_t kk = 3, lmax = 8;
  HostTensor proj = randn({kk, lmax}, rng), p = poisoned({b, h, kk, d});
  ASSERT_TRUE(seqProject(s.view(), proj.view(), p.view(), pool()).ok());
  std::vector<double> want(size_t(b * h * kk * d));
  for (int64_t bh = 0; bh < b * h; ++bh)
    for (int64_t k = 0; k < kk; ++k)
      for (int64_t j = 0; j < d; ++j) {
        double acc = 0;
        for (int64_t li = 0; li < l; ++li)
          acc += double(proj.dataAs<float>()[k * lmax + li]) *
                 s.dataAs<float>()[(bh * l + li) * d + j];
        want[(bh * kk + k) * d + j] = acc;
      }
  EXPECT_LE(relError(p.dataAs<float>(), want.data(), b * h * kk * d), 1e-5);
}

TEST(ModelKernels, SoftmaxFullyMaskedRowIsZero) {
  const float inf = std::numeric_limits<float>::infinity();
  HostTensor x = poisoned({2, 3});
  float vals[] = {1.0f, 2.0f, -inf, -inf, -inf, -inf};
  std::copy(vals, vals + 6, x.dataAs<float>());
  HostTensor y = poisoned({2, 3});
  ASSERT_TRUE(softmax(x.view(), y.view(), pool()).ok());
  double e = std::exp(1.0);
  EXPECT_NEAR(y.dataAs<float>()[0], 1 / (1 + e), 1e-6);
  EXPECT_NEAR(y.dataAs<float>()[1], e / (1 + e), 1e-6);
  EXPECT_EQ(y.dataAs<float>()[2], 0.0f);
  for (int i = 3; i < 6; ++i)
    EXPECT_EQ(y.dataAs<float>()[i], 0.0f);
}

} // namespace
