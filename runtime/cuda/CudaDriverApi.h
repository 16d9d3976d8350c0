//===- CudaDriverApi.h - The slice of the CUDA driver API we call -*- C++ -*-===//
//
// The runtime never includes cuda.h nor links libcuda: builds must work on
// machines without the CUDA toolkit, and binaries must start (and run on the
// CPU) on machines without an NVIDIA driver. So this header re-declares the
// few handle types and enum values the runtime uses, with the values of
// CUDA's cuda.h (stable ABI since CUDA 4), and lists every entry point once
// in ATTNC_CUDA_DRIVER_FUNCTIONS. The dlsym names are the versioned ones
// that cuda.h's macros would select (cuMemAlloc -> cuMemAlloc_v2).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CUDA_CUDADRIVERAPI_H
#define ATTNC_RUNTIME_CUDA_CUDADRIVERAPI_H

#include <cstddef>

namespace attnc::rt::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;

// CUresult values the runtime explains to users.
enum : CUresult {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_STUB_LIBRARY = 34,
  CUDA_ERROR_INSUFFICIENT_DRIVER = 35,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
  CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,
  CUDA_ERROR_NOT_FOUND = 500,
};

// CUdevice_attribute values.
enum CUdevice_attribute : int {
  CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1,
  CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8,
  CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10,
  CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK = 12,
  CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13,
  CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
  CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36,
  CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37,
  CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
  CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR = 81,
  CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97,
};

// CUfunction_attribute values.
enum CUfunction_attribute : int {
  CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0,
  CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1,
  CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES = 3,
  CU_FUNC_ATTRIBUTE_NUM_REGS = 4,
  CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8,
};

// CUjit_option values (module loading diagnostics).
enum CUjit_option : int {
  CU_JIT_INFO_LOG_BUFFER = 3,
  CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4,
  CU_JIT_ERROR_LOG_BUFFER = 5,
  CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
};

// cuTensorMapEncodeTiled's enums (the values the Hopper kernel's TMA
// descriptors use; cuda.h's CUtensorMap* enums).
enum CUtensorMapDataType : int {
  CU_TENSOR_MAP_DATA_TYPE_FLOAT16 = 6,
  CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 = 9,
};
enum CUtensorMapInterleave : int { CU_TENSOR_MAP_INTERLEAVE_NONE = 0 };
enum CUtensorMapSwizzle : int { CU_TENSOR_MAP_SWIZZLE_128B = 3 };
enum CUtensorMapL2promotion : int { CU_TENSOR_MAP_L2_PROMOTION_L2_256B = 3 };
enum CUtensorMapFloatOOBfill : int { CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE = 0 };

constexpr unsigned CU_STREAM_NON_BLOCKING = 0x1;
constexpr unsigned CU_EVENT_DEFAULT = 0x0;

// X(member, dlsym name, return type, parameter list)
#define ATTNC_CUDA_DRIVER_FUNCTIONS(X)                                         \
  X(cuInit, "cuInit", CUresult, (unsigned int flags))                          \
  X(cuDriverGetVersion, "cuDriverGetVersion", CUresult, (int *version))        \
  X(cuGetErrorName, "cuGetErrorName", CUresult, (CUresult, const char **))     \
  X(cuGetErrorString, "cuGetErrorString", CUresult, (CUresult, const char **)) \
  X(cuDeviceGetCount, "cuDeviceGetCount", CUresult, (int *count))              \
  X(cuDeviceGet, "cuDeviceGet", CUresult, (CUdevice *, int ordinal))           \
  X(cuDeviceGetName, "cuDeviceGetName", CUresult, (char *, int, CUdevice))     \
  X(cuDeviceGetAttribute, "cuDeviceGetAttribute", CUresult,                    \
    (int *, CUdevice_attribute, CUdevice))                                     \
  X(cuDeviceTotalMem, "cuDeviceTotalMem_v2", CUresult, (size_t *, CUdevice))   \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", CUresult,            \
    (CUcontext *, CUdevice))                                                   \
  X(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", CUresult,       \
    (CUdevice))                                                                \
  X(cuCtxSetCurrent, "cuCtxSetCurrent", CUresult, (CUcontext))                 \
  X(cuCtxSynchronize, "cuCtxSynchronize", CUresult, ())                        \
  X(cuMemGetInfo, "cuMemGetInfo_v2", CUresult, (size_t *, size_t *))           \
  X(cuMemAlloc, "cuMemAlloc_v2", CUresult, (CUdeviceptr *, size_t))            \
  X(cuMemFree, "cuMemFree_v2", CUresult, (CUdeviceptr))                        \
  X(cuMemcpyHtoD, "cuMemcpyHtoD_v2", CUresult,                                 \
    (CUdeviceptr, const void *, size_t))                                       \
  X(cuMemcpyDtoH, "cuMemcpyDtoH_v2", CUresult, (void *, CUdeviceptr, size_t))  \
  X(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", CUresult,                       \
    (CUdeviceptr, const void *, size_t, CUstream))                             \
  X(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", CUresult,                       \
    (void *, CUdeviceptr, size_t, CUstream))                                   \
  X(cuMemsetD8, "cuMemsetD8_v2", CUresult,                                     \
    (CUdeviceptr, unsigned char, size_t))                                      \
  X(cuMemsetD32, "cuMemsetD32_v2", CUresult,                                   \
    (CUdeviceptr, unsigned int, size_t))                                       \
  X(cuStreamCreate, "cuStreamCreate", CUresult, (CUstream *, unsigned int))    \
  X(cuStreamSynchronize, "cuStreamSynchronize", CUresult, (CUstream))          \
  X(cuStreamDestroy, "cuStreamDestroy_v2", CUresult, (CUstream))               \
  X(cuModuleLoadDataEx, "cuModuleLoadDataEx", CUresult,                        \
    (CUmodule *, const void *, unsigned int, CUjit_option *, void **))         \
  X(cuModuleUnload, "cuModuleUnload", CUresult, (CUmodule))                    \
  X(cuModuleGetFunction, "cuModuleGetFunction", CUresult,                      \
    (CUfunction *, CUmodule, const char *))                                    \
  X(cuFuncGetAttribute, "cuFuncGetAttribute", CUresult,                        \
    (int *, CUfunction_attribute, CUfunction))                                 \
  X(cuFuncSetAttribute, "cuFuncSetAttribute", CUresult,                        \
    (CUfunction, CUfunction_attribute, int))                                   \
  X(cuLaunchKernel, "cuLaunchKernel", CUresult,                                \
    (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,   \
     unsigned, CUstream, void **, void **))                                    \
  X(cuEventCreate, "cuEventCreate", CUresult, (CUevent *, unsigned int))       \
  X(cuEventRecord, "cuEventRecord", CUresult, (CUevent, CUstream))             \
  X(cuEventSynchronize, "cuEventSynchronize", CUresult, (CUevent))             \
  X(cuEventElapsedTime, "cuEventElapsedTime", CUresult,                        \
    (float *, CUevent, CUevent))                                               \
  X(cuEventDestroy, "cuEventDestroy_v2", CUresult, (CUevent))

// Entry points the runtime can do without: a driver that lacks them still
// loads, and the member stays null (callers check). cuTensorMapEncodeTiled
// (CUDA 12.0+) builds the TMA descriptors of the Hopper kernel; without it
// the launcher passes over wgmma_sm90 images. `tensorMap` is a 128-byte,
// 64-byte aligned CUtensorMap (rt::gpu's AttncTensorMap).
#define ATTNC_CUDA_DRIVER_OPTIONAL_FUNCTIONS(X)                                \
  X(cuTensorMapEncodeTiled, "cuTensorMapEncodeTiled", CUresult,                \
    (void *tensorMap, CUtensorMapDataType, unsigned rank, void *globalAddress, \
     const unsigned long long *globalDim,                                      \
     const unsigned long long *globalStrides, const unsigned *boxDim,          \
     const unsigned *elementStrides, CUtensorMapInterleave, CUtensorMapSwizzle, \
     CUtensorMapL2promotion, CUtensorMapFloatOOBfill))

/// Resolved entry points; filled by Driver::load, all non-null afterwards
/// except the optional ones.
struct DriverApi {
#define ATTNC_CUDA_DECLARE_MEMBER(member, symbol, ret, params)                 \
  ret(*member) params = nullptr;
  ATTNC_CUDA_DRIVER_FUNCTIONS(ATTNC_CUDA_DECLARE_MEMBER)
  ATTNC_CUDA_DRIVER_OPTIONAL_FUNCTIONS(ATTNC_CUDA_DECLARE_MEMBER)
#undef ATTNC_CUDA_DECLARE_MEMBER
};

} // namespace attnc::rt::cuda

#endif // ATTNC_RUNTIME_CUDA_CUDADRIVERAPI_H
