//===- DType.cpp - Element types and half-precision conversions -----------===//
//
// Bit-exact float <-> f16/bf16 conversions (round to nearest-even) written
// with integer arithmetic so they do not depend on F16C or compiler
// extensions, and behave identically on every host.
//
//===----------------------------------------------------------------------===//
#include "runtime/core/DType.h"

#include <cstring>
#include <limits>

namespace attnc::rt {

size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    return 1;
  }
  return 0;
}

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::F64:
    return "f64";
  case DType::I32:
    return "i32";
  case DType::I8:
    return "i8";
  case DType::U8:
    return "u8";
  case DType::I64:
    return "i64";
  case DType::Bool:
    return "bool";
  }
  return "?";
}

std::optional<DType> parseDType(std::string_view name) {
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::F64, DType::I32,
                  DType::I8, DType::U8, DType::I64, DType::Bool})
    if (name == dtypeName(t))
      return t;
  return std::nullopt;
}

bool isFloatingPoint(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16 ||
         t == DType::F64;
}

static uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

static float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t x = bitsOf(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) // Inf or NaN; keep NaN quiet and non-zero.
    return sign | (absx > 0x7f800000u ? 0x7e00u | ((absx >> 13) & 0x3ffu)
                                      : 0x7c00u);
  if (absx >= 0x477ff000u) // Rounds to >= 65520: overflow to Inf.
    return sign | 0x7c00u;
  if (absx < 0x33000001u) // Below half the smallest subnormal: +-0.
    return sign;
  int32_t exp = int32_t(absx >> 23) - 127 + 15;
  uint32_t mant = absx & 0x7fffffu;
  if (exp <= 0) {
    // Subnormal half: shift the implicit-one mantissa right, round RNE.
    mant |= 0x800000u;
    uint32_t shift = uint32_t(14 - exp);
    uint32_t result = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (result & 1u)))
      ++result;
    return uint16_t(sign | result);
  }
  uint32_t result = (uint32_t(exp) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (result & 1u)))
    ++result; // A carry into the exponent is the correct rounding.
  return uint16_t(sign | result);
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f)
    return floatOf(sign | 0x7f800000u | (mant << 13));
  if (exp == 0) {
    if (mant == 0)
      return floatOf(sign);
    // Subnormal: value = mant * 2^-24, exact in float.
    float v = float(mant) * floatOf(0x33800000u);
    return sign ? -v : v;
  }
  return floatOf(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t floatToBFloat16(float f) {
  uint32_t x = bitsOf(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) // NaN: keep it a (quiet) NaN.
    return uint16_t((x >> 16) | 0x40u);
  uint32_t lsb = (x >> 16) & 1u;
  x += 0x7fffu + lsb;
  return uint16_t(x >> 16);
}

float bfloat16ToFloat(uint16_t b) { return floatOf(uint32_t(b) << 16); }

template <typename T> static T loadRaw(const void *data, size_t index) {
  T v;
  std::memcpy(&v, static_cast<const char *>(data) + index * sizeof(T),
              sizeof(T));
  return v;
}

template <typename T> static void storeRaw(void *data, size_t index, T v) {
  std::memcpy(static_cast<char *>(data) + index * sizeof(T), &v, sizeof(T));
}

// Converting an out-of-range double to an integer is undefined behaviour:
// saturate instead (NaN -> 0).
template <typename T> static T saturate(double v) {
  if (!(v == v))
    return 0;
  if (v <= double(std::numeric_limits<T>::min()))
    return std::numeric_limits<T>::min();
  if (v >= double(std::numeric_limits<T>::max()))
    return std::numeric_limits<T>::max();
  return T(v);
}

double loadAsDouble(DType t, const void *data, size_t index) {
  switch (t) {
  case DType::F32:
    return loadRaw<float>(data, index);
  case DType::F16:
    return halfToFloat(loadRaw<uint16_t>(data, index));
  case DType::BF16:
    return bfloat16ToFloat(loadRaw<uint16_t>(data, index));
  case DType::F64:
    return loadRaw<double>(data, index);
  case DType::I32:
    return loadRaw<int32_t>(data, index);
  case DType::I8:
    return loadRaw<int8_t>(data, index);
  case DType::U8:
    return loadRaw<uint8_t>(data, index);
  case DType::I64:
    return double(loadRaw<int64_t>(data, index));
  case DType::Bool:
    return loadRaw<uint8_t>(data, index) ? 1.0 : 0.0;
  }
  return 0.0;
}

void storeFromDouble(DType t, void *data, size_t index, double v) {
  switch (t) {
  case DType::F32:
    return storeRaw<float>(data, index, float(v));
  case DType::F16:
    return storeRaw<uint16_t>(data, index, floatToHalf(float(v)));
  case DType::BF16:
    return storeRaw<uint16_t>(data, index, floatToBFloat16(float(v)));
  case DType::F64:
    return storeRaw<double>(data, index, v);
  case DType::I32:
    return storeRaw<int32_t>(data, index, saturate<int32_t>(v));
  case DType::I8:
    return storeRaw<int8_t>(data, index, saturate<int8_t>(v));
  case DType::U8:
    return storeRaw<uint8_t>(data, index, saturate<uint8_t>(v));
  case DType::I64:
    return storeRaw<int64_t>(data, index, saturate<int64_t>(v));
  case DType::Bool:
    return storeRaw<uint8_t>(data, index, v != 0.0 ? 1 : 0);
  }
}

} // namespace attnc::rt
