//===- FakeCudaDriver.cpp - A host-memory stand-in for libcuda.so.1 -------===//
//
// Built as a shared library that Driver::load() can dlopen, so the runtime's
// CUDA layer (error translation, bounds and launch checks, module loading
// diagnostics, RAII) is tested on machines without a GPU. Behaviour is set
// through the environment, read at each call:
//   ATTNC_FAKE_CUDA_INIT     CUresult that cuInit returns (default 0)
//   ATTNC_FAKE_CUDA_DEVICES  device count (default 1)
//   ATTNC_FAKE_CUDA_MEMORY   device memory in bytes (default 64 MiB)
//   ATTNC_FAKE_CUDA_CC       compute capability as 10*major+minor (default 90)
//   ATTNC_FAKE_CUDA_SMEM_OPTIN  opt-in shared memory per block (default 227 KiB)
//   ATTNC_FAKE_CUDA_LAUNCH_ERROR  CUresult of every cuLaunchKernel (default 0)
//   ATTNC_FAKE_CUDA_PARAM_BYTES   bytes of the first kernel argument that the
//                            launch log keeps (default 0)
//   ATTNC_FAKE_CUDA_TMA_ERROR     CUresult of every cuTensorMapEncodeTiled
//                            (default 0: arguments checked as the real
//                            driver documents, 1 when they break a rule)
// "Device" memory is host memory. Modules are PTX text whose `.entry` names
// become kernels; the kernel "attnc_fill(float *out, float value, unsigned n)"
// really runs. Built with ATTNC_FAKE_CUDA_INCOMPLETE it lacks cuLaunchKernel
// and cuEventElapsedTime, like a driver too old for the runtime.
//
//===----------------------------------------------------------------------===//
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace {
using CUresult = int;
using CUdeviceptr = unsigned long long;

std::mutex mutex;
std::map<CUdeviceptr, size_t> allocations;
size_t used = 0;
int lastFuncAttribute = -1, lastFuncAttributeValue = -1;
unsigned lastSharedBytes = 0;

long envInt(const char *name, long fallback) {
  const char *v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}
size_t memoryLimit() { return size_t(envInt("ATTNC_FAKE_CUDA_MEMORY", 64 << 20)); }

struct FakeModule {
  std::set<std::string> entries;
};
struct FakeFunction {
  std::string name;
};
FakeFunction functions[16];

// Every launch, for attncFakeCudaLaunches (GPU attention launcher tests).
struct LaunchRecord {
  std::string name;
  unsigned grid[3], block[3], shared;
  std::string param0;
};
std::vector<LaunchRecord> launchLog;
int dummyContext, dummyStream, dummyEvent;
} // namespace

#define FAKE_API extern "C" __attribute__((visibility("default"))) CUresult

FAKE_API cuInit(unsigned) { return int(envInt("ATTNC_FAKE_CUDA_INIT", 0)); }
FAKE_API cuDriverGetVersion(int *v) {
  *v = 13000;
  return 0;
}
FAKE_API cuGetErrorName(CUresult r, const char **s) {
  switch (r) {
  case 1: *s = "CUDA_ERROR_INVALID_VALUE"; return 0;
  case 2: *s = "CUDA_ERROR_OUT_OF_MEMORY"; return 0;
  case 218: *s = "CUDA_ERROR_INVALID_PTX"; return 0;
  case 500: *s = "CUDA_ERROR_NOT_FOUND"; return 0;
  case 999: *s = "CUDA_ERROR_UNKNOWN"; return 0;
  }
  *s = nullptr;
  return 1;
}
FAKE_API cuGetErrorString(CUresult r, const char **s) {
  switch (r) {
  case 2: *s = "out of memory"; return 0;
  case 218: *s = "a PTX JIT compilation failed"; return 0;
  case 999: *s = "unknown error"; return 0;
  }
  *s = nullptr;
  return 1;
}
FAKE_API cuDeviceGetCount(int *n) {
  *n = int(envInt("ATTNC_FAKE_CUDA_DEVICES", 1));
  return 0;
}
FAKE_API cuDeviceGet(int *dev, int ordinal) {
  if (ordinal < 0 || ordinal >= envInt("ATTNC_FAKE_CUDA_DEVICES", 1))
    return 101; // CUDA_ERROR_INVALID_DEVICE
  *dev = ordinal;
  return 0;
}
FAKE_API cuDeviceGetName(char *name, int len, int) {
  std::strncpy(name, "Fake GPU", size_t(len));
  return 0;
}
FAKE_API cuDeviceGetAttribute(int *v, int attr, int) {
  switch (attr) {
  case 1: *v = 1024; break;    // max threads per block
  case 8: *v = 48 * 1024; break;
  case 10: *v = 32; break;
  case 16: *v = 4; break;      // SMs
  case 75: *v = int(envInt("ATTNC_FAKE_CUDA_CC", 90) / 10); break;
  case 76: *v = int(envInt("ATTNC_FAKE_CUDA_CC", 90) % 10); break;
  case 81: *v = 228 * 1024; break; // shared memory per SM
  case 97: *v = int(envInt("ATTNC_FAKE_CUDA_SMEM_OPTIN", 227 * 1024)); break; // opt-in shared memory
  default: *v = 7; break;
  }
  return 0;
}
FAKE_API cuDeviceTotalMem_v2(size_t *bytes, int) {
  *bytes = memoryLimit();
  return 0;
}
FAKE_API cuDevicePrimaryCtxRetain(void **ctx, int) {
  *ctx = &dummyContext;
  return 0;
}
FAKE_API cuDevicePrimaryCtxRelease_v2(int) { return 0; }
FAKE_API cuCtxSetCurrent(void *) { return 0; }
FAKE_API cuCtxSynchronize() { return 0; }
FAKE_API cuMemGetInfo_v2(size_t *free, size_t *total) {
  std::lock_guard<std::mutex> lock(mutex);
  *total = memoryLimit();
  *free = *total - used;
  return 0;
}
FAKE_API cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
  std::lock_guard<std::mutex> lock(mutex);
  if (used + n > memoryLimit())
    return 2;
  *p = CUdeviceptr(std::malloc(n));
  allocations[*p] = n;
  used += n;
  return 0;
}
FAKE_API cuMemFree_v2(CUdeviceptr p) {
  std::lock_guard<std::mutex> lock(mutex);
  auto it = allocations.find(p);
  if (it == allocations.end())
    return 1;
  used -= it->second;
  allocations.erase(it);
  std::free(reinterpret_cast<void *>(p));
  return 0;
}
FAKE_API cuMemcpyHtoD_v2(CUdeviceptr d, const void *s, size_t n) {
  std::memcpy(reinterpret_cast<void *>(d), s, n);
  return 0;
}
FAKE_API cuMemcpyDtoH_v2(void *d, CUdeviceptr s, size_t n) {
  std::memcpy(d, reinterpret_cast<void *>(s), n);
  return 0;
}
FAKE_API cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *s, size_t n, void *) {
  return cuMemcpyHtoD_v2(d, s, n);
}
FAKE_API cuMemcpyDtoHAsync_v2(void *d, CUdeviceptr s, size_t n, void *) {
  return cuMemcpyDtoH_v2(d, s, n);
}
FAKE_API cuMemsetD8_v2(CUdeviceptr d, unsigned char v, size_t n) {
  std::memset(reinterpret_cast<void *>(d), v, n);
  return 0;
}
FAKE_API cuMemsetD32_v2(CUdeviceptr d, unsigned v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    std::memcpy(reinterpret_cast<char *>(d) + 4 * i, &v, 4);
  return 0;
}
FAKE_API cuStreamCreate(void **s, unsigned) {
  *s = &dummyStream;
  return 0;
}
FAKE_API cuStreamSynchronize(void *) { return 0; }
FAKE_API cuStreamDestroy_v2(void *) { return 0; }
FAKE_API cuModuleLoadDataEx(void **m, const void *image, unsigned n,
                            int *options, void **values) {
  std::string text(static_cast<const char *>(image));
  auto *mod = new FakeModule();
  for (size_t pos = text.find(".entry "); pos != std::string::npos;
       pos = text.find(".entry ", pos + 1)) {
    size_t start = pos + 7, end = text.find_first_of("( \n", start);
    mod->entries.insert(text.substr(start, end - start));
  }
  if (mod->entries.empty()) {
    delete mod;
    for (unsigned i = 0; i < n; ++i)
      if (options[i] == 5) // CU_JIT_ERROR_LOG_BUFFER
        std::strcpy(static_cast<char *>(values[i]),
                    "ptxas fatal   : no .entry in fake module");
    return 218;
  }
  *m = mod;
  return 0;
}
FAKE_API cuModuleUnload(void *m) {
  delete static_cast<FakeModule *>(m);
  return 0;
}
FAKE_API cuModuleGetFunction(void **f, void *m, const char *name) {
  auto *mod = static_cast<FakeModule *>(m);
  if (!mod->entries.count(name))
    return 500;
  std::lock_guard<std::mutex> lock(mutex);
  for (FakeFunction &fn : functions)
    if (fn.name.empty() || fn.name == name) {
      fn.name = name;
      *f = &fn;
      return 0;
    }
  return 2;
}
FAKE_API cuFuncGetAttribute(int *v, int attr, void *) {
  *v = attr == 4 ? 64 : 0; // 64 registers
  return 0;
}
FAKE_API cuFuncSetAttribute(void *, int attr, int value) {
  lastFuncAttribute = attr;
  lastFuncAttributeValue = value;
  return 0;
}
#ifndef ATTNC_FAKE_CUDA_INCOMPLETE
FAKE_API cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                        unsigned by, unsigned bz, unsigned shared, void *,
                        void **params, void **) {
  if (CUresult r = CUresult(envInt("ATTNC_FAKE_CUDA_LAUNCH_ERROR", 0)))
    return r;
  lastSharedBytes = shared;
  auto *fn = static_cast<FakeFunction *>(f);
  {
    std::lock_guard<std::mutex> lock(mutex);
    size_t bytes = size_t(envInt("ATTNC_FAKE_CUDA_PARAM_BYTES", 0));
    launchLog.push_back({fn->name, {gx, gy, gz}, {bx, by, bz}, shared,
                         bytes ? std::string(static_cast<const char *>(params[0]), bytes) : std::string()});
  }
  if (fn->name == "attnc_fill") {
    float *out = *static_cast<float **>(params[0]);
    float value = *static_cast<float *>(params[1]);
    int n = *static_cast<int *>(params[2]);
    for (unsigned i = 0; i < gx * bx; ++i)
      if (int(i) < n)
        out[i] = value;
  }
  return 0;
}
FAKE_API cuEventElapsedTime(float *ms, void *, void *) {
  *ms = 1.5f;
  return 0;
}
#endif
FAKE_API cuEventCreate(void **e, unsigned) {
  *e = &dummyEvent;
  return 0;
}
FAKE_API cuEventRecord(void *, void *) { return 0; }
FAKE_API cuEventSynchronize(void *) { return 0; }
FAKE_API cuEventDestroy_v2(void *) { return 0; }

// cuTensorMapEncodeTiled: checks the documented constraints of tiled TMA
// descriptors (cuda.h) that the Hopper kernel's maps must meet, and writes
// rank, dims, strides, box and swizzle into the opaque bytes so that tests
// can read back what was encoded from the map itself.
FAKE_API cuTensorMapEncodeTiled(void *map, int type, unsigned rank, void *address,
                                const unsigned long long *dims, const unsigned long long *strides,
                                const unsigned *box, const unsigned *elementStrides, int interleave,
                                int swizzle, int l2, int oobFill) {
  if (CUresult r = CUresult(envInt("ATTNC_FAKE_CUDA_TMA_ERROR", 0)))
    return r;
  const unsigned elem = type == 6 || type == 9 ? 2 : 0; // f16, bf16
  if (!map || reinterpret_cast<uintptr_t>(map) % 64 || !elem || rank < 1 || rank > 5 ||
      reinterpret_cast<uintptr_t>(address) % 16 || interleave != 0 || swizzle < 0 || swizzle > 3 || l2 < 0 ||
      l2 > 3 || oobFill < 0 || oobFill > 1)
    return 1;
  for (unsigned i = 0; i < rank; ++i) {
    if (dims[i] == 0 || dims[i] > (1ull << 32) || box[i] == 0 || box[i] > 256 || elementStrides[i] == 0 ||
        elementStrides[i] > 8)
      return 1;
    if (i + 1 < rank && (strides[i] % 16 || strides[i] >= (1ull << 40)))
      return 1;
  }
  if (box[0] * elem % 16 || (swizzle == 3 && box[0] * elem > 128) || (swizzle == 2 && box[0] * elem > 64) ||
      (swizzle == 1 && box[0] * elem > 32))
    return 1;
  unsigned long long *out = static_cast<unsigned long long *>(map);
  std::memset(out, 0, 128);
  out[0] = rank;
  out[1] = unsigned(type) | unsigned(swizzle) << 8 | unsigned(l2) << 16 | unsigned(oobFill) << 24;
  out[2] = reinterpret_cast<uintptr_t>(address);
  for (unsigned i = 0; i < rank && i < 3; ++i) {
    out[3 + i] = dims[i];
    out[6 + i] = box[i];
    if (i + 1 < rank)
      out[9 + i] = strides[i];
  }
  return 0;
}

// Introspection for tests (not part of the CUDA API).
extern "C" __attribute__((visibility("default"))) void
attncFakeCudaLastLaunch(int *attr, int *attrValue, unsigned *shared,
                        size_t *bytesInUse) {
  std::lock_guard<std::mutex> lock(mutex);
  *attr = lastFuncAttribute;
  *attrValue = lastFuncAttributeValue;
  *shared = lastSharedBytes;
  *bytesInUse = used;
}

// The launches so far (oldest first) with the given kernel name prefix:
// returns their number and copies the last one's configuration and kept
// argument bytes. `reset` clears the log afterwards.
extern "C" __attribute__((visibility("default"))) int
attncFakeCudaLaunches(const char *prefix, unsigned grid[3], unsigned block[3],
                      unsigned *shared, void *param0, size_t param0Bytes,
                      int reset) {
  std::lock_guard<std::mutex> lock(mutex);
  int count = 0;
  for (const LaunchRecord &r : launchLog) {
    if (r.name.compare(0, std::strlen(prefix), prefix) != 0)
      continue;
    ++count;
    for (int i = 0; i < 3; ++i) {
      grid[i] = r.grid[i];
      block[i] = r.block[i];
    }
    *shared = r.shared;
    if (param0 && param0Bytes <= r.param0.size())
      std::memcpy(param0, r.param0.data(), param0Bytes);
  }
  if (reset)
    launchLog.clear();
  return count;
}
