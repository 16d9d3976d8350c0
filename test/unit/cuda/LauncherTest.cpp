//===- LauncherTest.cpp - The GPU attention launcher against a fake driver ===//
//
// Everything the launcher decides on the host, checked without a GPU: which
// image it loads (CUBIN, PTX fallback, compute capability, shared memory
// limits), the opt-in to large shared memory, grids and the parameter block
// it passes, the run-time tile map (classified once per input), and the
// errors for bad shapes, missing operands, out of memory and failed
// launches. The fake driver (test/unit/runtime/FakeCudaDriver.cpp) keeps
// "device" memory on the host and logs launches. Numerics need a real GPU:
// test/cuda/gpu-*.mlir.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/attention/Launcher.h"
#include "test/support/TestEnv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

using namespace attnc::rt;
using namespace attnc::rt::gpu;
using attnc::rt::cuda::Context;
using attnc::rt::cuda::Driver;

namespace {

using attnc::test::contains;
using attnc::test::ScopedEnv;



struct Launch {
  int count = 0;
  unsigned grid[3] = {}, block[3] = {}, shared = 0;
  AttncAttnParams params{};
};

/// The fake driver's launch log for kernels whose name starts with
/// `prefix`; clears the log.
Launch launches(const char *prefix) {
  using Fn = int (*)(const char *, unsigned *, unsigned *, unsigned *, void *, size_t, int);
  void *lib = ::dlopen(ATTNC_FAKE_CUDA_LIB, RTLD_NOW | RTLD_NOLOAD);
  auto fn = reinterpret_cast<Fn>(::dlsym(lib, "attncFakeCudaLaunches"));
  Launch l;
  l.count = fn(prefix, l.grid, l.block, &l.shared, &l.params, sizeof(AttncAttnParams), 1);
  return l;
}

void fakeLastAttribute(int *attr, int *value) {
  using Fn = void (*)(int *, int *, unsigned *, size_t *);
  void *lib = ::dlopen(ATTNC_FAKE_CUDA_LIB, RTLD_NOW | RTLD_NOLOAD);
  unsigned shared;
  size_t used;
  reinterpret_cast<Fn>(::dlsym(lib, "attncFakeCudaLastLaunch"))(attr, value, &shared, &used);
}

class GpuLauncher : public ::testing::Test {
protected:
  void SetUp() override {
    Result<std::shared_ptr<Driver>> d = Driver::load(ATTNC_FAKE_CUDA_LIB);
    ASSERT_TRUE(d.ok()) << d.status().toString();
    driver = *d;
    launches(""); // start with an empty log
  }

  std::shared_ptr<Context> context() {
    Result<std::shared_ptr<Context>> c = Context::create(0, driver);
    EXPECT_TRUE(c.ok()) << c.status().toString();
    return c.ok() ? *c : nullptr;
  }

  /// A bf16 D=64 artifact whose only image is fake PTX naming the kernels
  /// (the fake driver loads PTX by its .entry names).
  static Artifact artifact(const char *mask = nullptr, Schedule schedule = Schedule::Dense) {
    Artifact a;
    a.name = "attn";
    a.producer = "test";
    a.variant.dtype = ElemType::BF16;
    a.variant.headDim = a.variant.headDimV = 64;
    a.variant.qTile = 64;
    a.variant.kTile = 64;
    a.variant.schedule = schedule;
    a.variant.scale = 0.125f;
    if (mask) {
      std::string error;
      a.variant.mask = parseMask(mask, error);
      EXPECT_TRUE(a.variant.mask) << error;
    }
    KernelImage img;
    img.sm = 90;
    img.archSpecific = true;
    img.kind = "mma_sm80";
    img.kernelName = "attnc_fa_t";
    img.threads = 128;
    img.smemBytes = 46080;
    if (schedule == Schedule::Runtime) {
      img.classifyName = "attnc_fa_t_classify";
      img.classifyThreads = 256;
    }
    img.ptx = ".visible .entry attnc_fa_t(\n)\n.visible .entry attnc_fa_t_classify(\n)\n";
    a.images.push_back(img);
    return a;
  }

  std::shared_ptr<Driver> driver;
};

TEST_F(GpuLauncher, LoadsPtxWhenTheCubinDoesNotLoad) {
  Artifact a = artifact();
  a.images[0].cubin = std::string("\x7f" "ELF not really", 14);
  Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(context(), a);
  ASSERT_TRUE(l.ok()) << l.status().toString();
  EXPECT_TRUE(contains((*l)->selection(), "sm_90a mma_sm80 (PTX)")) << (*l)->selection();
  EXPECT_TRUE(contains((*l)->selection(), "CUBIN did not load")) << (*l)->selection();
}

TEST_F(GpuLauncher, NoImageForThisComputeCapability) {
  ScopedEnv cc("ATTNC_FAKE_CUDA_CC", "86");
  Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(context(), artifact());
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), StatusCode::Unsupported);
  EXPECT_TRUE(contains(l.status().message(), "no kernel image in artifact 'attn' runs on Fake GPU (sm_86)"))
      << l.status().message();
  EXPECT_TRUE(contains(l.status().message(), "recompile with --arch=sm_86"));
}

TEST_F(GpuLauncher, SharedMemoryLimitPicksAnotherImageOrFails) {
  Artifact a = artifact();
  a.images[0].smemBytes = 200 * 1024;
  {
    ScopedEnv optin("ATTNC_FAKE_CUDA_SMEM_OPTIN", "102400");
    Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(context(), a);
    ASSERT_FALSE(l.ok());
    EXPECT_TRUE(contains(l.status().message(), "needs 204800 bytes of shared memory per block, Fake GPU allows 102400"))
        << l.status().message();

    // A second, smaller image (the portable kernel) is used instead.
    KernelImage simt = a.images[0];
    simt.kind = "simt";
    simt.smemBytes = 0;
    simt.sm = 80;
    simt.archSpecific = false;
    a.images.push_back(simt);
    l = AttentionLauncher::create(context(), a);
    ASSERT_TRUE(l.ok()) << l.status().toString();
    EXPECT_EQ((*l)->image().kind, "simt");
    EXPECT_TRUE(contains((*l)->selection(), "passed over: sm_90a mma_sm80: needs 204800 bytes"));
  }
  // Within the opt-in limit: the launcher raises the kernel's dynamic
  // shared memory limit when it loads it.
  a.images.pop_back();
  Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(context(), a);
  ASSERT_TRUE(l.ok()) << l.status().toString();
  int attr = -1, value = -1;
  fakeLastAttribute(&attr, &value);
  EXPECT_EQ(attr, 8); // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
  EXPECT_EQ(value, 200 * 1024);
}

TEST_F(GpuLauncher, DenseLaunchGridAndParameters) {
  std::shared_ptr<Context> ctx = context();
  Artifact a = artifact();
  a.variant.returnLse = true;
  Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(ctx, a);
  ASSERT_TRUE(l.ok()) << l.status().toString();
  AttentionShape shape{2, 4, 2, 113, 239};
  Result<AttentionBuffers> bufs = AttentionBuffers::allocate(ctx, a.variant, shape);
  ASSERT_TRUE(bufs.ok()) << bufs.status().toString();
  DeviceOperands ops = bufs->operands();
  ScopedEnv keep("ATTNC_FAKE_CUDA_PARAM_BYTES", std::to_string(sizeof(AttncAttnParams)).c_str());
  ASSERT_TRUE((*l)->launch(shape, ops).ok());
  Launch rec = launches("attnc_fa_t");
  ASSERT_EQ(rec.count, 1);
  EXPECT_EQ(rec.grid[0], 2u); // ceil(113 / 64) query tiles
  EXPECT_EQ(rec.grid[1], 8u); // batch * q_heads
  EXPECT_EQ(rec.grid[2], 1u);
  EXPECT_EQ(rec.block[0], 128u);
  EXPECT_EQ(rec.shared, 46080u);
  const AttncAttnParams &p = rec.params;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p.q), uintptr_t(ops.q));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p.out), uintptr_t(ops.out));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p.lse), uintptr_t(ops.lse));
  EXPECT_EQ(p.kv_lengths, nullptr);
  EXPECT_EQ(p.tile_map, nullptr);
  EXPECT_EQ(p.batch, 2);
  EXPECT_EQ(p.q_heads, 4);
  EXPECT_EQ(p.kv_heads, 2);
  EXPECT_EQ(p.q_len, 113);
  EXPECT_EQ(p.kv_len, 239);

  Result<LaunchPlan> plan = (*l)->plan(shape);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->classify.has_value());
  EXPECT_GE(plan->blocksPerSm, 1);
  EXPECT_GT(plan->waves, 0.0);
}

TEST_F(GpuLauncher, RuntimeScheduleClassifiesOncePerInput) {
  std::shared_ptr<Context> ctx = context();
  Artifact a = artifact("and(padding,block_sparse(32))", Schedule::Runtime);
  Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(ctx, a);
  ASSERT_TRUE(l.ok()) << l.status().toString();
  AttentionShape shape{3, 4, 4, 100, 239};
  AuxExtents ext;
  ext.blockLayoutHeads = 4;
  Result<AttentionBuffers> bufs = AttentionBuffers::allocate(ctx, a.variant, shape, ext);
  ASSERT_TRUE(bufs.ok()) << bufs.status().toString();

  ScopedEnv keep("ATTNC_FAKE_CUDA_PARAM_BYTES", std::to_string(sizeof(AttncAttnParams)).c_str());
  DeviceOperands ops = bufs->operands();
  ASSERT_TRUE((*l)->launch(shape, ops).ok());
  Launch c = launches("attnc_fa_t_classify");
  ASSERT_EQ(c.count, 1);
  EXPECT_EQ(c.grid[0], 4u);      // key tiles
  EXPECT_EQ(c.grid[1], 2u);      // query tiles
  EXPECT_EQ(c.grid[2], 3u * 4u); // per batch (padding) and per head (block_sparse)
  EXPECT_EQ(c.block[0], 256u);
  EXPECT_NE(c.params.tile_map, nullptr);
  EXPECT_EQ(c.params.tile_map_stride_h, 2 * 4);
  EXPECT_EQ(c.params.tile_map_stride_b, 4 * 2 * 4);
  EXPECT_EQ(c.params.block_layout_stride_h, 4 * 8); // ceil(100/32) x ceil(239/32)

  // The same input again: the cached tile map is reused.
  ASSERT_TRUE((*l)->launch(shape, ops).ok());
  ASSERT_TRUE((*l)->launch(shape, ops).ok());
  EXPECT_EQ((*l)->classifyLaunches(), 1u);
  // New mask data (a new generation) or another shape: classified again.
  ops.maskGeneration++;
  ASSERT_TRUE((*l)->launch(shape, ops).ok());
  EXPECT_EQ((*l)->classifyLaunches(), 2u);
  AttentionShape shorter = shape;
  shorter.kvLen = 64;
  ASSERT_TRUE((*l)->launch(shorter, ops).ok());
  EXPECT_EQ((*l)->classifyLaunches(), 3u);
  // Attention launches read the tile map the classifier wrote.
  Launch att = launches("attnc_fa_t");
  EXPECT_EQ(att.count, 4 + 2); // the prefix matches both kernels
}

TEST_F(GpuLauncher, ShapeErrorsNameTheProblem) {
  Artifact a = artifact("document");
  a.dims.qHeads = 8;
  struct Case {
    AttentionShape shape;
    AuxExtents ext;
    const char *message;
  } cases[] = {
      {{1, 8, 3, 16, 16}, {}, "q_heads 8 is not a multiple of kv_heads 3"},
      {{1, 4, 4, 16, 16}, {}, "q_heads is 4 but the artifact was compiled for 8"},
      {{1, 8, 8, 0, 16}, {}, "q_len must be in [1, 2^31], got 0"},
      {{1, 8, 8, 16, 32}, {}, "kv_len 32 may not exceed q_len 16"},
      {{70000, 8, 8, 16, 16}, {}, "exceeds the CUDA grid limit"},
  };
  for (const Case &c : cases) {
    Status st = validateShape(a, c.shape, c.ext);
    ASSERT_FALSE(st.ok()) << c.message;
    EXPECT_EQ(st.code(), StatusCode::InvalidArgument);
    EXPECT_TRUE(contains(st.message(), c.message)) << st.message();
  }
  Artifact m = artifact("explicit");
  AuxExtents ext;
  ext.maskHeads = 3;
  Status st = validateShape(m, {2, 4, 4, 8, 8}, ext);
  EXPECT_TRUE(contains(st.message(), "the mask head extent is 3; it must be 1 (broadcast) or q_heads = 4"))
      << st.message();
}

TEST_F(GpuLauncher, MissingOperandsAndFailedLaunches) {
  std::shared_ptr<Context> ctx = context();
  Artifact a = artifact("padding");
  Result<std::unique_ptr<AttentionLauncher>> l = AttentionLauncher::create(ctx, a);
  ASSERT_TRUE(l.ok()) << l.status().toString();
  AttentionShape shape{2, 2, 2, 16, 16};
  Result<AttentionBuffers> bufs = AttentionBuffers::allocate(ctx, a.variant, shape);
  ASSERT_TRUE(bufs.ok());
  DeviceOperands ops = bufs->operands();
  ops.aux[unsigned(AuxBuffer::KvLengths)] = 0;
  Status st = (*l)->launch(shape, ops);
  EXPECT_EQ(st.code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(contains(st.message(), "no device buffer for 'kv_lengths'")) << st.message();

  // Host upload without the operand the mask reads.
  std::vector<uint16_t> q(2 * 2 * 16 * 64);
  HostOperands host;
  host.q = host.k = host.v = q.data();
  st = bufs->upload(host);
  EXPECT_TRUE(contains(st.message(), "operand 'kv_lengths' is read by the variant but was not given")) << st.message();

  ScopedEnv fail("ATTNC_FAKE_CUDA_LAUNCH_ERROR", "999");
  st = (*l)->launch(shape, bufs->operands());
  EXPECT_EQ(st.code(), StatusCode::DeviceError);
  EXPECT_TRUE(contains(st.message(), "cuLaunchKernel('attnc_fa_t', grid 1x4x1, block 128x1x1")) << st.message();
  EXPECT_TRUE(contains(st.message(), "CUDA_ERROR_UNKNOWN"));
}

TEST_F(GpuLauncher, OutOfMemoryIsAnError) {
  ScopedEnv mem("ATTNC_FAKE_CUDA_MEMORY", "1048576");
  Artifact a = artifact();
  Result<AttentionBuffers> bufs = AttentionBuffers::allocate(context(), a.variant, {4, 16, 16, 1024, 1024});
  ASSERT_FALSE(bufs.ok());
  EXPECT_EQ(bufs.status().code(), StatusCode::OutOfMemory);
  EXPECT_TRUE(contains(bufs.status().message(), "cuMemAlloc(")) << bufs.status().message();
}

TEST_F(GpuLauncher, BuffersUploadAndPoison) {
  std::shared_ptr<Context> ctx = context();
  Artifact a = artifact("padding");
  a.variant.returnLse = true;
  AttentionShape shape{1, 1, 1, 3, 5}; // odd element counts: 3 * 64 bf16
  Result<AttentionBuffers> bufs = AttentionBuffers::allocate(ctx, a.variant, shape);
  ASSERT_TRUE(bufs.ok());
  std::vector<uint16_t> q(3 * 64, 0x3f80), kv(5 * 64, 0x4000);
  int len = 4;
  HostOperands host;
  host.q = q.data();
  host.k = host.v = kv.data();
  host.aux[unsigned(AuxBuffer::KvLengths)] = &len;
  ASSERT_TRUE(bufs->upload(host).ok());
  ASSERT_TRUE(bufs->poisonOutputs().ok());
  std::vector<uint16_t> out(3 * 64, 0);
  std::vector<float> lse(3, 0.f);
  ASSERT_TRUE(bufs->downloadOut(out.data()).ok());
  ASSERT_TRUE(bufs->downloadLse(lse.data()).ok());
  for (uint16_t x : out)
    ASSERT_EQ(x, 0x7fc0); // bf16 NaN
  for (float x : lse)
    ASSERT_TRUE(std::isnan(x));
  // The device copy of kv_lengths is what the host gave.
  DeviceOperands ops = bufs->operands();
  int back = 0;
  std::memcpy(&back, reinterpret_cast<void *>(uintptr_t(ops.aux[unsigned(AuxBuffer::KvLengths)])), 4);
  EXPECT_EQ(back, 4);
  EXPECT_EQ(auxBytes(a.variant, AuxBuffer::KvLengths, shape, {}), 4u);
  EXPECT_EQ(auxBytes(a.variant, AuxBuffer::Bias, shape, {}), 0u);
}

} // namespace
