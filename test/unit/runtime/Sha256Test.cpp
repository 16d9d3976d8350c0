//===- Sha256Test.cpp - SHA-256 against the FIPS 180-4 examples -----------===//
//
// Expected digests are the published NIST test vectors, not outputs of the
// implementation under test.
//
//===----------------------------------------------------------------------===//
#include "runtime/core/Sha256.h"

#include <gtest/gtest.h>

#include <string>

using namespace attnc::rt;

namespace {

std::string hexOf(const std::string &s) {
  return toHex(Sha256::hash(s.data(), s.size()));
}

TEST(Sha256, NistVectors) {
  EXPECT_EQ(hexOf(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hexOf("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hexOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hexOf(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::string msg;
  for (int i = 0; i < 200; ++i)
    msg += char('a' + i * 7 % 26);
  Sha256Digest whole = Sha256::hash(msg.data(), msg.size());
  for (size_t split = 0; split <= msg.size(); ++split) {
    Sha256 h;
    h.update(msg.data(), split);
    h.update(msg.data() + split, msg.size() - split);
    ASSERT_EQ(h.final(), whole) << "split=" << split;
  }
}

} // namespace
