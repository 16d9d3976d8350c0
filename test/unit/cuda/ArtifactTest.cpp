//===- ArtifactTest.cpp - The GPU attention artifact format ---------------===//
//
// Round trips of every field, and every way a file can be damaged or come
// from another version: each must be rejected with a message that says
// what is wrong, never parsed into something the launcher would trust.
//
//===----------------------------------------------------------------------===//
#include "runtime/core/File.h"
#include "runtime/core/Sha256.h"
#include "runtime/cuda/attention/Artifact.h"
#include "runtime/cuda/attention/KernelABI.h"
#include "test/support/TestEnv.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <unistd.h>

using namespace attnc::rt;
using namespace attnc::rt::gpu;

namespace {

using attnc::test::contains;


Artifact sampleArtifact() {
  Artifact a;
  a.producer = "attnc test";
  a.name = "doc_alibi";
  AttnVariant &v = a.variant;
  v.dtype = ElemType::F16;
  v.headDim = 96;
  v.headDimV = 64;
  v.qTile = 128;
  v.kTile = 32;
  v.schedule = Schedule::Runtime;
  v.diagLo = -300;
  v.diagHi = 0;
  v.scale = 0.102062076f;
  v.bottomRight = true;
  v.returnLse = true;
  std::string error;
  v.mask = parseMask("and(causal(0),or(document,window(256,3)),block_sparse(64))", error);
  v.modifiers = *parseModifiers("alibi;softcap(30.5);t5_bias(32,128,1);bias", error);
  v.hasKvSegments = true;
  v.biasType = ElemType::BF16;
  v.relEmbType = ElemType::F16;
  a.dims = {2, 8, -1, -1, 4096};
  a.alibiSlopes = {0.5f, 0.25f, 0.125f, 0.0625f, 0.03125f, 0.015625f, 0.0078125f, 0.00390625f};
  KernelImage img;
  img.sm = 90;
  img.archSpecific = true;
  img.kind = "mma_sm80";
  img.kernelName = "attnc_fa_0123456789abcdef";
  img.classifyName = "attnc_fa_0123456789abcdef_classify";
  img.threads = 256;
  img.classifyThreads = 256;
  img.smemBytes = 73728;
  img.cubin = std::string("\x7f" "ELF\0\0\x01\xff binary", 15);
  img.ptx = ".version 9.0\n.target sm_90a\n";
  a.images.push_back(img);
  img.sm = 80;
  img.archSpecific = false;
  img.kind = "simt";
  img.cubin.clear();
  img.smemBytes = 0;
  a.images.push_back(img);
  return a;
}

/// Rewrites the checksum after a test edited header fields.
void reseal(std::vector<uint8_t> &bytes) {
  Sha256 h;
  h.update(bytes.data(), 24);
  h.update(bytes.data() + 56, 8);
  h.update(bytes.data() + kArtifactHeaderBytes, bytes.size() - kArtifactHeaderBytes);
  Sha256Digest d = h.final();
  std::memcpy(bytes.data() + 24, d.data(), 32);
}

Result<Artifact> parse(const std::vector<uint8_t> &b) { return parseArtifact(b.data(), b.size(), "k.attnc-gpu"); }

TEST(GpuArtifact, RoundTripKeepsEveryField) {
  Artifact a = sampleArtifact();
  std::vector<uint8_t> bytes = serializeArtifact(a);
  ASSERT_GE(bytes.size(), kArtifactHeaderBytes);
  EXPECT_EQ(std::memcmp(bytes.data(), "ATTNCGPU", 8), 0);
  Result<Artifact> r = parse(bytes);
  ASSERT_TRUE(r.ok()) << r.status().toString();
  const Artifact &b = *r;
  EXPECT_EQ(b.abiVersion, unsigned(ATTNC_KERNEL_ABI_VERSION));
  EXPECT_EQ(b.producer, a.producer);
  EXPECT_EQ(b.name, a.name);
  // describe() prints every variant field, scale with 9 digits.
  EXPECT_EQ(describe(b.variant), describe(a.variant));
  EXPECT_EQ(b.variant.scale, a.variant.scale);
  EXPECT_EQ(b.variant.diagLo, a.variant.diagLo);
  EXPECT_EQ(b.variant.modifiers[1].value, 30.5);
  EXPECT_EQ(b.dims.batch, 2);
  EXPECT_EQ(b.dims.qHeads, 8);
  EXPECT_EQ(b.dims.kvHeads, -1);
  EXPECT_EQ(b.dims.kvLen, 4096);
  EXPECT_EQ(b.alibiSlopes, a.alibiSlopes);
  ASSERT_EQ(b.images.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(b.images[i].arch(), a.images[i].arch());
    EXPECT_EQ(b.images[i].kind, a.images[i].kind);
    EXPECT_EQ(b.images[i].kernelName, a.images[i].kernelName);
    EXPECT_EQ(b.images[i].classifyName, a.images[i].classifyName);
    EXPECT_EQ(b.images[i].threads, a.images[i].threads);
    EXPECT_EQ(b.images[i].classifyThreads, a.images[i].classifyThreads);
    EXPECT_EQ(b.images[i].smemBytes, a.images[i].smemBytes);
    EXPECT_EQ(b.images[i].cubin, a.images[i].cubin); // binary, NULs included
    EXPECT_EQ(b.images[i].ptx, a.images[i].ptx);
  }
  // Serialising the parsed artifact gives the same bytes.
  EXPECT_EQ(serializeArtifact(b), bytes);
}

TEST(GpuArtifact, MinimalVariantRoundTrips) {
  Artifact a = sampleArtifact();
  a.variant.mask.reset();
  a.variant.modifiers.clear();
  a.variant.schedule = Schedule::Dense;
  a.variant.diagLo.reset();
  a.variant.diagHi.reset();
  a.alibiSlopes.clear();
  a.images.resize(1);
  a.images[0].classifyName.clear();
  a.images[0].classifyThreads = 0;
  Result<Artifact> r = parse(serializeArtifact(a));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_FALSE(r->variant.mask.has_value());
  EXPECT_TRUE(r->variant.modifiers.empty());
  EXPECT_FALSE(r->variant.diagHi.has_value());
  EXPECT_TRUE(r->alibiSlopes.empty());
}

TEST(GpuArtifact, FileRoundTrip) {
  char dir[] = "/tmp/attnc-artifact-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/k.attnc-gpu";
  ASSERT_TRUE(writeArtifact(path, sampleArtifact()).ok());
  Result<Artifact> r = readArtifact(path);
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->images[0].cubin, sampleArtifact().images[0].cubin);
  ::unlink(path.c_str());
  ::rmdir(dir);

  Result<Artifact> missing = readArtifact(std::string(dir) + "/none.attnc-gpu");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::NotFound);
}

TEST(GpuArtifact, EveryFlippedPayloadByteIsCaught) {
  std::vector<uint8_t> good = serializeArtifact(sampleArtifact());
  // Every byte of the checksummed region (header fields and payload): a
  // single flipped bit is never accepted.
  for (size_t i = 0; i < good.size(); ++i) {
    if (i >= 24 && i < 56)
      continue; // the checksum itself, below
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x10;
    Result<Artifact> r = parse(bad);
    ASSERT_FALSE(r.ok()) << "flipping byte " << i << " went unnoticed";
  }
  std::vector<uint8_t> bad = good;
  bad[200] ^= 1;
  Result<Artifact> r = parse(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::Corrupt);
  EXPECT_TRUE(contains(r.status().message(), "k.attnc-gpu: checksum mismatch")) << r.status().message();

  bad = good;
  bad[30] ^= 1; // inside the stored checksum
  EXPECT_TRUE(contains(parse(bad).status().message(), "checksum mismatch"));
  bad = good;
  bad[56] += 1; // the section count is covered too
  EXPECT_TRUE(contains(parse(bad).status().message(), "checksum mismatch"));
  reseal(bad); // with a valid seal, it is checked against the payload
  EXPECT_TRUE(contains(parse(bad).status().message(), "runs past the end")) << parse(bad).status().message();
}

TEST(GpuArtifact, TruncatedAndForeignFiles) {
  std::vector<uint8_t> good = serializeArtifact(sampleArtifact());
  std::vector<uint8_t> cut(good.begin(), good.end() - 1);
  Result<Artifact> r = parse(cut);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::Corrupt);
  EXPECT_TRUE(contains(r.status().message(), "truncated: the header announces")) << r.status().message();

  std::vector<uint8_t> header(good.begin(), good.begin() + 40);
  EXPECT_TRUE(contains(parse(header).status().message(), "shorter than the 64-byte header"));

  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  EXPECT_TRUE(contains(parse(longer).status().message(), "trailing bytes"));

  std::vector<uint8_t> elf = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  elf.resize(100);
  EXPECT_TRUE(contains(parse(elf).status().message(), "not an attnc GPU artifact"));
  EXPECT_TRUE(contains(parse({}).status().message(), "not an attnc GPU artifact"));
}

TEST(GpuArtifact, VersionMismatchesAreUnsupported) {
  std::vector<uint8_t> bytes = serializeArtifact(sampleArtifact());
  std::vector<uint8_t> format = bytes;
  format[8] = 2;
  reseal(format);
  Result<Artifact> r = parse(format);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::Unsupported);
  EXPECT_TRUE(contains(r.status().message(), "artifact format version 2, this runtime reads version 1"))
      << r.status().message();

  std::vector<uint8_t> abi = bytes;
  abi[12] = 7;
  reseal(abi);
  r = parse(abi);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::Unsupported);
  EXPECT_TRUE(contains(r.status().message(), "kernel ABI version 7")) << r.status().message();
  EXPECT_TRUE(contains(r.status().message(), "recompile"));

  // The ABI field is covered by the checksum: an unsealed edit is corrupt.
  abi = bytes;
  abi[12] = 7;
  EXPECT_EQ(parse(abi).status().code(), StatusCode::Corrupt);
}

TEST(GpuArtifact, InconsistentMetadataIsRejected) {
  struct Case {
    void (*edit)(Artifact &);
    const char *message;
  } cases[] = {
      {[](Artifact &a) { a.images[0].threads = 4096; }, "'image0.threads' = 4096 is outside [32, 1024]"},
      {[](Artifact &a) { a.images[1].classifyName.clear(); }, "a run-time schedule needs exactly one classify"},
      {[](Artifact &a) { a.images[0].kernelName = "bad name"; }, "'image0.kernel' is not a kernel name"},
      {[](Artifact &a) { a.variant.qTile = 8; }, "'q_tile' = 8 is outside [16, 128]"},
      {[](Artifact &a) { a.images.clear(); }, "'images' = 0 is outside [1, 16]"},
      {[](Artifact &a) { a.images[1].ptx.clear(); }, "image 1 (sm_80) has neither CUBIN nor PTX"},
      {[](Artifact &a) { a.images[0].sm = 9; }, "'image0.arch' is 'sm_9a'"},
  };
  for (const Case &c : cases) {
    Artifact a = sampleArtifact();
    c.edit(a);
    Result<Artifact> r = parse(serializeArtifact(a));
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), StatusCode::Corrupt);
    EXPECT_TRUE(contains(r.status().message(), c.message)) << r.status().message();
  }
}

TEST(GpuArtifact, CompatibleImagesFollowCudaBinaryRules) {
  Artifact a = sampleArtifact(); // sm_90a mma (CUBIN + PTX), sm_80 simt (PTX only)
  auto arches = [&](int major, int minor) {
    std::string s;
    for (const KernelImage *img : compatibleImages(a, major, minor))
      s += img->arch() + ":" + img->kind + " ";
    return s;
  };
  EXPECT_EQ(arches(9, 0), "sm_90a:mma_sm80 sm_80:simt ");
  EXPECT_EQ(arches(8, 6), "sm_80:simt ");   // sm_90a runs on 9.0 only
  EXPECT_EQ(arches(12, 0), "sm_80:simt ");  // PTX JIT-compiles forward
  EXPECT_EQ(arches(7, 5), "");
  a.images[1].ptx.clear();
  a.images[1].cubin = "x";
  EXPECT_EQ(arches(8, 6), "sm_80:simt ");   // sm_80 CUBIN runs on 8.6
  EXPECT_EQ(arches(12, 0), "");             // but not on another major
}

} // namespace
