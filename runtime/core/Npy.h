//===- Npy.h - NumPy .npy tensor files ---------------------------*- C++ -*-===//
//
// .npy is how test goldens, example inputs and attnc-run's outputs travel
// between Python and the runtime. Supported: format versions 1.0/2.0/3.0,
// little-endian (or byte-order-free) f64/f32/f16/i64/i32/i8/u8/bool, C order.
// Everything else (Fortran order, big-endian, object arrays, bfloat16, which
// numpy has no standard descr for) is rejected with a message, and so is any
// truncated or malformed file: the parser never trusts a length it read.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CORE_NPY_H
#define ATTNC_RUNTIME_CORE_NPY_H

#include "runtime/core/Status.h"
#include "runtime/core/Tensor.h"

#include <cstdint>
#include <string>

namespace attnc::rt {

/// Reads a .npy file into a new host tensor.
Result<HostTensor> readNpy(const std::string &path);
/// Parses .npy bytes; `sourceName` only labels error messages.
Result<HostTensor> parseNpy(const uint8_t *data, size_t size,
                            const std::string &sourceName);
/// Serialises any view (strided ones are gathered) as .npy bytes.
Result<std::vector<uint8_t>> serializeNpy(const TensorView &view);
/// Writes a view to `path` atomically.
Status writeNpy(const std::string &path, const TensorView &view);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_CORE_NPY_H
