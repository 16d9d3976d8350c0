//===- Driver.cpp - The CUDA driver, loaded at run time -------------------===//
//
// dlopen + dlsym over ATTNC_CUDA_DRIVER_FUNCTIONS, then cuInit. The messages
// here are what users read when GPU work is unavailable, so each known
// failure says what is wrong with the machine, not just the error code.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/Driver.h"

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <mutex>

namespace attnc::rt::cuda {

std::string DeviceInfo::smArch() const {
  return "sm_" + std::to_string(computeMajor) + std::to_string(computeMinor);
}

std::string DeviceInfo::summary() const {
  char mem[32];
  std::snprintf(mem, sizeof(mem), "%.1f GiB",
                double(totalMemoryBytes) / double(1ull << 30));
  return name + " (" + smArch() + ", " + std::to_string(multiprocessorCount) +
         " SMs, " + mem + ")";
}

std::string Driver::defaultLibrary() {
  if (const char *lib = std::getenv("ATTNC_CUDA_DRIVER"); lib && *lib)
    return lib;
  return "libcuda.so.1";
}

std::string Driver::versionString() const {
  return std::to_string(version_ / 1000) + "." +
         std::to_string(version_ % 1000 / 10);
}

std::string Driver::describe(CUresult result) const {
  const char *name = nullptr, *text = nullptr;
  if (api_.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    name = nullptr;
  if (api_.cuGetErrorString(result, &text) != CUDA_SUCCESS || !text)
    text = nullptr;
  std::string s = name ? name : "CUDA error " + std::to_string(result);
  if (text)
    s += std::string(" (") + text + ")";
  return s;
}

Status Driver::check(CUresult result, const std::string &what) const {
  if (result == CUDA_SUCCESS)
    return Status::success();
  std::string msg = what + " failed: " + describe(result);
  switch (result) {
  case CUDA_ERROR_OUT_OF_MEMORY:
    return outOfMemory(msg);
  case CUDA_ERROR_STUB_LIBRARY:
  case CUDA_ERROR_INSUFFICIENT_DRIVER:
  case CUDA_ERROR_NO_DEVICE:
    return unavailable(msg);
  default:
    return deviceError(msg);
  }
}

/// Why cuInit failed, in terms of the machine rather than the error code.
static std::string explainInitFailure(CUresult r, const std::string &lib) {
  switch (r) {
  case CUDA_ERROR_STUB_LIBRARY:
    return "'" + lib + "' is the CUDA toolkit's stub library, not a real "
           "driver (CUDA_ERROR_STUB_LIBRARY): no NVIDIA driver is installed";
  case CUDA_ERROR_INSUFFICIENT_DRIVER:
    return "the installed NVIDIA driver is too old for this CUDA version "
           "(CUDA_ERROR_INSUFFICIENT_DRIVER)";
  case CUDA_ERROR_NO_DEVICE:
    return "no CUDA-capable device is present (CUDA_ERROR_NO_DEVICE)";
  default:
    return "";
  }
}

Result<std::shared_ptr<Driver>> Driver::load(const std::string &library) {
  std::string lib = library.empty() ? defaultLibrary() : library;
  void *handle = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *err = ::dlerror();
    return unavailable("no CUDA driver: cannot load '" + lib + "' (" +
                       (err ? err : "unknown dlopen error") +
                       "); GPU execution needs the NVIDIA driver");
  }
  std::shared_ptr<Driver> driver(new Driver());
  driver->library_ = lib;
  std::string missing;
#define ATTNC_CUDA_RESOLVE(member, symbol, ret, params)                        \
  driver->api_.member =                                                        \
      reinterpret_cast<ret(*) params>(::dlsym(handle, symbol));                \
  if (!driver->api_.member)                                                    \
    missing += std::string(missing.empty() ? "" : ", ") + symbol;
  ATTNC_CUDA_DRIVER_FUNCTIONS(ATTNC_CUDA_RESOLVE)
#undef ATTNC_CUDA_RESOLVE
#define ATTNC_CUDA_RESOLVE_OPTIONAL(member, symbol, ret, params)               \
  driver->api_.member =                                                        \
      reinterpret_cast<ret(*) params>(::dlsym(handle, symbol));
  ATTNC_CUDA_DRIVER_OPTIONAL_FUNCTIONS(ATTNC_CUDA_RESOLVE_OPTIONAL)
#undef ATTNC_CUDA_RESOLVE_OPTIONAL
  if (!missing.empty()) {
    ::dlclose(handle);
    return unavailable("'" + lib + "' lacks CUDA driver functions (" +
                       missing + "): the NVIDIA driver is too old or this is "
                       "not a CUDA driver");
  }
  CUresult r = driver->api_.cuInit(0);
  if (r != CUDA_SUCCESS) {
    std::string why = explainInitFailure(r, lib);
    Status st = why.empty() ? driver->check(r, "cuInit")
                            : unavailable("CUDA unavailable: " + why);
    // Keep the library loaded: cuGetErrorName strings live in it, and
    // unloading a half-initialised driver is not worth the risk.
    return st;
  }
  if (Status st = driver->check(driver->api_.cuDriverGetVersion(&driver->version_),
                                "cuDriverGetVersion");
      !st.ok())
    return st;
  return driver;
}

Result<std::shared_ptr<Driver>> Driver::global() {
  static std::once_flag once;
  static Result<std::shared_ptr<Driver>> *result = nullptr;
  // Leaked on purpose: contexts may be released during static destruction.
  std::call_once(once, [] {
    result = new Result<std::shared_ptr<Driver>>(load());
  });
  return *result;
}

Result<int> Driver::deviceCount() const {
  int n = 0;
  ATTNC_RT_RETURN_IF_ERROR(check(api_.cuDeviceGetCount(&n), "cuDeviceGetCount"));
  return n;
}

Result<DeviceInfo> Driver::deviceInfo(int ordinal) const {
  ATTNC_RT_ASSIGN_OR_RETURN(int count, deviceCount());
  if (count == 0)
    return unavailable("CUDA unavailable: the driver reports no devices");
  if (ordinal < 0 || ordinal >= count)
    return invalidArgument("CUDA device " + std::to_string(ordinal) +
                           " does not exist (the driver reports " +
                           std::to_string(count) + ")");
  CUdevice dev;
  ATTNC_RT_RETURN_IF_ERROR(check(api_.cuDeviceGet(&dev, ordinal), "cuDeviceGet"));
  DeviceInfo info;
  info.ordinal = ordinal;
  char name[256] = {};
  ATTNC_RT_RETURN_IF_ERROR(
      check(api_.cuDeviceGetName(name, sizeof(name) - 1, dev), "cuDeviceGetName"));
  info.name = name;
  struct {
    CUdevice_attribute attr;
    int *out;
  } attrs[] = {
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, &info.computeMajor},
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, &info.computeMinor},
      {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, &info.multiprocessorCount},
      {CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &info.maxThreadsPerBlock},
      {CU_DEVICE_ATTRIBUTE_WARP_SIZE, &info.warpSize},
      {CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK, &info.maxRegistersPerBlock},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK,
       &info.maxSharedMemoryPerBlock},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
       &info.maxSharedMemoryPerBlockOptin},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR,
       &info.maxSharedMemoryPerMultiprocessor},
      {CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, &info.l2CacheBytes},
      {CU_DEVICE_ATTRIBUTE_CLOCK_RATE, &info.clockRateKHz},
      {CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, &info.memoryClockRateKHz},
      {CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, &info.memoryBusWidthBits},
  };
  for (auto &a : attrs)
    ATTNC_RT_RETURN_IF_ERROR(check(api_.cuDeviceGetAttribute(a.out, a.attr, dev),
                                   "cuDeviceGetAttribute(" +
                                       std::to_string(int(a.attr)) + ")"));
  ATTNC_RT_RETURN_IF_ERROR(
      check(api_.cuDeviceTotalMem(&info.totalMemoryBytes, dev), "cuDeviceTotalMem"));
  return info;
}

} // namespace attnc::rt::cuda
