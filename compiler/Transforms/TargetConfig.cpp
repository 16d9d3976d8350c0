//===- TargetConfig.cpp - Tile sizes per target ---------------------------===//
//
// The tables behind selectTileConfig. The numbers are starting points that
// fit the memory of each target; attn-tile-attention's q-tile/k-tile options
// (and attnc's matching flags) override them for tuning.
//
//  CPU: a query tile keeps its rows of Q, the f32 output accumulator and the
//  q_tile x k_tile score block in L1/L2 while K/V tiles stream through; the
//  key tile is a multiple of the vector width so a score row is whole
//  vectors (4 zmm on AVX-512, 4 ymm on AVX2). Measured on Zen 5 (AVX-512,
//  docs/performance.md): 32 x 64 was at least as fast as 16, 48 or 64 x 64 and 32 x 128
//  for full attention at D = 64 and 128; a narrow diagonal band (a local
//  window) takes 32-key tiles instead, since a 64-key tile grid around a
//  band of w keys visits ~w + 64 of them per row (+25% at w = 256): 32 is
//  worth 5-7 points of the FMA peak there, and neutral for causal.
//
//  CUDA: FlashAttention-2's forward tiles (Br x Bc) for 16-bit operands:
//  128x128 up to head_dim 64, then 128x64 on sm80 (164 KiB shared memory)
//  and 128x128 on sm90 (228 KiB) up to 128, smaller beyond. f32 operands
//  take twice the shared memory, so their key tile is halved.
//
//  Short static sequences (decoding, q_len = 1) shrink the tile to the next
//  power of two, but not below one MMA fragment (16) on CUDA or one vector
//  of keys on CPU.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/TargetConfig.h"

#include "compiler/Transforms/MaskBand.h"
#include "dialects/Attn/IR/AttnOps.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;

std::optional<Target> Target::parse(llvm::StringRef name) {
  if (name == "cpu")
    return host();
  return llvm::StringSwitch<std::optional<Target>>(name)
      .Case("cpu-x86-avx512", Target{TargetKind::CpuX86Avx512})
      .Case("cpu-x86-avx2", Target{TargetKind::CpuX86Avx2})
      .Cases({"cuda", "cuda-sm90"}, Target{TargetKind::CudaSm90})
      .Case("cuda-sm80", Target{TargetKind::CudaSm80})
      .Default(std::nullopt);
}

Target Target::host() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  auto it = features.find("avx512f");
  bool avx512 = it != features.end() && it->second;
  return Target{avx512 ? TargetKind::CpuX86Avx512 : TargetKind::CpuX86Avx2};
}

llvm::StringRef Target::knownNames() {
  return "cpu, cpu-x86-avx512, cpu-x86-avx2, cuda, cuda-sm80, cuda-sm90";
}

llvm::StringRef Target::getName() const {
  switch (kind) {
  case TargetKind::CpuX86Avx512:
    return "cpu-x86-avx512";
  case TargetKind::CpuX86Avx2:
    return "cpu-x86-avx2";
  case TargetKind::CudaSm80:
    return "cuda-sm80";
  case TargetKind::CudaSm90:
    return "cuda-sm90";
  }
  return "unknown";
}

int64_t Target::vectorLanes() const {
  switch (kind) {
  case TargetKind::CpuX86Avx512:
    return 16;
  case TargetKind::CpuX86Avx2:
    return 8;
  case TargetKind::CudaSm80:
  case TargetKind::CudaSm90:
    return 0;
  }
  return 0;
}

/// Shrinks `tile` towards a short static length `len`, not below `floor`.
static int64_t fitTile(int64_t tile, int64_t len, int64_t floor) {
  if (ShapedType::isDynamic(len) || len >= tile)
    return tile;
  int64_t fitted = static_cast<int64_t>(llvm::PowerOf2Ceil(static_cast<uint64_t>(std::max<int64_t>(len, 1))));
  return std::min(tile, std::max(fitted, floor));
}

TileConfig mlir::attn::selectTileConfig(const Target &target, FlashAttentionOp op) {
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  auto kType = cast<RankedTensorType>(op.getK().getType());
  int64_t headDim = qType.getDimSize(3);
  if (ShapedType::isDynamic(headDim))
    headDim = 128;
  bool wide = qType.getElementType().isF32() || kType.getElementType().isF32();

  TileConfig c;
  int64_t qFloor = 1, kFloor = 1;
  switch (target.kind) {
  case TargetKind::CpuX86Avx512: {
    MaskBandInfo info = op.getMaskAttr() ? analyzeMaskBand(op.getMaskAttr()) : MaskBandInfo{};
    bool narrowBand = info.band.hasLo && info.band.hasHi && info.band.hi - info.band.lo < 1024;
    c = TileConfig{headDim <= 128 ? 32 : 16, narrowBand ? 32 : 64};
    kFloor = 16;
    break;
  }
  case TargetKind::CpuX86Avx2:
    c = headDim <= 128 ? TileConfig{32, 32} : TileConfig{16, 32};
    kFloor = 8;
    break;
  case TargetKind::CudaSm80:
    c = headDim <= 64 ? TileConfig{128, 128} : headDim <= 128 ? TileConfig{128, 64} : TileConfig{64, 64};
    qFloor = kFloor = 16;
    break;
  case TargetKind::CudaSm90:
    c = headDim <= 128 ? TileConfig{128, 128} : TileConfig{128, 64};
    qFloor = kFloor = 16;
    break;
  }
  if (target.isCuda() && wide)
    c.kTile = std::max<int64_t>(c.kTile / 2, 32);

  c.qTile = fitTile(c.qTile, qType.getDimSize(2), qFloor);
  c.kTile = fitTile(c.kTile, kType.getDimSize(2), kFloor);
  return c;
}
