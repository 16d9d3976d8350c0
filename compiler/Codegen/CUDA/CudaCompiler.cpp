//===- CudaCompiler.cpp - Compile attention variants for NVIDIA GPUs ------===//
//
// Caching: the key is the SHA-256 of (source, architecture, NVRTC version);
// the payload packs PTX and CUBIN as two length-prefixed sections. A corrupt
// or unreadable cache only costs a recompile (the cache reports it).
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CUDA/CudaCompiler.h"

#include "runtime/cache/KernelCache.h"
#include "runtime/core/Sha256.h"

#include <chrono>
#include <cstring>

using namespace attnc;
using namespace attnc::cuda;

EmittedKernel attnc::cuda::emitForArch(const rt::gpu::AttnVariant &v, const GpuArch &arch,
                                       const CudaCompileOptions &options) {
  KernelKind kind = options.kind.value_or(selectKernelKind(v, arch.sm, arch.archSpecific));
  return emitKernel(v, kind, kernelNameFor(v, kind));
}

static void putU64(rt::KernelBlob &b, uint64_t x) {
  for (int i = 0; i < 8; ++i)
    b.push_back(uint8_t(x >> (8 * i)));
}

static rt::KernelBlob packBinary(const NvrtcOutput &o) {
  rt::KernelBlob b;
  putU64(b, o.ptx.size());
  b.insert(b.end(), o.ptx.begin(), o.ptx.end());
  putU64(b, o.cubin.size());
  b.insert(b.end(), o.cubin.begin(), o.cubin.end());
  return b;
}

static bool unpackBinary(const rt::KernelBlob &b, NvrtcOutput &o) {
  size_t pos = 0;
  auto getStr = [&](std::string &s) {
    if (b.size() - pos < 8)
      return false;
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
      n |= uint64_t(b[pos + i]) << (8 * i);
    pos += 8;
    if (b.size() - pos < n)
      return false;
    s.assign(reinterpret_cast<const char *>(b.data() + pos), n);
    pos += n;
    return true;
  };
  return getStr(o.ptx) && getStr(o.cubin) && pos == b.size();
}

llvm::Expected<CompiledKernel> attnc::cuda::compileForArch(const rt::gpu::AttnVariant &v, const GpuArch &arch,
                                                           const CudaCompileOptions &options) {
  if (options.kind) {
    if (std::string why = kindUnsupportedReason(v, *options.kind, arch.sm, arch.archSpecific); !why.empty())
      return llvm::createStringError("cannot compile the %s kernel for %s: %s", kernelKindName(*options.kind),
                                     arch.str().c_str(), why.c_str());
  }
  CompiledKernel ck;
  ck.arch = arch;
  ck.kernel = emitForArch(v, arch, options);
  if (!haveNvrtc() || !options.useCache) {
    auto out = compileWithNvrtc(ck.kernel.source, ck.kernel.kernelName, arch);
    if (!out)
      return out.takeError();
    ck.binary = std::move(*out);
    return ck;
  }

  std::string keyText = ck.kernel.source + "\n//arch=" + arch.str() + "\n//" + nvrtcVersion();
  std::string key = rt::toHex(rt::Sha256::hash(keyText.data(), keyText.size()));
  rt::KernelCacheOptions cacheOptions;
  cacheOptions.onWarning = [](const std::string &) {}; // a broken cache only costs a compile
  rt::KernelCache cache(cacheOptions);
  std::string compileError;
  double seconds = 0;
  auto start = std::chrono::steady_clock::now();
  auto blob = cache.getOrCompute(key, [&]() -> rt::Result<rt::KernelBlob> {
    auto out = compileWithNvrtc(ck.kernel.source, ck.kernel.kernelName, arch);
    if (!out) {
      compileError = llvm::toString(out.takeError());
      return rt::Status(rt::StatusCode::InvalidArgument, compileError);
    }
    seconds = out->seconds;
    return packBinary(*out);
  });
  if (!blob.ok())
    return llvm::createStringError(compileError.empty() ? blob.status().message() : compileError);
  if (!unpackBinary(**blob, ck.binary))
    return llvm::createStringError("kernel cache entry for %s is malformed", ck.kernel.kernelName.c_str());
  ck.cacheHit = cache.stats().compiles == 0;
  // On a hit, the time the lookup took (the cost a user sees instead of NVRTC).
  ck.binary.seconds =
      ck.cacheHit ? std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() : seconds;
  return ck;
}
