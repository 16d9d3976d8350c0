//===- TensorTest.cpp - Tensor views and aligned host tensors -------------===//
#include "runtime/core/Tensor.h"

#include <gtest/gtest.h>

#include <cstdint>

using namespace attnc::rt;

namespace {

TEST(Tensor, ContiguousStridesAndAlignment) {
  Result<HostTensor> t = HostTensor::allocate(DType::F32, {2, 3, 5});
  ASSERT_TRUE(t.ok()) << t.status().toString();
  EXPECT_EQ(t->view().strides(), (std::vector<int64_t>{15, 5, 1}));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data()) % kHostAlignment, 0u);
  EXPECT_EQ(t->numElements(), 30);
  EXPECT_EQ(t->sizeInBytes(), 120u);
  EXPECT_TRUE(t->view().isContiguous());
  EXPECT_EQ(t->view().describe(), "f32[2x3x5]");
}

TEST(Tensor, EmptyAndScalar) {
  Result<HostTensor> empty = HostTensor::zeros(DType::BF16, {4, 0, 3});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->numElements(), 0);
  EXPECT_NE(empty->data(), nullptr);
  Result<HostTensor> scalar = HostTensor::zeros(DType::I64, {});
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->numElements(), 1);
  EXPECT_EQ(*scalar->dataAs<int64_t>(), 0);
}

TEST(Tensor, RejectsBadShapes) {
  Result<HostTensor> tooDeep = HostTensor::allocate(DType::F32, {1, 1, 1, 1, 1, 1, 1});
  ASSERT_FALSE(tooDeep.ok());
  EXPECT_EQ(tooDeep.status().code(), StatusCode::Unsupported);
  Result<HostTensor> negative = HostTensor::allocate(DType::F32, {2, -1});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().code(), StatusCode::InvalidArgument);
  Result<HostTensor> overflow =
      HostTensor::allocate(DType::F32, {int64_t(1) << 40, int64_t(1) << 30});
  ASSERT_FALSE(overflow.ok());
  EXPECT_NE(overflow.status().message().find("too many elements"),
            std::string::npos);
  Result<HostTensor> huge = HostTensor::allocate(DType::F32, {int64_t(1) << 60});
  ASSERT_FALSE(huge.ok()); // Cannot be allocated; must not abort.
  EXPECT_EQ(huge.status().code(), StatusCode::OutOfMemory);
}

TEST(Tensor, CopyOfTransposedView) {
  Result<HostTensor> a = HostTensor::allocate(DType::I32, {3, 4});
  ASSERT_TRUE(a.ok());
  for (int i = 0; i < 12; ++i)
    a->dataAs<int32_t>()[i] = i;
  // Transpose: shape 4x3, strides (1, 4).
  Result<TensorView> t =
      TensorView::strided(DType::I32, {4, 3}, {1, 4}, a->data());
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->isContiguous());
  Result<HostTensor> c = HostTensor::copyOf(*t);
  ASSERT_TRUE(c.ok());
  for (int r = 0; r < 4; ++r)
    for (int k = 0; k < 3; ++k)
      EXPECT_EQ(c->dataAs<int32_t>()[r * 3 + k], k * 4 + r);
}

TEST(Tensor, CopyElementsChecksShapes) {
  Result<HostTensor> a = HostTensor::zeros(DType::F32, {2, 2});
  Result<HostTensor> b = HostTensor::zeros(DType::F32, {4});
  ASSERT_TRUE(a.ok() && b.ok());
  Status st = copyElements(a->view(), b->view());
  EXPECT_EQ(st.code(), StatusCode::InvalidArgument);
}

TEST(Tensor, MoveTransfersOwnership) {
  Result<HostTensor> a = HostTensor::zeros(DType::F32, {8});
  ASSERT_TRUE(a.ok());
  void *p = a->data();
  HostTensor b = a.take();
  EXPECT_EQ(b.data(), p);
  HostTensor c;
  c = std::move(b);
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(b.data(), nullptr);
}

TEST(Status, ContextAndPropagation) {
  auto inner = []() -> Result<int> { return notFound("no such tensor 'q'"); };
  auto outer = [&]() -> Result<int> {
    ATTNC_RT_ASSIGN_OR_RETURN(int v, inner());
    return v + 1;
  };
  Result<int> r = outer();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::NotFound);
  EXPECT_EQ(r.status().withContext("weights.safetensors").toString(),
            "NotFound: weights.safetensors: no such tensor 'q'");
  Result<int> bogus = Status::success(); // A bug, reported not hidden.
  EXPECT_EQ(bogus.status().code(), StatusCode::Internal);
}

} // namespace
