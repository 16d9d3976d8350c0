//===- CudaDriverTest.cpp - CUDA driver loading, errors, device objects ---===//
//
// Three layers: the machine's own driver (whatever it is: on a machine with
// no GPU the loader must fail cleanly and say why), a fake driver library
// (FakeCudaDriver.cpp) that reproduces each failure cuInit can report and
// lets every wrapper run without a GPU, and the real GPU, whose tests skip
// (reported as skipped, not passed) when none is usable.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/Device.h"
#include "test/support/TestEnv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <vector>

using namespace attnc::rt;
using namespace attnc::rt::cuda;

namespace {

using attnc::test::contains;
using attnc::test::ScopedEnv;

const char kFillPtx[] =
#include "fill.ptx.inc"
    ;



TEST(CudaDriver, MissingLibraryFailsCleanly) {
  Result<std::shared_ptr<Driver>> d = Driver::load("/nonexistent/libcuda.so.1");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::Unavailable);
  EXPECT_TRUE(contains(d.status().message(), "no CUDA driver")) << d.status().message();
  EXPECT_TRUE(contains(d.status().message(), "/nonexistent/libcuda.so.1"));
}

TEST(CudaDriver, MachineDriverLoadsOrExplains) {
  // On the build machines (no GPU, no libcuda) this is the "no driver" path;
  // on a GPU machine it must succeed. Either way: no crash, a clear status.
  Result<std::shared_ptr<Driver>> d = Driver::global();
  if (d.ok()) {
    EXPECT_GT((*d)->version(), 0);
    Result<int> n = (*d)->deviceCount();
    ASSERT_TRUE(n.ok()) << n.status().toString();
  } else {
    EXPECT_EQ(d.status().code(), StatusCode::Unavailable);
    EXPECT_TRUE(contains(d.status().message(), "CUDA")) << d.status().message();
    // The failure is cached, not retried, and contexts report it too.
    Result<std::shared_ptr<Context>> ctx = Context::create(0);
    ASSERT_FALSE(ctx.ok());
    EXPECT_EQ(ctx.status().message(), d.status().message());
  }
}

TEST(CudaDriver, InitFailuresNameTheCause) {
  struct Case {
    const char *code;
    StatusCode status;
    const char *expect;
  } cases[] = {
      {"34", StatusCode::Unavailable, "stub library"},
      {"35", StatusCode::Unavailable, "driver is too old"},
      {"100", StatusCode::Unavailable, "no CUDA-capable device"},
      {"999", StatusCode::DeviceError, "cuInit failed: CUDA_ERROR_UNKNOWN"},
  };
  for (const Case &c : cases) {
    ScopedEnv env("ATTNC_FAKE_CUDA_INIT", c.code);
    Result<std::shared_ptr<Driver>> d = Driver::load(ATTNC_FAKE_CUDA_LIB);
    ASSERT_FALSE(d.ok()) << c.code;
    EXPECT_EQ(d.status().code(), c.status) << c.code;
    EXPECT_TRUE(contains(d.status().message(), c.expect))
        << c.code << ": " << d.status().message();
  }
}

TEST(CudaDriver, MissingSymbolsAreListed) {
  Result<std::shared_ptr<Driver>> d = Driver::load(ATTNC_FAKE_CUDA_INCOMPLETE_LIB);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::Unavailable);
  EXPECT_TRUE(contains(d.status().message(), "cuLaunchKernel")) << d.status().message();
  EXPECT_TRUE(contains(d.status().message(), "cuEventElapsedTime"));
}

TEST(CudaDriver, EnvironmentSelectsTheLibrary) {
  ScopedEnv env("ATTNC_CUDA_DRIVER", ATTNC_FAKE_CUDA_LIB);
  EXPECT_EQ(Driver::defaultLibrary(), ATTNC_FAKE_CUDA_LIB);
  Result<std::shared_ptr<Driver>> d = Driver::load();
  ASSERT_TRUE(d.ok()) << d.status().toString();
  EXPECT_EQ((*d)->versionString(), "13.0");
}

TEST(CudaDriver, NoDevices) {
  ScopedEnv env("ATTNC_FAKE_CUDA_DEVICES", "0");
  Result<std::shared_ptr<Driver>> d = Driver::load(ATTNC_FAKE_CUDA_LIB);
  ASSERT_TRUE(d.ok()) << d.status().toString();
  Result<std::shared_ptr<Context>> ctx = Context::create(0, *d);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.status().code(), StatusCode::Unavailable);
  EXPECT_TRUE(contains(ctx.status().message(), "no devices"));
}

class FakeCuda : public ::testing::Test {
protected:
  void SetUp() override {
    Result<std::shared_ptr<Driver>> d = Driver::load(ATTNC_FAKE_CUDA_LIB);
    ASSERT_TRUE(d.ok()) << d.status().toString();
    driver = *d;
    Result<std::shared_ptr<Context>> c = Context::create(0, driver);
    ASSERT_TRUE(c.ok()) << c.status().toString();
    ctx = *c;
  }
  struct LastLaunch {
    int attr, attrValue;
    unsigned shared;
    size_t bytesInUse;
  };
  LastLaunch lastLaunch() {
    void *h = ::dlopen(ATTNC_FAKE_CUDA_LIB, RTLD_NOW | RTLD_NOLOAD);
    auto fn = reinterpret_cast<void (*)(int *, int *, unsigned *, size_t *)>(
        ::dlsym(h, "attncFakeCudaLastLaunch"));
    LastLaunch l{};
    fn(&l.attr, &l.attrValue, &l.shared, &l.bytesInUse);
    ::dlclose(h);
    return l;
  }
  std::shared_ptr<Driver> driver;
  std::shared_ptr<Context> ctx;
};

TEST_F(FakeCuda, DevicePropertiesComeFromTheDriver) {
  const DeviceInfo &dev = ctx->device();
  EXPECT_EQ(dev.name, "Fake GPU");
  EXPECT_EQ(dev.smArch(), "sm_90");
  EXPECT_EQ(dev.multiprocessorCount, 4);
  EXPECT_EQ(dev.maxSharedMemoryPerBlockOptin, 227 * 1024);
  EXPECT_EQ(dev.totalMemoryBytes, size_t(64) << 20);
  EXPECT_TRUE(contains(dev.summary(), "Fake GPU (sm_90, 4 SMs"));
  Result<DeviceInfo> missing = driver->deviceInfo(3);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::InvalidArgument);
}

TEST_F(FakeCuda, OutOfMemoryIsAnError) {
  Result<DeviceBuffer> big = DeviceBuffer::allocate(ctx, size_t(1) << 40);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::OutOfMemory);
  EXPECT_TRUE(contains(big.status().message(), "CUDA_ERROR_OUT_OF_MEMORY"));
  EXPECT_TRUE(contains(big.status().message(), "bytes free"));
}

TEST_F(FakeCuda, BuffersAreFreedAndBoundsChecked) {
  size_t before = lastLaunch().bytesInUse;
  {
    Result<DeviceBuffer> buf = DeviceBuffer::allocate(ctx, 64);
    ASSERT_TRUE(buf.ok());
    EXPECT_EQ(lastLaunch().bytesInUse, before + 64);
    std::vector<uint8_t> host(65, 1);
    Status st = buf->copyFromHost(host.data(), 65);
    EXPECT_EQ(st.code(), StatusCode::InvalidArgument);
    EXPECT_TRUE(contains(st.message(), "overruns a 64-byte device buffer"));
    EXPECT_EQ(buf->copyToHost(host.data(), 8, 60).code(),
              StatusCode::InvalidArgument);
    DeviceBuffer moved = buf.take();
    EXPECT_EQ(lastLaunch().bytesInUse, before + 64);
  }
  EXPECT_EQ(lastLaunch().bytesInUse, before);
}

TEST_F(FakeCuda, BadPtxReportsTheJitLog) {
  const char bad[] = ".version 7.0\n.target sm_50\n";
  Result<Module> m = Module::load(ctx, bad, sizeof(bad) - 1);
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(contains(m.status().message(), "loading a PTX module for sm_90"))
      << m.status().message();
  EXPECT_TRUE(contains(m.status().message(), "no .entry in fake module"));
}

TEST_F(FakeCuda, LaunchChecksTheConfiguration) {
  Result<Module> m = Module::load(ctx, kFillPtx, std::strlen(kFillPtx));
  ASSERT_TRUE(m.ok()) << m.status().toString();
  Result<Kernel> missing = m->getKernel("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::NotFound);
  Result<Kernel> k = m->getKernel("attnc_fill");
  ASSERT_TRUE(k.ok()) << k.status().toString();
  Result<int> regs = k->attribute(CU_FUNC_ATTRIBUTE_NUM_REGS);
  ASSERT_TRUE(regs.ok());
  EXPECT_EQ(*regs, 64);

  void *noParams[1] = {nullptr};
  Status st = k->launch({{1, 1, 1}, {2048, 1, 1}, 0}, noParams);
  EXPECT_EQ(st.code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(contains(st.message(), "2048 threads per block")) << st.message();
  st = k->launch({{0, 1, 1}, {32, 1, 1}, 0}, noParams);
  EXPECT_EQ(st.code(), StatusCode::InvalidArgument);
  st = k->launch({{1, 1, 1}, {32, 1, 1}, 300 * 1024}, noParams);
  EXPECT_EQ(st.code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(contains(st.message(), "allows 232448")) << st.message();
}

/// The whole path a GPU launcher takes: buffers, module, launch with large
/// dynamic shared memory, copy back, timing. Runs on the fake driver always
/// and on the real GPU when present.
void runFillScenario(const std::shared_ptr<Context> &ctx, unsigned sharedBytes) {
  const unsigned n = 1000;
  Result<DeviceBuffer> buf = DeviceBuffer::allocate(ctx, n * sizeof(float));
  ASSERT_TRUE(buf.ok()) << buf.status().toString();
  ASSERT_TRUE(buf->fill32(0x7fc00000u).ok()); // NaN-poison.
  std::vector<float> host(n, 0.0f);
  ASSERT_TRUE(buf->copyToHost(host.data(), n * sizeof(float)).ok());
  EXPECT_TRUE(std::isnan(host[0]) && std::isnan(host[n - 1]));

  Result<Module> m = Module::load(ctx, kFillPtx, std::strlen(kFillPtx));
  ASSERT_TRUE(m.ok()) << m.status().toString();
  Result<Kernel> k = m->getKernel("attnc_fill");
  ASSERT_TRUE(k.ok()) << k.status().toString();
  Result<Stream> stream = Stream::create(ctx);
  ASSERT_TRUE(stream.ok()) << stream.status().toString();
  Result<Event> start = Event::create(ctx), stop = Event::create(ctx);
  ASSERT_TRUE(start.ok() && stop.ok());

  CUdeviceptr out = buf->ptr();
  float value = 2.5f;
  unsigned count = n - 3; // The tail stays NaN: the bounds check works.
  void *params[] = {&out, &value, &count};
  ASSERT_TRUE(start->record(&*stream).ok());
  Status st = k->launch({{(n + 127) / 128, 1, 1}, {128, 1, 1}, sharedBytes},
                        params, &*stream);
  ASSERT_TRUE(st.ok()) << st.toString();
  ASSERT_TRUE(stop->record(&*stream).ok());
  ASSERT_TRUE(stream->synchronize().ok());
  Result<float> ms = Event::elapsedMs(*start, *stop);
  ASSERT_TRUE(ms.ok()) << ms.status().toString();
  EXPECT_GE(*ms, 0.0f);

  ASSERT_TRUE(buf->copyToHost(host.data(), n * sizeof(float)).ok());
  for (unsigned i = 0; i < count; ++i)
    ASSERT_EQ(host[i], 2.5f) << i;
  for (unsigned i = count; i < n; ++i)
    ASSERT_TRUE(std::isnan(host[i])) << i;
}

TEST_F(FakeCuda, FillScenario) {
  runFillScenario(ctx, 100 * 1024);
  LastLaunch l = lastLaunch();
  // Above 48 KiB the launcher raised the kernel's dynamic shared limit.
  EXPECT_EQ(l.attr, int(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES));
  EXPECT_EQ(l.attrValue, 100 * 1024);
  EXPECT_EQ(l.shared, 100u * 1024);
}

TEST(RealGpu, FillScenario) {
  Result<std::shared_ptr<Context>> ctx = Context::create(0);
  if (!ctx.ok())
    GTEST_SKIP() << "no usable CUDA device: " << ctx.status().message();
  runFillScenario(*ctx, 64 * 1024);
  Result<std::pair<size_t, size_t>> mem = (*ctx)->memoryInfo();
  ASSERT_TRUE(mem.ok());
  EXPECT_LE(mem->first, mem->second);
}

TEST(RealGpu, OutOfMemoryIsAnError) {
  Result<std::shared_ptr<Context>> ctx = Context::create(0);
  if (!ctx.ok())
    GTEST_SKIP() << "no usable CUDA device: " << ctx.status().message();
  Result<DeviceBuffer> big = DeviceBuffer::allocate(*ctx, size_t(1) << 50);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::OutOfMemory) << big.status().toString();
}

} // namespace
