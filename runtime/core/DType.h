//===- DType.h - Element types and half-precision conversions ----*- C++ -*-===//
//
// The element types the runtime moves between files, host buffers and
// kernels. f16/bf16 are stored as raw uint16_t bit patterns: C++17 has no
// portable half type, and kernels only need the bits. The conversions round to
// nearest-even and keep NaN/Inf/subnormals, so they can be used for goldens.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CORE_DTYPE_H
#define ATTNC_RUNTIME_CORE_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace attnc::rt {

enum class DType : uint8_t { F32, F16, BF16, F64, I32, I8, U8, I64, Bool };

/// Bytes per element.
size_t dtypeSize(DType t);
/// Lower-case name used in messages and metadata: "f32", "bf16", "bool".
const char *dtypeName(DType t);
/// Inverse of dtypeName (case-sensitive).
std::optional<DType> parseDType(std::string_view name);
bool isFloatingPoint(DType t);

// IEEE binary16 and bfloat16, as bit patterns.
uint16_t floatToHalf(float f);
float halfToFloat(uint16_t h);
uint16_t floatToBFloat16(float f);
float bfloat16ToFloat(uint16_t b);

/// Reads element `index` of a contiguous buffer of type `t` as a double
/// (bool -> 0/1). For tests and tools, not for hot loops.
double loadAsDouble(DType t, const void *data, size_t index);
/// Stores `v` into element `index`, converting (rounding for half types,
/// truncating toward zero for integers).
void storeFromDouble(DType t, void *data, size_t index, double v);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_CORE_DTYPE_H
