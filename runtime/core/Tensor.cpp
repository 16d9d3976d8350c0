//===- Tensor.cpp - Strided tensor views and owning host tensors ----------===//
//
// Shape validation (overflow-checked, since shapes come from untrusted files)
// and the aligned allocation behind HostTensor.
//
//===----------------------------------------------------------------------===//
#include "runtime/core/Tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>

namespace attnc::rt {

static std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += "x";
    s += std::to_string(shape[i]);
  }
  return s;
}

/// Rejects what would make byte sizes overflow: every caller computes
/// numElements * elementSize, so the product must fit in int64 bytes.
static Status checkShape(DType dtype, const std::vector<int64_t> &shape) {
  if (shape.size() > size_t(kMaxRank))
    return unsupported("rank " + std::to_string(shape.size()) +
                       " exceeds the runtime's maximum rank " +
                       std::to_string(kMaxRank));
  int64_t limit = std::numeric_limits<int64_t>::max() / int64_t(dtypeSize(dtype));
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return invalidArgument("negative dimension in shape [" +
                             shapeString(shape) + "]");
    if (d != 0 && n > limit / d)
      return invalidArgument("shape [" + shapeString(shape) +
                             "] has too many elements");
    n *= d;
  }
  return Status::success();
}

std::vector<int64_t> contiguousStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i] > 0 ? shape[i] : 1;
  }
  return strides;
}

Result<TensorView> TensorView::contiguous(DType dtype,
                                          const std::vector<int64_t> &shape,
                                          void *data) {
  return strided(dtype, shape, contiguousStrides(shape), data);
}

Result<TensorView> TensorView::strided(DType dtype,
                                       const std::vector<int64_t> &shape,
                                       const std::vector<int64_t> &strides,
                                       void *data) {
  ATTNC_RT_RETURN_IF_ERROR(checkShape(dtype, shape));
  if (strides.size() != shape.size())
    return invalidArgument("got " + std::to_string(strides.size()) +
                           " strides for a rank-" +
                           std::to_string(shape.size()) + " shape");
  TensorView v;
  v.dtype_ = dtype;
  v.rank_ = int(shape.size());
  for (int i = 0; i < v.rank_; ++i) {
    v.shape_[i] = shape[i];
    v.strides_[i] = strides[i];
  }
  v.data_ = data;
  return v;
}

int64_t TensorView::numElements() const {
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i)
    n *= shape_[i];
  return n;
}

bool TensorView::isContiguous() const {
  int64_t expected = 1;
  for (int i = rank_; i-- > 0;) {
    if (shape_[i] != 1 && strides_[i] != expected)
      return false;
    expected *= shape_[i];
  }
  return true;
}

int64_t TensorView::offsetOf(const int64_t *index) const {
  int64_t off = 0;
  for (int i = 0; i < rank_; ++i)
    off += index[i] * strides_[i];
  return off;
}

std::string TensorView::describe() const {
  return std::string(dtypeName(dtype_)) + "[" + shapeString(shape()) + "]";
}

HostTensor::~HostTensor() { std::free(view_.data()); }

HostTensor::HostTensor(HostTensor &&other) noexcept : view_(other.view_) {
  other.view_ = TensorView();
}

HostTensor &HostTensor::operator=(HostTensor &&other) noexcept {
  if (this != &other) {
    std::free(view_.data());
    view_ = other.view_;
    other.view_ = TensorView();
  }
  return *this;
}

Result<HostTensor> HostTensor::allocate(DType dtype,
                                        const std::vector<int64_t> &shape) {
  ATTNC_RT_RETURN_IF_ERROR(checkShape(dtype, shape));
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  size_t bytes = size_t(n) * dtypeSize(dtype);
  // aligned_alloc wants a multiple of the alignment, and a non-zero size so
  // that even empty tensors have a unique, freeable pointer.
  size_t rounded = (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
  if (rounded == 0)
    rounded = kHostAlignment;
  void *p = std::aligned_alloc(kHostAlignment, rounded);
  if (!p)
    return outOfMemory("cannot allocate " + std::to_string(bytes) +
                       " bytes for a host tensor " + dtypeName(dtype) + "[" +
                       shapeString(shape) + "]");
  HostTensor t;
  Result<TensorView> view = TensorView::contiguous(dtype, shape, p);
  if (!view.ok()) { // Unreachable: checkShape passed above.
    std::free(p);
    return view.status();
  }
  t.view_ = *view;
  return t;
}

Result<HostTensor> HostTensor::zeros(DType dtype,
                                     const std::vector<int64_t> &shape) {
  ATTNC_RT_ASSIGN_OR_RETURN(HostTensor t, allocate(dtype, shape));
  std::memset(t.data(), 0, t.sizeInBytes());
  return t;
}

Result<HostTensor> HostTensor::copyOf(const TensorView &src) {
  ATTNC_RT_ASSIGN_OR_RETURN(HostTensor t, allocate(src.dtype(), src.shape()));
  ATTNC_RT_RETURN_IF_ERROR(copyElements(src, t.view()));
  return t;
}

Status copyElements(const TensorView &src, const TensorView &dst) {
  if (src.dtype() != dst.dtype() || src.shape() != dst.shape())
    return invalidArgument("cannot copy " + src.describe() + " into " +
                           dst.describe());
  size_t esize = dtypeSize(src.dtype());
  int64_t n = src.numElements();
  if (n == 0)
    return Status::success();
  if (src.isContiguous() && dst.isContiguous()) {
    std::memmove(dst.data(), src.data(), size_t(n) * esize);
    return Status::success();
  }
  // Odometer walk over the multi-index; rank <= kMaxRank.
  int64_t index[kMaxRank] = {};
  const char *s = static_cast<const char *>(src.data());
  char *d = static_cast<char *>(dst.data());
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(d + dst.offsetOf(index) * int64_t(esize),
                s + src.offsetOf(index) * int64_t(esize), esize);
    for (int k = src.rank(); k-- > 0;) {
      if (++index[k] < src.dim(k))
        break;
      index[k] = 0;
    }
  }
  return Status::success();
}

} // namespace attnc::rt
