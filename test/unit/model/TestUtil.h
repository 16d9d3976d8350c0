//===- TestUtil.h - Helpers shared by the model unit tests -------*- C++ -*-===//
//
// Seeded random tensors (the seed is printed by every failing assertion
// through SCOPED_TRACE in the tests), NaN-poisoned outputs so an element a
// kernel forgot to write fails, and the error measure of NUMERICS.md.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TEST_UNIT_MODEL_TESTUTIL_H
#define ATTNC_TEST_UNIT_MODEL_TESTUTIL_H

#include "runtime/core/Tensor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace attnc::rt::model::test {

/// A fresh seed per run, printed on failure by the tests' SCOPED_TRACE.
inline uint64_t freshSeed() {
  return uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
}

inline HostTensor randn(const std::vector<int64_t> &shape, std::mt19937_64 &rng,
                        float stddev = 1.0f) {
  Result<HostTensor> t = HostTensor::allocate(DType::F32, shape);
  EXPECT_TRUE(t.ok());
  std::normal_distribution<float> dist(0.0f, stddev);
  for (int64_t i = 0; i < t->numElements(); ++i)
    t->dataAs<float>()[i] = dist(rng);
  return t.take();
}

inline HostTensor poisoned(const std::vector<int64_t> &shape) {
  Result<HostTensor> t = HostTensor::allocate(DType::F32, shape);
  EXPECT_TRUE(t.ok());
  std::fill(t->dataAs<float>(), t->dataAs<float>() + t->numElements(),
            std::numeric_limits<float>::quiet_NaN());
  return t.take();
}

inline HostTensor ints(const std::vector<int64_t> &shape, const std::vector<int32_t> &v) {
  Result<HostTensor> t = HostTensor::allocate(DType::I32, shape);
  EXPECT_TRUE(t.ok());
  std::copy(v.begin(), v.end(), t->dataAs<int32_t>());
  return t.take();
}

/// max |got - want| / max(1, max |want|); NaN anywhere gives +inf.
inline double relError(const float *got, const double *want, int64_t n) {
  double err = 0, scale = 1;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(got[i]))
      return std::numeric_limits<double>::infinity();
    err = std::max(err, std::fabs(double(got[i]) - want[i]));
    scale = std::max(scale, std::fabs(want[i]));
  }
  return err / scale;
}

} // namespace attnc::rt::model::test

#endif // ATTNC_TEST_UNIT_MODEL_TESTUTIL_H
