//===- Tensor.h - Strided tensor views and owning host tensors ---*- C++ -*-===//
//
// TensorView is the runtime's currency between files, executors and kernels:
// a non-owning (dtype, shape, strides, pointer) record, cheap to copy, with
// strides counted in elements like PyTorch/memref (not bytes like numpy).
// HostTensor owns a 64-byte aligned allocation (one cache line / one AVX-512
// vector) so CPU kernels can use aligned loads on the innermost dimension.
//
// Ownership: a view never outlives the HostTensor, mmap or device mirror it
// points into; nothing here is reference counted.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CORE_TENSOR_H
#define ATTNC_RUNTIME_CORE_TENSOR_H

#include "runtime/core/DType.h"
#include "runtime/core/Status.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace attnc::rt {

/// Attention tensors are at most [batch, heads, seq, dim] plus a couple of
/// block dimensions; 6 keeps TensorView trivially copyable and small.
constexpr int kMaxRank = 6;
constexpr size_t kHostAlignment = 64;

class TensorView {
public:
  TensorView() = default;

  /// A contiguous (row-major) view. Fails on rank > kMaxRank, negative
  /// sizes or an element count that overflows.
  static Result<TensorView> contiguous(DType dtype,
                                       const std::vector<int64_t> &shape,
                                       void *data);
  /// A view with explicit element strides (same checks, plus
  /// strides.size() == shape.size()).
  static Result<TensorView> strided(DType dtype,
                                    const std::vector<int64_t> &shape,
                                    const std::vector<int64_t> &strides,
                                    void *data);

  DType dtype() const { return dtype_; }
  int rank() const { return rank_; }
  int64_t dim(int i) const { return shape_[i]; }
  int64_t stride(int i) const { return strides_[i]; }
  std::vector<int64_t> shape() const {
    return std::vector<int64_t>(shape_.begin(), shape_.begin() + rank_);
  }
  std::vector<int64_t> strides() const {
    return std::vector<int64_t>(strides_.begin(), strides_.begin() + rank_);
  }
  void *data() const { return data_; }
  template <typename T> T *dataAs() const { return static_cast<T *>(data_); }

  int64_t numElements() const;
  /// Row-major with no gaps (size-1 dimensions may have any stride).
  bool isContiguous() const;
  /// numElements() * dtypeSize(); meaningful as a buffer size only when
  /// contiguous.
  size_t sizeInBytes() const { return size_t(numElements()) * dtypeSize(dtype_); }
  /// Element offset of a multi-index (no bounds checks: hot-path helper).
  int64_t offsetOf(const int64_t *index) const;
  /// "f32[2x3x4]" for messages.
  std::string describe() const;

private:
  DType dtype_ = DType::F32;
  int rank_ = 0;
  std::array<int64_t, kMaxRank> shape_{};
  std::array<int64_t, kMaxRank> strides_{};
  void *data_ = nullptr;
};

/// Row-major element strides of `shape`.
std::vector<int64_t> contiguousStrides(const std::vector<int64_t> &shape);

/// An owning, contiguous, 64-byte aligned host tensor. Move-only.
class HostTensor {
public:
  HostTensor() = default;
  ~HostTensor();
  HostTensor(HostTensor &&other) noexcept;
  HostTensor &operator=(HostTensor &&other) noexcept;
  HostTensor(const HostTensor &) = delete;
  HostTensor &operator=(const HostTensor &) = delete;

  /// Uninitialised storage. OutOfMemory when the allocation fails.
  static Result<HostTensor> allocate(DType dtype,
                                     const std::vector<int64_t> &shape);
  /// Zero-filled storage.
  static Result<HostTensor> zeros(DType dtype,
                                  const std::vector<int64_t> &shape);
  /// A contiguous copy of any (possibly strided) view.
  static Result<HostTensor> copyOf(const TensorView &src);

  const TensorView &view() const { return view_; }
  DType dtype() const { return view_.dtype(); }
  int rank() const { return view_.rank(); }
  std::vector<int64_t> shape() const { return view_.shape(); }
  int64_t numElements() const { return view_.numElements(); }
  size_t sizeInBytes() const { return view_.sizeInBytes(); }
  void *data() const { return view_.data(); }
  template <typename T> T *dataAs() const { return view_.dataAs<T>(); }

private:
  TensorView view_;
};

/// Copies elements between two views of the same dtype and shape (any
/// strides, e.g. to gather a strided view into a contiguous buffer).
Status copyElements(const TensorView &src, const TensorView &dst);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_CORE_TENSOR_H
