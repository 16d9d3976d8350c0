//===- Driver.h - The CUDA driver, loaded at run time ------------*- C++ -*-===//
//
// Driver opens libcuda.so.1 with dlopen, resolves the entry points listed in
// CudaDriverApi.h and calls cuInit. Every way that can fail on a machine
// without a usable GPU becomes an Unavailable status whose message names the
// cause (no driver library, the toolkit's stub library, a driver too old for
// the symbols or the runtime, no device), so `attnc-run --probe-gpu` and lit
// can say why GPU tests are skipped. The CPU side of the runtime never
// touches this file's code.
//
// Driver::global() loads once per process and caches the outcome, failures
// included. Driver::load() loads a specific library (tests point it at a
// fake driver). A loaded library is never dlclose'd: contexts, modules and
// device memory may be released during static destruction.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CUDA_DRIVER_H
#define ATTNC_RUNTIME_CUDA_DRIVER_H

#include "runtime/core/Status.h"
#include "runtime/cuda/CudaDriverApi.h"

#include <cstddef>
#include <memory>
#include <string>

namespace attnc::rt::cuda {

/// Device properties read from the driver at run time (never assumed).
struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  int computeMajor = 0, computeMinor = 0;
  int multiprocessorCount = 0;
  int maxThreadsPerBlock = 0;
  int warpSize = 0;
  int maxRegistersPerBlock = 0;
  /// Static shared memory limit (48 KiB) and the opt-in dynamic limit that
  /// kernels reach through CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES.
  int maxSharedMemoryPerBlock = 0;
  int maxSharedMemoryPerBlockOptin = 0;
  int maxSharedMemoryPerMultiprocessor = 0;
  int l2CacheBytes = 0;
  int clockRateKHz = 0;
  int memoryClockRateKHz = 0;
  int memoryBusWidthBits = 0;
  size_t totalMemoryBytes = 0;

  /// "sm_90": the CUBIN target matching this device.
  std::string smArch() const;
  /// One line for logs: "NVIDIA H200 (sm_90, 132 SMs, 139.8 GiB)".
  std::string summary() const;
};

class Driver {
public:
  /// The default library: $ATTNC_CUDA_DRIVER if set, else "libcuda.so.1".
  static std::string defaultLibrary();
  /// Loads and initialises the driver in `library` (default:
  /// defaultLibrary()). Fails with Unavailable and the reason.
  static Result<std::shared_ptr<Driver>> load(const std::string &library = "");
  /// The process-wide driver: the first call loads, later calls return the
  /// same driver or the same failure.
  static Result<std::shared_ptr<Driver>> global();

  const DriverApi &api() const { return api_; }
  const std::string &library() const { return library_; }
  /// cuDriverGetVersion, e.g. 13000; versionString() gives "13.0".
  int version() const { return version_; }
  std::string versionString() const;

  Result<int> deviceCount() const;
  Result<DeviceInfo> deviceInfo(int ordinal) const;

  /// Turns a CUresult into a Status: CUDA_SUCCESS -> ok; out of memory ->
  /// OutOfMemory; no device/driver -> Unavailable; others -> DeviceError.
  /// The message is "<what> failed: CUDA_ERROR_X (explanation)".
  Status check(CUresult result, const std::string &what) const;
  /// "CUDA_ERROR_OUT_OF_MEMORY (out of memory)".
  std::string describe(CUresult result) const;

private:
  Driver() = default;

  DriverApi api_;
  std::string library_;
  int version_ = 0;
};

} // namespace attnc::rt::cuda

#endif // ATTNC_RUNTIME_CUDA_DRIVER_H
