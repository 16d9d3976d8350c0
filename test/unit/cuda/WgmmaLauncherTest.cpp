//===- WgmmaLauncherTest.cpp - The launcher's Hopper path, fake driver ----===//
//
// What the launcher does for wgmma_sm90 images, checked without a GPU: it
// prefers them on compute capability 9.0, falls back to the mma_sm80 image
// of the same artifact (shared memory, $ATTNC_GPU_KERNEL), encodes the TMA
// descriptors of q/k/v with cuTensorMapEncodeTiled (3-D {head dim, length,
// batch * heads}, 64-column boxes of tile rows, 128-byte swizzle; the fake
// driver checks the documented constraints and records what it was given),
// re-encodes them only when the shape or the addresses change, and reports
// encoding failures as errors.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/attention/Launcher.h"
#include "test/support/TestEnv.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <dlfcn.h>

using namespace attnc::rt;
using namespace attnc::rt::gpu;
using attnc::rt::cuda::Context;
using attnc::rt::cuda::Driver;

namespace {

using attnc::test::contains;
using attnc::test::ScopedEnv;



/// Launches of kernels named `prefix`... in the fake driver's log (cleared).
int launchCount(const char *prefix, unsigned block[3], unsigned *shared) {
  using Fn = int (*)(const char *, unsigned *, unsigned *, unsigned *, void *, size_t, int);
  void *lib = ::dlopen(ATTNC_FAKE_CUDA_LIB, RTLD_NOW | RTLD_NOLOAD);
  unsigned grid[3];
  return reinterpret_cast<Fn>(::dlsym(lib, "attncFakeCudaLaunches"))(prefix, grid, block, shared, nullptr, 0, 1);
}

/// What the fake cuTensorMapEncodeTiled wrote into a map.
struct EncodedMap {
  unsigned long long rank, type, swizzle, address, dims[3], box[3], strides[2];
};
EncodedMap decode(const AttncTensorMap &m) {
  EncodedMap e;
  e.rank = m.opaque[0];
  e.type = m.opaque[1] & 0xff;
  e.swizzle = (m.opaque[1] >> 8) & 0xff;
  e.address = m.opaque[2];
  for (int i = 0; i < 3; ++i) {
    e.dims[i] = m.opaque[3 + i];
    e.box[i] = m.opaque[6 + i];
  }
  e.strides[0] = m.opaque[9];
  e.strides[1] = m.opaque[10];
  return e;
}

class WgmmaLauncher : public ::testing::Test {
protected:
  void SetUp() override {
    Result<std::shared_ptr<Driver>> d = Driver::load(ATTNC_FAKE_CUDA_LIB);
    ASSERT_TRUE(d.ok()) << d.status().toString();
    driver = *d;
    unsigned block[3], shared;
    launchCount("", block, &shared); // start with an empty log
    Result<std::shared_ptr<Context>> c = Context::create(0, driver);
    ASSERT_TRUE(c.ok()) << c.status().toString();
    ctx = *c;
  }

  /// A bf16 D=128 (dv 64), 128x128-tile artifact as attnc builds it for
  /// sm_90a: the Hopper image first, the mma_sm80 fallback second, both
  /// fake PTX naming their kernels.
  static Artifact artifact() {
    Artifact a;
    a.name = "attn";
    a.producer = "test";
    a.variant.dtype = ElemType::BF16;
    a.variant.headDim = 128;
    a.variant.headDimV = 64;
    a.variant.qTile = 128;
    a.variant.kTile = 128;
    a.variant.schedule = Schedule::Dense;
    a.variant.scale = 0.125f;
    KernelImage w;
    w.sm = 90;
    w.archSpecific = true;
    w.kind = "wgmma_sm90";
    w.kernelName = "attnc_fa_w";
    w.threads = 384;
    w.smemBytes = 1024 + (128 * 128 + 2 * 128 * (128 + 64)) * 2 + 64; // 132160
    w.ptx = ".visible .entry attnc_fa_w(\n)\n";
    KernelImage m = w;
    m.kind = "mma_sm80";
    m.kernelName = "attnc_fa_m";
    m.threads = 256;
    m.smemBytes = 100000; // smaller than the Hopper image's, for the fallback test
    m.ptx = ".visible .entry attnc_fa_m(\n)\n";
    a.images = {m, w}; // the launcher ranks them, not the file order
    return a;
  }

  std::shared_ptr<Driver> driver;
  std::shared_ptr<Context> ctx;
};

TEST_F(WgmmaLauncher, PrefersTheHopperImageAndLaunchesIt) {
  Artifact a = artifact();
  Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(ctx, a);
  ASSERT_TRUE(l.ok()) << l.status().toString();
  EXPECT_EQ((*l)->image().kind, "wgmma_sm90");
  EXPECT_TRUE(contains((*l)->selection(), "sm_90a wgmma_sm90 (PTX)")) << (*l)->selection();

  AttentionShape shape{2, 8, 2, 113, 239};
  Result<LaunchPlan> plan = (*l)->plan(shape);
  ASSERT_TRUE(plan.ok()) << plan.status().toString();
  EXPECT_EQ(plan->blocksPerSm, 1); // __launch_bounds__(384, 1)
  EXPECT_EQ(plan->attention.grid[0], 1u);
  EXPECT_EQ(plan->attention.grid[1], 16u);

  Result<AttentionBuffers> bufs = AttentionBuffers::allocate(ctx, a.variant, shape);
  ASSERT_TRUE(bufs.ok()) << bufs.status().toString();
  Status st = (*l)->launch(shape, bufs->operands());
  ASSERT_TRUE(st.ok()) << st.toString();
  unsigned block[3], shared;
  EXPECT_EQ(launchCount("attnc_fa_w", block, &shared), 1);
  EXPECT_EQ(block[0], 384u);
  EXPECT_EQ(shared, unsigned(a.images[1].smemBytes));
}

TEST_F(WgmmaLauncher, FallsBackToMmaSm80) {
  Artifact a = artifact();
  {
    ScopedEnv optin("ATTNC_FAKE_CUDA_SMEM_OPTIN", "120000");
    // The device's limits are read when the context is created.
    Result<std::shared_ptr<Context>> small = Context::create(0, driver);
    ASSERT_TRUE(small.ok()) << small.status().toString();
    Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(*small, a);
    ASSERT_TRUE(l.ok()) << l.status().toString();
    EXPECT_EQ((*l)->image().kind, "mma_sm80");
    EXPECT_TRUE(contains((*l)->selection(), "passed over: sm_90a wgmma_sm90: needs 132160 bytes of shared memory"))
        << (*l)->selection();
  }
  {
    ScopedEnv force("ATTNC_GPU_KERNEL", "mma_sm80");
    Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(ctx, a);
    ASSERT_TRUE(l.ok()) << l.status().toString();
    EXPECT_EQ((*l)->image().kind, "mma_sm80");
    EXPECT_TRUE(contains((*l)->selection(), "sm_90a wgmma_sm90: ATTNC_GPU_KERNEL=mma_sm80")) << (*l)->selection();
  }
  {
    ScopedEnv force("ATTNC_GPU_KERNEL", "simt");
    Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(ctx, a);
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.status().code(), StatusCode::Unsupported);
    EXPECT_TRUE(contains(l.status().message(), "ATTNC_GPU_KERNEL=simt")) << l.status().message();
  }
}

TEST_F(WgmmaLauncher, EncodesTmaDescriptors) {
  Artifact a = artifact();
  AttentionShape shape{2, 8, 2, 113, 239}; // GQA 8/2, odd lengths
  Result<AttentionBuffers> bufs = AttentionBuffers::allocate(ctx, a.variant, shape);
  ASSERT_TRUE(bufs.ok()) << bufs.status().toString();
  DeviceOperands ops = bufs->operands();
  AttncTmaMaps maps{};
  Status st = encodeTmaMaps(*ctx, a.variant, shape, ops, maps);
  ASSERT_TRUE(st.ok()) << st.toString();

  EncodedMap q = decode(maps.q), k = decode(maps.k), v = decode(maps.v);
  EXPECT_EQ(q.rank, 3u);
  EXPECT_EQ(q.type, 9u);    // CU_TENSOR_MAP_DATA_TYPE_BFLOAT16
  EXPECT_EQ(q.swizzle, 3u); // CU_TENSOR_MAP_SWIZZLE_128B
  EXPECT_EQ(q.address, ops.q);
  EXPECT_EQ(q.dims[0], 128u);
  EXPECT_EQ(q.dims[1], 113u);
  EXPECT_EQ(q.dims[2], 16u); // batch * q_heads
  EXPECT_EQ(q.strides[0], 256u);
  EXPECT_EQ(q.strides[1], 113u * 256u);
  EXPECT_EQ(q.box[0], 64u);
  EXPECT_EQ(q.box[1], 128u); // q_tile rows
  EXPECT_EQ(q.box[2], 1u);

  EXPECT_EQ(k.address, ops.k);
  EXPECT_EQ(k.dims[0], 128u);
  EXPECT_EQ(k.dims[1], 239u);
  EXPECT_EQ(k.dims[2], 4u); // batch * kv_heads
  EXPECT_EQ(k.box[1], 128u); // k_tile rows

  EXPECT_EQ(v.address, ops.v);
  EXPECT_EQ(v.dims[0], 64u); // head_dim_v
  EXPECT_EQ(v.strides[0], 128u);
  EXPECT_EQ(v.strides[1], 239u * 128u);
  EXPECT_EQ(v.box[0], 64u);
  EXPECT_EQ(v.box[1], 128u);

  // f16 maps say so; misaligned operands are refused before the driver.
  Artifact h = a;
  h.variant.dtype = ElemType::F16;
  ASSERT_TRUE(encodeTmaMaps(*ctx, h.variant, shape, ops, maps).ok());
  EXPECT_EQ(decode(maps.q).type, 6u); // CU_TENSOR_MAP_DATA_TYPE_FLOAT16
  DeviceOperands odd = ops;
  odd.k += 8;
  st = encodeTmaMaps(*ctx, a.variant, shape, odd, maps);
  EXPECT_EQ(st.code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(contains(st.message(), "reads k with TMA, which needs a 16-byte aligned address")) << st.message();
}

TEST_F(WgmmaLauncher, DescriptorsAreCachedPerShapeAndAddresses) {
  Artifact a = artifact();
  Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(ctx, a);
  ASSERT_TRUE(l.ok()) << l.status().toString();
  AttentionShape shape{1, 2, 2, 100, 100};
  Result<AttentionBuffers> bufs = AttentionBuffers::allocate(ctx, a.variant, shape);
  ASSERT_TRUE(bufs.ok()) << bufs.status().toString();
  ASSERT_TRUE((*l)->launch(shape, bufs->operands()).ok());

  // The driver now fails every encode: the same call reuses its
  // descriptors, a new shape needs new ones and reports the failure.
  ScopedEnv fail("ATTNC_FAKE_CUDA_TMA_ERROR", "1");
  Status st = (*l)->launch(shape, bufs->operands());
  EXPECT_TRUE(st.ok()) << st.toString();
  AttentionShape shorter{1, 2, 2, 50, 100};
  st = (*l)->launch(shorter, bufs->operands());
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.message(), "cuTensorMapEncodeTiled(q, 128x50x2) failed: CUDA_ERROR_INVALID_VALUE"))
      << st.message();
  unsigned block[3], shared;
  EXPECT_EQ(launchCount("attnc_fa_w", block, &shared), 2);
}

} // namespace
