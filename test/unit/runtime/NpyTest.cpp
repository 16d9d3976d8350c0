//===- NpyTest.cpp - .npy reading, writing and rejection of bad files -----===//
//
// Good files are hand-built from the format description (NEP 1), not from
// the writer under test; bad files cover every header field plus every
// truncation of a valid file, which must all fail cleanly.
//
//===----------------------------------------------------------------------===//
#include "runtime/core/File.h"
#include "runtime/core/Npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <unistd.h>

using namespace attnc::rt;

namespace {

/// A version-1 .npy image with `header` padded to a 64-byte boundary.
std::vector<uint8_t> makeNpy(const std::string &dict, const void *data,
                             size_t size, uint8_t major = 1) {
  size_t lenBytes = major == 1 ? 2 : 4;
  std::string header = dict;
  size_t prefix = 8 + lenBytes;
  while ((prefix + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  for (size_t i = 0; i < lenBytes; ++i)
    out.push_back(uint8_t(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  const uint8_t *p = static_cast<const uint8_t *>(data);
  out.insert(out.end(), p, p + size);
  return out;
}

Result<HostTensor> parse(const std::vector<uint8_t> &bytes) {
  return parseNpy(bytes.data(), bytes.size(), "test.npy");
}

TEST(Npy, ReadsHandBuiltV1AndV2) {
  float v[6] = {1, 2, 3, 4, 5, 6};
  for (uint8_t major : {1, 2, 3}) {
    Result<HostTensor> t = parse(makeNpy(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", v,
        sizeof(v), major));
    ASSERT_TRUE(t.ok()) << t.status().toString();
    EXPECT_EQ(t->dtype(), DType::F32);
    EXPECT_EQ(t->shape(), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(std::memcmp(t->data(), v, sizeof(v)), 0);
  }
}

TEST(Npy, ReadsScalarsVectorsAndEveryDType) {
  int64_t x = -7;
  Result<HostTensor> s = parse(
      makeNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", &x, 8));
  ASSERT_TRUE(s.ok()) << s.status().toString();
  EXPECT_EQ(s->rank(), 0);
  EXPECT_EQ(*s->dataAs<int64_t>(), -7);

  uint8_t b[3] = {1, 0, 1};
  Result<HostTensor> v = parse(
      makeNpy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", b, 3));
  ASSERT_TRUE(v.ok()) << v.status().toString();
  EXPECT_EQ(v->dtype(), DType::Bool);
  EXPECT_EQ(v->shape(), std::vector<int64_t>{3});

  const std::pair<const char *, DType> descrs[] = {
      {"<f8", DType::F64}, {"<f2", DType::F16}, {"<i4", DType::I32},
      {"|i1", DType::I8},  {"|u1", DType::U8}};
  for (const auto &[descr, dtype] : descrs) {
    uint8_t zeros[16] = {};
    std::string dict = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': (2,), }";
    Result<HostTensor> t = parse(makeNpy(dict, zeros, 2 * dtypeSize(dtype)));
    ASSERT_TRUE(t.ok()) << descr << ": " << t.status().toString();
    EXPECT_EQ(t->dtype(), dtype);
  }
}

TEST(Npy, RoundTripsThroughFiles) {
  std::string path = ::testing::TempDir() + "/npy_roundtrip_" +
                     std::to_string(::getpid()) + ".npy";
  for (DType dtype : {DType::F32, DType::F16, DType::F64, DType::I32,
                      DType::I8, DType::U8, DType::I64, DType::Bool}) {
    Result<HostTensor> t = HostTensor::allocate(dtype, {3, 1, 7});
    ASSERT_TRUE(t.ok());
    for (int64_t i = 0; i < t->numElements(); ++i)
      storeFromDouble(dtype, t->data(), size_t(i), double(i % 2 ? i : -i));
    ASSERT_TRUE(writeNpy(path, t->view()).ok());
    Result<HostTensor> back = readNpy(path);
    ASSERT_TRUE(back.ok()) << back.status().toString();
    EXPECT_EQ(back->dtype(), dtype);
    EXPECT_EQ(back->shape(), t->shape());
    EXPECT_EQ(std::memcmp(back->data(), t->data(), t->sizeInBytes()), 0)
        << dtypeName(dtype);
  }
  // The data must start 64-byte aligned, as numpy's writer guarantees.
  Result<std::vector<uint8_t>> bytes = readFile(path);
  ASSERT_TRUE(bytes.ok());
  size_t headerLen = (*bytes)[8] | (*bytes)[9] << 8;
  EXPECT_EQ((10 + headerLen) % 64, 0u);
  EXPECT_EQ((*bytes)[10 + headerLen - 1], '\n');
  ::unlink(path.c_str());
}

TEST(Npy, WritesStridedViewsInLogicalOrder) {
  int32_t data[6] = {0, 1, 2, 3, 4, 5}; // 2x3, viewed transposed as 3x2.
  Result<TensorView> t = TensorView::strided(DType::I32, {3, 2}, {1, 3}, data);
  ASSERT_TRUE(t.ok());
  Result<std::vector<uint8_t>> bytes = serializeNpy(*t);
  ASSERT_TRUE(bytes.ok());
  Result<HostTensor> back = parse(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().toString();
  const int32_t want[6] = {0, 3, 1, 4, 2, 5};
  EXPECT_EQ(std::memcmp(back->data(), want, sizeof(want)), 0);
}

TEST(Npy, RefusesBFloat16Writes) {
  uint16_t d[2] = {};
  Result<TensorView> v = TensorView::contiguous(DType::BF16, {2}, d);
  ASSERT_TRUE(v.ok());
  Status st = writeNpy(::testing::TempDir() + "/never.npy", *v);
  EXPECT_EQ(st.code(), StatusCode::Unsupported);
  EXPECT_NE(st.message().find("bf16"), std::string::npos);
}

struct BadCase {
  const char *name;
  std::vector<uint8_t> bytes;
  const char *expect; // Substring of the error message.
};

TEST(Npy, RejectsMalformedFiles) {
  float v[4] = {};
  auto dict = [](const char *shape, const char *descr = "<f4",
                 const char *fortran = "False") {
    return std::string("{'descr': '") + descr + "', 'fortran_order': " +
           fortran + ", 'shape': " + shape + ", }";
  };
  std::vector<BadCase> cases = {
      {"magic", {'N', 'O', 'P', 'E', 0, 0, 0, 0, 0, 0}, "bad magic"},
      {"version", makeNpy(dict("(4,)"), v, 16, 9), "format version 9"},
      {"big-endian", makeNpy(dict("(4,)", ">f4"), v, 16), "big-endian"},
      {"object", makeNpy(dict("(4,)", "|O"), v, 16), "unsupported dtype"},
      {"fortran", makeNpy(dict("(2, 2)", "<f4", "True"), v, 16), "Fortran"},
      {"truncated data", makeNpy(dict("(4,)"), v, 12), "truncated"},
      {"trailing data", makeNpy(dict("(3,)"), v, 16), "found 16"},
      {"missing key", makeNpy("{'descr': '<f4', 'shape': (4,), }", v, 16),
       "lacks"},
      {"unterminated", makeNpy("{'descr': '<f4", v, 16), "unterminated"},
      {"bad shape", makeNpy(dict("(4, x)"), v, 16), "integer"},
      {"negative dim", makeNpy(dict("(-4,)"), v, 16), "integer"},
      {"huge dims", makeNpy(dict("(99999999999, 99999999999)"), v, 16),
       "too many elements"},
      {"giant dim", makeNpy(dict("(99999999999999999999,)"), v, 16),
       "too large"},
      {"duplicate", makeNpy("{'shape': (4,), 'shape': (4,), }", v, 16),
       "duplicate"},
      {"rank 7", makeNpy(dict("(1, 1, 1, 1, 1, 1, 4)"), v, 16), "rank 7"},
  };
  uint8_t badBool[2] = {1, 7};
  cases.push_back({"bool", makeNpy(dict("(2,)", "|b1"), badBool, 2), "bool"});
  for (const BadCase &c : cases) {
    Result<HostTensor> t = parse(c.bytes);
    ASSERT_FALSE(t.ok()) << c.name;
    EXPECT_NE(t.status().message().find(c.expect), std::string::npos)
        << c.name << ": " << t.status().message();
    EXPECT_NE(t.status().message().find("test.npy"), std::string::npos);
  }
}

TEST(Npy, EveryTruncationFailsCleanly) {
  float v[5] = {1, 2, 3, 4, 5};
  std::vector<uint8_t> good = makeNpy(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", v, 20);
  ASSERT_TRUE(parse(good).ok());
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_FALSE(parseNpy(good.data(), n, "cut").ok()) << n;
}

TEST(Npy, RandomHeaderCorruptionNeverCrashes) {
  float v[5] = {};
  std::vector<uint8_t> good = makeNpy(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", v, 20);
  std::mt19937 rng(7);
  int failures = 0;
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> bad = good;
    size_t at = rng() % 128; // Header region.
    bad[at] = uint8_t(rng());
    Result<HostTensor> t = parse(bad);
    failures += !t.ok();
  }
  EXPECT_GT(failures, 0);
}

TEST(Npy, MissingFileIsNotFound) {
  Result<HostTensor> t = readNpy("/nonexistent/dir/x.npy");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::NotFound);
  EXPECT_NE(t.status().message().find("/nonexistent/dir/x.npy"),
            std::string::npos);
}

} // namespace
