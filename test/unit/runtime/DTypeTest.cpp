//===- DTypeTest.cpp - Element types and f16/bf16 conversions -------------===//
//
// The half conversions are checked exhaustively (every f16/bf16 bit
// pattern) and against independent references: the compiler's _Float16
// where available, and a double-precision nearest-even search otherwise.
//
//===----------------------------------------------------------------------===//
#include "runtime/core/DType.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace attnc::rt;

namespace {

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(DType, SizesAndNames) {
  EXPECT_EQ(dtypeSize(DType::F32), 4u);
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_EQ(dtypeSize(DType::I64), 8u);
  EXPECT_EQ(dtypeSize(DType::Bool), 1u);
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::F64, DType::I32,
                  DType::I8, DType::U8, DType::I64, DType::Bool}) {
    std::optional<DType> back = parseDType(dtypeName(t));
    ASSERT_TRUE(back.has_value()) << dtypeName(t);
    EXPECT_EQ(*back, t);
  }
  EXPECT_FALSE(parseDType("float").has_value());
}

TEST(DType, HalfRoundTripsEveryBitPattern) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = halfToFloat(uint16_t(h));
    bool isNan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
    if (isNan) {
      EXPECT_TRUE(std::isnan(f)) << std::hex << h;
      EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(f)))) << std::hex << h;
    } else {
      EXPECT_EQ(floatToHalf(f), h) << std::hex << h;
    }
  }
}

TEST(DType, HalfKnownValues) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00); // Rounds up to Inf.
  EXPECT_EQ(floatToHalf(1e-8f), 0x0000);    // Below half the min subnormal.
  EXPECT_EQ(floatToHalf(5.9604645e-8f), 0x0001);
  EXPECT_EQ(floatToHalf(-INFINITY), 0xfc00);
  EXPECT_FLOAT_EQ(halfToFloat(0x3555), 0.333251953125f);
}

/// Nearest-even rounding of x to a sorted list of representable values.
template <typename Table> double roundNearestEven(double x, const Table &t) {
  auto it = std::lower_bound(t.begin(), t.end(), x,
                             [](const auto &e, double v) { return e.first < v; });
  if (it == t.end())
    return t.back().first;
  if (it == t.begin() || it->first == x)
    return it->first;
  auto lo = it - 1;
  double dlo = x - lo->first, dhi = it->first - x;
  if (dlo < dhi)
    return lo->first;
  if (dhi < dlo)
    return it->first;
  return (lo->second & 1) ? it->first : lo->first;
}

TEST(DType, FloatToHalfMatchesNearestEvenReference) {
  // All finite non-negative halves, as (value, bits); ties break to the even
  // bit pattern. Values past 65504 are tested separately.
  std::vector<std::pair<double, uint16_t>> table;
  for (uint32_t h = 0; h < 0x7c00; ++h)
    table.push_back({halfToFloat(uint16_t(h)), uint16_t(h)});
  std::mt19937 rng(1234);
  std::uniform_int_distribution<uint32_t> bits(0, 0x477fefffu); // <= 65504+.
  for (int i = 0; i < 200000; ++i) {
    float x = floatOf(bits(rng));
    double want = roundNearestEven(double(x), table);
    ASSERT_EQ(double(halfToFloat(floatToHalf(x))), want)
        << "x=" << x << " seed=1234 i=" << i;
    ASSERT_EQ(halfToFloat(floatToHalf(-x)), -want);
  }
#ifdef __FLT16_MAX__
  for (int i = 0; i < 200000; ++i) {
    float x = floatOf(rng());
    _Float16 ref = static_cast<_Float16>(x);
    uint16_t refBits;
    std::memcpy(&refBits, &ref, 2);
    if (std::isnan(x))
      continue;
    ASSERT_EQ(floatToHalf(x), refBits) << "x=" << x;
  }
#endif
}

TEST(DType, BFloat16MatchesNearestEvenReference) {
  std::mt19937 rng(99);
  for (int i = 0; i < 200000; ++i) {
    uint32_t u = rng();
    float x = floatOf(u);
    if (std::isnan(x)) {
      EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(x))));
      continue;
    }
    float lo = floatOf(u & 0xffff0000u);
    float hi = floatOf((u & 0xffff0000u) + 0x10000u); // Next toward +-Inf.
    // IEEE rounds as if the exponent were unbounded: past the largest
    // finite bf16 the next value up is 2^128, which becomes Inf.
    double hiVal = std::isinf(hi) ? std::copysign(std::ldexp(1.0, 128), x) : hi;
    double dlo = std::fabs(double(x) - lo), dhi = std::fabs(hiVal - x);
    float want = dlo < dhi ? lo : dhi < dlo ? hi : ((u >> 16) & 1 ? hi : lo);
    ASSERT_EQ(bitsOf(bfloat16ToFloat(floatToBFloat16(x))), bitsOf(want))
        << "x=" << x << " seed=99 i=" << i;
  }
  EXPECT_EQ(floatToBFloat16(1.0f), 0x3f80);
  EXPECT_EQ(bfloat16ToFloat(0xc040), -3.0f);
}

TEST(DType, LoadStoreAsDouble) {
  int32_t i32[2] = {};
  storeFromDouble(DType::I32, i32, 1, 1e20); // Saturates, no UB.
  EXPECT_EQ(i32[1], INT32_MAX);
  uint16_t h[1];
  storeFromDouble(DType::F16, h, 0, 0.5);
  EXPECT_EQ(loadAsDouble(DType::F16, h, 0), 0.5);
  uint8_t b[1];
  storeFromDouble(DType::Bool, b, 0, -3.0);
  EXPECT_EQ(b[0], 1);
}

} // namespace
