//===- Sha256.h - SHA-256 for integrity checks -------------------*- C++ -*-===//
//
// The runtime checksums kernel-cache payloads (and can hash keys) without
// OpenSSL or llvm::SHA256, neither of which exists on every machine that
// builds the runtime. FIPS 180-4, incremental.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CORE_SHA256_H
#define ATTNC_RUNTIME_CORE_SHA256_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace attnc::rt {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
public:
  Sha256();
  void update(const void *data, size_t size);
  /// Finishes the hash; the object must not be updated afterwards.
  Sha256Digest final();

  static Sha256Digest hash(const void *data, size_t size);

private:
  void compress(const uint8_t *block);

  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t totalBytes_ = 0;
};

/// Lower-case hex of a byte string.
std::string toHex(const uint8_t *data, size_t size);
inline std::string toHex(const Sha256Digest &d) { return toHex(d.data(), d.size()); }

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_CORE_SHA256_H
