//===- Launcher.h - Run a compiled attention artifact on a GPU ---*- C++ -*-===//
//
// The GPU half of the AOT path: takes an Artifact (Artifact.h), picks the
// kernel image that fits the device (compute capability, opt-in shared
// memory, both read from the driver at run time), loads it, validates the
// caller's shapes and operands against the variant, and launches the
// run-time tile classifier (when the schedule needs one; its tile map is
// cached per input) and the attention kernel. Every failure (no image for
// this GPU, shared memory too large, out of memory, a launch error, a shape
// that does not match) is a Status with a message; nothing aborts.
//
//   auto art = readArtifact("k.attnc-gpu");
//   auto launcher = AttentionLauncher::create(ctx, *art);
//   AttentionShape shape{2, 8, 2, 1000, 1000};
//   auto bufs = AttentionBuffers::allocate(ctx, art->variant, shape, {});
//   bufs->upload(hostOperands);
//   launcher->launch(shape, bufs->operands());
//
// Tensors are dense row-major, as in KernelABI.h.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CUDA_ATTENTION_LAUNCHER_H
#define ATTNC_RUNTIME_CUDA_ATTENTION_LAUNCHER_H

#include "runtime/cuda/Device.h"
#include "runtime/cuda/attention/Artifact.h"
#include "runtime/cuda/attention/KernelABI.h"

#include <array>
#include <memory>
#include <optional>

namespace attnc::rt::gpu {

/// Run-time sizes of one call.
struct AttentionShape {
  int64_t batch = 1, qHeads = 1, kvHeads = 1, qLen = 1, kvLen = 1;
  bool operator==(const AttentionShape &o) const {
    return batch == o.batch && qHeads == o.qHeads && kvHeads == o.kvHeads && qLen == o.qLen && kvLen == o.kvLen;
  }
};

/// Leading extents of the auxiliary operands that may be broadcast: each
/// is 1 (shared) or the full size (per batch entry / per query head).
struct AuxExtents {
  int64_t blockLayoutHeads = 1; // block_layout [heads, ceil(Lq/blk), ceil(Lk/blk)]
  int64_t maskBatch = 1, maskHeads = 1; // mask_tensor [mb, mh, Lq, Lk]
  int64_t biasBatch = 1, biasHeads = 1; // bias [bb, bh, Lq, Lk]
  bool operator==(const AuxExtents &o) const {
    return blockLayoutHeads == o.blockLayoutHeads && maskBatch == o.maskBatch && maskHeads == o.maskHeads &&
           biasBatch == o.biasBatch && biasHeads == o.biasHeads;
  }
};

/// Checks `shape` and `extents` against the variant and the artifact's
/// static dims. The messages name the operand and both sizes.
Status validateShape(const Artifact &a, const AttentionShape &shape, const AuxExtents &extents = {});

/// Bytes of each operand for a shape (0 when the variant does not read it).
size_t qBytes(const AttnVariant &v, const AttentionShape &s);
size_t kBytes(const AttnVariant &v, const AttentionShape &s);
size_t vBytes(const AttnVariant &v, const AttentionShape &s);
size_t outBytes(const AttnVariant &v, const AttentionShape &s);
size_t lseBytes(const AttnVariant &v, const AttentionShape &s);
size_t auxBytes(const AttnVariant &v, AuxBuffer which, const AttentionShape &s, const AuxExtents &e);
/// The block size of the variant's block_sparse mask (0 when it has none).
int64_t blockSparseBlock(const AttnVariant &v);

/// Device operands of one call. Pointers the variant does not read may be 0.
struct DeviceOperands {
  cuda::CUdeviceptr q = 0, k = 0, v = 0, out = 0, lse = 0;
  std::array<cuda::CUdeviceptr, kNumAuxBuffers> aux{};
  AuxExtents extents;
  /// Bump when the contents of the mask operands change without their
  /// addresses changing: the cached tile map is reused only for the same
  /// shape, addresses and generation.
  uint64_t maskGeneration = 0;
};

/// What launch() will do for a shape: grids, blocks, shared memory, and an
/// occupancy estimate from the device's SM count and shared memory.
struct LaunchPlan {
  cuda::LaunchConfig attention;
  std::optional<cuda::LaunchConfig> classify; // run-time schedules
  size_t tileMapBytes = 0;
  int blocksPerSm = 0; // resident attention blocks per SM (shared memory / threads bound)
  double waves = 0;    // grid blocks / (SMs * blocksPerSm)
};

/// The parameter block for a call (exposed for tests and the runner).
AttncAttnParams makeParams(const AttnVariant &v, const AttentionShape &s, const DeviceOperands &ops,
                           cuda::CUdeviceptr tileMap);

/// The TMA descriptors the Hopper kernel (kind "wgmma_sm90") takes as its
/// second argument: q, k and v as 3-D tensors {head dim, length, batch *
/// heads} (row strides head_dim * 2 bytes), boxes of {64, tile rows, 1}
/// (q_tile rows for q, k_tile rows for k/v), 128-byte swizzle, zero fill
/// out of bounds, through the driver's cuTensorMapEncodeTiled.
/// InvalidArgument for q/k/v not 16-byte aligned; Unsupported when the
/// driver has no cuTensorMapEncodeTiled or the element type is not 16-bit.
Status encodeTmaMaps(const cuda::Context &ctx, const AttnVariant &v, const AttentionShape &shape,
                     const DeviceOperands &ops, AttncTmaMaps &maps);

/// $ATTNC_GPU_KERNEL, when set: the only kernel kind the launcher may pick
/// ("wgmma_sm90", "mma_sm80", "simt"), to test or time one kernel of an
/// artifact that holds several.
std::string forcedKernelKind();

class AttentionLauncher {
public:
  /// Loads the best compatible image of `artifact` on ctx's device (CUBIN,
  /// else PTX; the next image when one fails to load or needs more shared
  /// memory than the device allows).
  static Result<std::unique_ptr<AttentionLauncher>> create(std::shared_ptr<cuda::Context> ctx,
                                                          Artifact artifact);

  const Artifact &artifact() const { return artifact_; }
  const KernelImage &image() const { return *image_; }
  /// "sm_90a mma_sm80 (CUBIN)", and why better images were passed over.
  const std::string &selection() const { return selection_; }

  Result<LaunchPlan> plan(const AttentionShape &shape) const;
  /// Validates, classifies tiles if needed (cached) and launches the
  /// attention kernel on `stream` (asynchronous; errors of the launch
  /// itself are returned, errors during execution surface at the next
  /// synchronisation).
  Status launch(const AttentionShape &shape, const DeviceOperands &ops, const cuda::Stream *stream = nullptr);

  /// How many times the classify kernel ran (tests of the tile-map cache).
  unsigned classifyLaunches() const { return classifyLaunches_; }

private:
  AttentionLauncher() = default;

  std::shared_ptr<cuda::Context> ctx_;
  Artifact artifact_;
  const KernelImage *image_ = nullptr;
  std::string selection_;
  cuda::Module module_;
  std::optional<cuda::Kernel> kernel_, classify_;

  // TMA descriptors of the last launch (wgmma_sm90 images): valid for one
  // (shape, q/k/v addresses).
  AttncTmaMaps tmaMaps_{};
  bool tmaValid_ = false;
  AttentionShape tmaShape_;
  std::array<cuda::CUdeviceptr, 3> tmaPtrs_{};

  // Tile-map cache: valid for one (shape, mask operands, generation).
  cuda::DeviceBuffer tileMap_;
  bool tileMapValid_ = false;
  AttentionShape mapShape_;
  AuxExtents mapExtents_;
  std::array<cuda::CUdeviceptr, kNumAuxBuffers> mapAux_{};
  uint64_t mapGeneration_ = 0;
  unsigned classifyLaunches_ = 0;
};

/// Host operands: q, k, v in the variant's element type (raw bits), the
/// auxiliary operands as in KernelABI.h (int32, int8, float, or the
/// bias/rel_emb element type), each sized by auxBytes().
struct HostOperands {
  const void *q = nullptr, *k = nullptr, *v = nullptr;
  std::array<const void *, kNumAuxBuffers> aux{};
  AuxExtents extents;
};

/// Device buffers for every operand of one shape.
class AttentionBuffers {
public:
  static Result<AttentionBuffers> allocate(const std::shared_ptr<cuda::Context> &ctx, const AttnVariant &v,
                                           const AttentionShape &shape, const AuxExtents &extents = {});
  /// Copies all inputs (InvalidArgument when a required one is missing).
  Status upload(const HostOperands &host);
  /// Fills out (and lse) with NaN, so that an element the kernel does not
  /// write shows up in a check.
  Status poisonOutputs();
  Status downloadOut(void *dst) const;
  Status downloadLse(float *dst) const;
  DeviceOperands operands() const;

private:
  AttnVariant variant_;
  AttentionShape shape_;
  AuxExtents extents_;
  cuda::DeviceBuffer q_, k_, v_, out_, lse_;
  std::array<cuda::DeviceBuffer, kNumAuxBuffers> aux_;
  uint64_t generation_ = 0;
};

} // namespace attnc::rt::gpu

#endif // ATTNC_RUNTIME_CUDA_ATTENTION_LAUNCHER_H
