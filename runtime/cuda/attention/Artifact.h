//===- Artifact.h - The AOT file format of GPU attention kernels -*- C++ -*-===//
//
// An artifact (`*.attnc-gpu`) is everything the LLVM-free runtime needs to
// launch one compiled attention op on a machine without attnc: the variant
// (what the kernel computes, so that shapes can be validated and auxiliary
// buffers sized), static dimensions of the op, constant operands baked into
// the op (ALiBi slopes), and one or more kernel images (CUBIN and PTX for an
// architecture, with kernel names, block size and shared memory).
// attnc writes it (compiler/Codegen/CUDA/ArtifactBuilder.h); the launcher
// (Launcher.h) reads it. The byte layout is specified in docs/gpu.md:
//
//   header (64 bytes, little-endian)
//     0  "ATTNCGPU"          magic
//     8  u32 format version  (kArtifactFormatVersion)
//     12 u32 kernel ABI      (ATTNC_KERNEL_ABI_VERSION)
//     16 u64 payload bytes
//     24 u8[32] SHA-256 of header bytes [0, 24) and [56, 64), then the payload
//     56 u32 section count, 60 u32 reserved (0)
//   payload: sections { u32 name bytes, u32 0, u64 data bytes, name, data }
//     "meta"           `key = value` lines (variant, dims, images)
//     "imageN.cubin"   CUBIN of image N (may be empty: PTX only)
//     "imageN.ptx"     PTX of image N
//
// Every way a file can be wrong (truncated, corrupt, another format or ABI
// version, inconsistent metadata) is a Status with a message naming the file
// and what is wrong; nothing here aborts.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CUDA_ATTENTION_ARTIFACT_H
#define ATTNC_RUNTIME_CUDA_ATTENTION_ARTIFACT_H

#include "runtime/core/Status.h"
#include "runtime/cuda/attention/AttnVariant.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attnc::rt::gpu {

constexpr uint32_t kArtifactFormatVersion = 1;
constexpr size_t kArtifactHeaderBytes = 64;
constexpr char kArtifactMagic[8] = {'A', 'T', 'T', 'N', 'C', 'G', 'P', 'U'};

/// One compiled kernel (plus its classify kernel) for one architecture.
struct KernelImage {
  int sm = 0;                // 80, 90, ...
  bool archSpecific = false; // sm_90a: runs on exactly compute capability 9.0
  std::string kind;          // "mma_sm80", "simt"
  std::string kernelName;
  std::string classifyName;  // empty unless the schedule is decided at run time
  int threads = 0;           // block size of the attention kernel
  int classifyThreads = 0;
  int64_t smemBytes = 0;     // dynamic shared memory of the attention kernel
  std::string cubin;         // may be empty (PTX only)
  std::string ptx;           // may be empty (CUBIN only)

  /// "sm_90a".
  std::string arch() const;
};

/// Dimensions that were static in the compiled op; -1 = given at run time.
struct StaticDims {
  int64_t batch = -1, qHeads = -1, kvHeads = -1, qLen = -1, kvLen = -1;
};

struct Artifact {
  uint32_t abiVersion = 0;     // filled by the writer
  std::string producer;        // "attnc 0.1.0 (LLVM/MLIR 22.1.8), nvrtc 13.0"
  std::string name;            // the compiled function, for messages
  AttnVariant variant;
  StaticDims dims;
  /// ALiBi slopes that were constants of the op ([Hq]); empty when the
  /// slopes are a run-time operand (or there is no ALiBi).
  std::vector<float> alibiSlopes;
  std::vector<KernelImage> images;
};

/// The file bytes of `a` (abiVersion is written as ATTNC_KERNEL_ABI_VERSION).
std::vector<uint8_t> serializeArtifact(const Artifact &a);

/// Parses and validates artifact bytes; `origin` (a path) prefixes errors.
/// Corrupt for damaged files, Unsupported for other format / ABI versions.
Result<Artifact> parseArtifact(const uint8_t *data, size_t size, const std::string &origin);

/// readFile + parseArtifact.
Result<Artifact> readArtifact(const std::string &path);

/// Writes serializeArtifact(a) atomically.
Status writeArtifact(const std::string &path, const Artifact &a);

/// The images that can run on compute capability major.minor, best first
/// (more specialised kernel kinds, then newer architectures). A CUBIN for
/// sm_XY runs on X.Z with Z >= Y (sm_XYa: exactly X.Y); PTX for compute_XY
/// is JIT-compiled for any X.Y or newer.
std::vector<const KernelImage *> compatibleImages(const Artifact &a, int major, int minor);

/// A multi-line human description (attnc-run artifact-info).
std::string describeArtifact(const Artifact &a);

} // namespace attnc::rt::gpu

#endif // ATTNC_RUNTIME_CUDA_ATTENTION_ARTIFACT_H
