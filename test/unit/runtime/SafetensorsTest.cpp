//===- SafetensorsTest.cpp - safetensors reading, writing, validation -----===//
//
// Good files are assembled by hand from the format description; corrupt
// ones break one rule each and must be rejected with a message naming the
// tensor and the problem. Truncations and random byte flips must never
// crash.
//
//===----------------------------------------------------------------------===//
#include "runtime/core/File.h"
#include "runtime/weights/Safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <unistd.h>

using namespace attnc::rt;

namespace {

std::vector<uint8_t> makeFile(const std::string &header,
                              const std::vector<uint8_t> &data) {
  std::vector<uint8_t> out(8 + header.size() + data.size());
  for (int i = 0; i < 8; ++i)
    out[size_t(i)] = uint8_t(uint64_t(header.size()) >> (8 * i));
  std::memcpy(out.data() + 8, header.data(), header.size());
  if (!data.empty())
    std::memcpy(out.data() + 8 + header.size(), data.data(), data.size());
  return out;
}

Result<SafetensorsFile> parse(const std::vector<uint8_t> &bytes) {
  return SafetensorsFile::parse(bytes.data(), bytes.size(), "w.safetensors");
}

std::string tempPath(const char *stem) {
  return ::testing::TempDir() + "/" + stem + "_" + std::to_string(::getpid()) +
         ".safetensors";
}

TEST(Safetensors, ReadsHandBuiltFile) {
  // a: f32[2] = {1, 2} at [0, 8); b: i64[1] = 7 at [8, 16); metadata.
  float a[2] = {1, 2};
  int64_t b = 7;
  std::vector<uint8_t> data(16);
  std::memcpy(data.data(), a, 8);
  std::memcpy(data.data() + 8, &b, 8);
  auto bytes = makeFile(R"({"__metadata__":{"format":"pt"},)"
                        R"("b":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},)"
                        R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                        data);
  Result<SafetensorsFile> f = parse(bytes);
  ASSERT_TRUE(f.ok()) << f.status().toString();
  ASSERT_EQ(f->tensors().size(), 2u);
  EXPECT_EQ(f->tensors()[0].name, "a");
  EXPECT_EQ(f->metadata().at("format"), "pt");
  Result<TensorView> va = f->view("a");
  ASSERT_TRUE(va.ok());
  EXPECT_EQ(va->describe(), "f32[2]");
  // This hand-built header is not padded, so the view may be misaligned for
  // f32: read it bytewise (kernels get aligned data through load()).
  float second = 0;
  std::memcpy(&second, static_cast<const uint8_t *>(va->data()) + sizeof(float), sizeof(float));
  EXPECT_EQ(second, 2.0f);
  Result<HostTensor> lb = f->load("b");
  ASSERT_TRUE(lb.ok());
  EXPECT_EQ(*lb->dataAs<int64_t>(), 7);
  Result<TensorView> missing = f->view("c");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::NotFound);
}

TEST(Safetensors, RoundTripsEveryDTypeThroughFiles) {
  std::string path = tempPath("roundtrip");
  std::vector<HostTensor> owned;
  std::vector<std::pair<std::string, TensorView>> tensors;
  int i = 0;
  for (DType t : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64,
                  DType::I32, DType::I8, DType::U8, DType::Bool}) {
    Result<HostTensor> h = HostTensor::allocate(t, {3, 5});
    ASSERT_TRUE(h.ok());
    for (int64_t k = 0; k < 15; ++k)
      storeFromDouble(t, h->data(), size_t(k), double((k * 7 + i) % 5));
    tensors.push_back({std::string("layer.") + dtypeName(t), h->view()});
    owned.push_back(h.take());
    ++i;
  }
  // A strided (transposed) view is stored in logical order.
  Result<TensorView> transposed =
      TensorView::strided(DType::F32, {5, 3}, {1, 5}, owned[1].data());
  ASSERT_TRUE(transposed.ok());
  tensors.push_back({"transposed", *transposed});
  ASSERT_TRUE(writeSafetensors(path, tensors, {{"attnc", "test"}}).ok());

  Result<SafetensorsFile> f = SafetensorsFile::open(path);
  ASSERT_TRUE(f.ok()) << f.status().toString();
  EXPECT_EQ(f->metadata().at("attnc"), "test");
  for (size_t k = 0; k + 1 < tensors.size(); ++k) {
    Result<HostTensor> back = f->load(tensors[k].first);
    ASSERT_TRUE(back.ok()) << tensors[k].first;
    EXPECT_EQ(back->dtype(), tensors[k].second.dtype());
    EXPECT_EQ(back->shape(), tensors[k].second.shape());
    EXPECT_EQ(std::memcmp(back->data(), tensors[k].second.data(),
                          back->sizeInBytes()),
              0)
        << tensors[k].first;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(back->data()) % kHostAlignment, 0u);
  }
  Result<TensorView> t = f->view("transposed");
  ASSERT_TRUE(t.ok());
  // Written widest type first: views into the mapping are aligned.
  for (const auto &[name, view] : tensors) {
    Result<TensorView> mv = f->view(name);
    ASSERT_TRUE(mv.ok());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(mv->data()) % dtypeSize(view.dtype()), 0u) << name;
  }
  const float *src = owned[1].dataAs<float>();
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 3; ++c)
      ASSERT_EQ(t->dataAs<float>()[r * 3 + c], src[c * 5 + r]);
  // The writer pads the header so the data section is 8-byte aligned.
  Result<std::vector<uint8_t>> raw = readFile(path);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ((*raw)[0] % 8, 0);
  ::unlink(path.c_str());
}

TEST(Safetensors, WriterRejectsBadNames) {
  float x = 0;
  Result<TensorView> v = TensorView::contiguous(DType::F32, {1}, &x);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(writeSafetensors(tempPath("bad"), {{"a", *v}, {"a", *v}}).code(),
            StatusCode::InvalidArgument);
  EXPECT_EQ(writeSafetensors(tempPath("bad"), {{"__metadata__", *v}}).code(),
            StatusCode::InvalidArgument);
}

struct Bad {
  const char *name;
  std::vector<uint8_t> bytes;
  const char *expect;
};

TEST(Safetensors, RejectsCorruptFiles) {
  std::vector<uint8_t> data(16, 0);
  auto entry = [](const char *name, const char *dtype, const char *shape,
                  const char *offsets) {
    return std::string("\"") + name + "\":{\"dtype\":\"" + dtype +
           "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
  };
  auto file = [&](const std::string &body) {
    return makeFile("{" + body + "}", data);
  };
  std::vector<uint8_t> hugeLen(16, 0);
  hugeLen[4] = 0x10; // 2^36 bytes of header.
  std::vector<uint8_t> pastEnd = makeFile("{}", {});
  pastEnd[0] = 200;
  std::vector<Bad> cases = {
      {"short", {1, 2, 3}, "too short"},
      {"huge header", hugeLen, "exceeds the 104857600-byte limit"},
      {"header past end", pastEnd, "runs past the end"},
      {"not json", makeFile("{nope", data), "not valid JSON"},
      {"not object", makeFile("[1,2]", data), "not a JSON object"},
      {"entry not object", file("\"w\":3"), "tensor 'w': header entry is not"},
      {"no dtype", file("\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}"),
       "tensor 'w': missing or non-string 'dtype'"},
      {"bad dtype", file(entry("w", "F8_E4M3", "[4]", "[0,4]")),
       "tensor 'w': unsupported dtype 'F8_E4M3'"},
      {"negative dim", file(entry("w", "F32", "[-1]", "[0,4]")),
       "tensor 'w': shape entry -1 is not a non-negative integer"},
      {"float dim", file(entry("w", "F32", "[1.5]", "[0,4]")), "shape entry 1.5"},
      {"rank 7", file(entry("w", "F32", "[1,1,1,1,1,1,1]", "[0,4]")), "rank 7"},
      {"huge shape", file(entry("w", "F32", "[4294967296,4294967296]", "[0,4]")),
       "too many elements"},
      {"reversed", file(entry("w", "F32", "[1]", "[8,4]")), "reversed"},
      {"out of bounds", file(entry("w", "F32", "[4]", "[8,24]")),
       "tensor 'w': data_offsets [8, 24) run past the 16-byte data section"},
      {"size mismatch", file(entry("w", "F32", "[3]", "[0,8]")),
       "tensor 'w': data_offsets [0, 8) hold 8 bytes but F32 shape needs 12"},
      {"bad offsets", file("\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}"),
       "'data_offsets' must be two"},
      {"overlap", file(entry("a", "F32", "[2]", "[0,8]") + "," +
                       entry("b", "F32", "[2]", "[4,12]")),
       "tensors 'a' and 'b' overlap"},
      {"duplicate", file(entry("a", "F32", "[1]", "[0,4]") + "," +
                         entry("a", "F32", "[1]", "[4,8]")),
       "tensor 'a' appears twice"},
      {"metadata", file("\"__metadata__\":{\"k\":1}"), "metadata 'k' is not a string"},
  };
  for (const Bad &c : cases) {
    Result<SafetensorsFile> f = parse(c.bytes);
    ASSERT_FALSE(f.ok()) << c.name;
    EXPECT_NE(f.status().message().find(c.expect), std::string::npos)
        << c.name << ": " << f.status().message();
    EXPECT_NE(f.status().message().find("w.safetensors"), std::string::npos);
  }
}

TEST(Safetensors, TruncationsAndByteFlipsFailCleanly) {
  std::vector<uint8_t> data(24, 1);
  std::vector<uint8_t> good = makeFile(
      R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("b":{"dtype":"BF16","shape":[4],"data_offsets":[16,24]}})",
      data);
  ASSERT_TRUE(parse(good).ok());
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_FALSE(SafetensorsFile::parse(good.data(), n, "cut").ok()) << n;
  std::mt19937 rng(11);
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> bad = good;
    bad[rng() % (good.size() - 24)] = uint8_t(rng());
    Result<SafetensorsFile> f = parse(bad);
    if (!f.ok())
      continue;
    for (const SafetensorsEntry &e : f->tensors()) // Still in bounds.
      ASSERT_LE(e.end, bad.size());
  }
}

TEST(Safetensors, MissingFile) {
  Result<SafetensorsFile> f = SafetensorsFile::open("/nonexistent/w.safetensors");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::NotFound);
}

} // namespace
