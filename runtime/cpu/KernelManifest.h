//===- KernelManifest.h - Metadata of ahead-of-time CPU kernels --*- C++ -*-===//
//
// `attnc run --save-plan P` links the plan's JIT-compiled attention kernels
// into `P.kernels.so` and describes them in `P.kernels.json`: the kernel
// ABI version, the CPU the object was compiled for (architecture and the
// instruction-set features its code may use), the library's size, and one
// entry per kernel in the JSON form of CpuKernelInfo that the JIT's cache
// already writes (compiler/Codegen/CPU/KernelMetadata.cpp). This is the
// LLVM-free reader of that file, used by attnc-model before it dlopens the
// library; the compiler includes it for the format constants and the
// feature list so that writer and reader cannot drift apart.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CPU_KERNELMANIFEST_H
#define ATTNC_RUNTIME_CPU_KERNELMANIFEST_H

#include "runtime/core/Status.h"
#include "runtime/cpu/KernelInfo.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnc::rt {

/// The manifest's "format" and "version" fields.
inline constexpr const char *kKernelManifestFormat = "attnc-cpu-kernels";
inline constexpr int kKernelManifestVersion = 1;

/// The x86 instruction-set features a manifest may require: those the
/// runtime can test on the host (hostHasCpuFeature). The compiler records
/// every one of these the compiling host has, since the object is compiled
/// for that host's full feature set.
inline constexpr const char *kCheckedCpuFeatures[] = {
    "sse2",     "sse3",     "ssse3",    "sse4.1",          "sse4.2",   "avx",
    "avx2",     "fma",      "f16c",     "bmi",             "bmi2",     "avx512f",
    "avx512cd", "avx512bw", "avx512dq", "avx512vl",        "avx512vnni", "avx512bf16",
    "avx512fp16", "avxvnni"};

struct KernelManifest {
  int abiVersion = 0;
  /// Architecture of the object ("x86_64", "aarch64", ...).
  std::string arch;
  /// The compiling host's CPU name, for messages only.
  std::string cpu;
  /// Features the object's code may use (a subset of kCheckedCpuFeatures).
  std::vector<std::string> features;
  /// Size of the shared library the manifest describes (catches a library
  /// and manifest from different saves).
  uint64_t libraryBytes = 0;
  std::vector<CpuKernelInfo> kernels;

  const CpuKernelInfo *find(const std::string &name) const;
};

/// Parses one kernel's metadata (the JIT's JSON form). Errors name the key.
Result<CpuKernelInfo> parseCpuKernelInfo(const std::string &json);
/// Parses a manifest; `source` names the file in messages. Rejects other
/// formats, versions and kernel ABI versions.
Result<KernelManifest> parseKernelManifest(const std::string &text, const std::string &source);

/// The architecture this runtime was built for (same spelling as manifests).
const char *hostArch();
/// Whether the host CPU has `feature` (false for names it cannot test).
bool hostHasCpuFeature(const std::string &feature);
/// Ok when this host can run code described by `manifest`; otherwise says
/// which architecture or features are missing.
Status checkHostRuns(const KernelManifest &manifest);

} // namespace attnc::rt

#endif // ATTNC_RUNTIME_CPU_KERNELMANIFEST_H
