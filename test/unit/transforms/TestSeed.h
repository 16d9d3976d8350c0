//===- TestSeed.h - Fresh, reproducible random seeds for unit tests -*- C++ -*-===//
//
// Every run draws a new seed (so the random search keeps finding new cases)
// unless ATTNC_TEST_SEED pins one; tests print it on failure through
// SCOPED_TRACE so a failing case can be replayed.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TEST_UNIT_TRANSFORMS_TESTSEED_H
#define ATTNC_TEST_UNIT_TRANSFORMS_TESTSEED_H

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

namespace attnc::test {

inline uint64_t testSeed() {
  if (const char *s = std::getenv("ATTNC_TEST_SEED"))
    return std::strtoull(s, nullptr, 10);
  return (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
}

inline std::string seedTrace(uint64_t seed) {
  return "seed = " + std::to_string(seed) + " (replay with ATTNC_TEST_SEED=" + std::to_string(seed) + ")";
}

} // namespace attnc::test

#endif // ATTNC_TEST_UNIT_TRANSFORMS_TESTSEED_H
