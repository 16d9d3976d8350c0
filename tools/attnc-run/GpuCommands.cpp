//===- GpuCommands.cpp - attnc-run probe-gpu / info -----------------------===//
//
// `probe-gpu` answers one question for scripts and lit (the `cuda-device`
// feature): can this process use CUDA device 0? Exit 0 and a one-line device
// summary on stdout, or exit 1 with the reason on stderr, quickly, without
// a GPU. `info` describes the whole machine as the runtime sees it.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc-run/Command.h"

#include "runtime/cache/KernelCache.h"
#include "runtime/cpu/ThreadPool.h"
#include "runtime/cuda/Device.h"

#include <cstdio>

using namespace attnc::rt;
using namespace attnc::rt::cuda;

namespace {

int probeGpu(const std::vector<std::string> &args) {
  if (!args.empty())
    return attnc::run::reportError("probe-gpu takes no arguments");
  Result<std::shared_ptr<Context>> ctx = Context::create(0);
  if (!ctx.ok())
    return attnc::run::reportError(ctx.status().message());
  std::printf("cuda-device: %s\n", (*ctx)->device().summary().c_str());
  return 0;
}

void printDevice(const DeviceInfo &d) {
  std::printf("  device %d: %s\n", d.ordinal, d.summary().c_str());
  std::printf("    compute capability   %d.%d (%s)\n", d.computeMajor,
              d.computeMinor, d.smArch().c_str());
  std::printf("    multiprocessors      %d\n", d.multiprocessorCount);
  std::printf("    max threads/block    %d (warp %d)\n", d.maxThreadsPerBlock,
              d.warpSize);
  std::printf("    shared memory/block  %d B (opt-in %d B, per SM %d B)\n",
              d.maxSharedMemoryPerBlock, d.maxSharedMemoryPerBlockOptin,
              d.maxSharedMemoryPerMultiprocessor);
  std::printf("    registers/block      %d\n", d.maxRegistersPerBlock);
  std::printf("    L2 cache             %d B\n", d.l2CacheBytes);
  std::printf("    memory               %zu B, %d-bit bus at %d kHz\n",
              d.totalMemoryBytes, d.memoryBusWidthBits, d.memoryClockRateKHz);
  std::printf("    SM clock             %d kHz\n", d.clockRateKHz);
}

int info(const std::vector<std::string> &args) {
  if (!args.empty())
    return attnc::run::reportError("info takes no arguments");
  std::printf("attnc runtime\n");
  std::printf("  cpu threads: %u (ATTNC_NUM_THREADS or hardware)\n",
              ThreadPool::defaultNumThreads());
  std::printf("  kernel cache: %s\n",
              KernelCache::defaultCacheDirectory().c_str());
  Result<std::shared_ptr<Driver>> driver = Driver::global();
  if (!driver.ok()) {
    std::printf("cuda: unavailable: %s\n", driver.status().message().c_str());
    return 0;
  }
  const Driver &d = **driver;
  Result<int> count = d.deviceCount();
  std::printf("cuda: driver %s (%s), %d device(s)\n", d.versionString().c_str(),
              d.library().c_str(), count.ok() ? *count : 0);
  if (!count.ok()) {
    std::printf("  %s\n", count.status().message().c_str());
    return 0;
  }
  for (int i = 0; i < *count; ++i) {
    Result<DeviceInfo> dev = d.deviceInfo(i);
    if (dev.ok())
      printDevice(*dev);
    else
      std::printf("  device %d: %s\n", i, dev.status().message().c_str());
  }
  return 0;
}

attnc::run::CommandRegistration probeReg{
    "probe-gpu", "", "exit 0 iff CUDA device 0 is usable (else say why)",
    probeGpu};
attnc::run::CommandRegistration infoReg{
    "info", "", "print CPU, kernel cache and CUDA driver/device information",
    info};

} // namespace
