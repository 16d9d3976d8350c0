//===- TargetConfig.h - Tile sizes per target -------------------*- C++ -*-===//
//
// The kernel configuration, kept apart from the passes that apply it (as
// IREE does): which targets attnc knows, and the query/key tile sizes an
// attn.flash_attention gets on each. attn-tile-attention asks this file;
// a new target or a retuned table changes nothing else.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_TRANSFORMS_TARGETCONFIG_H
#define ATTNC_COMPILER_TRANSFORMS_TARGETCONFIG_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace mlir::attn {

class FlashAttentionOp;

enum class TargetKind {
  CpuX86Avx512,
  CpuX86Avx2,
  CudaSm80,
  CudaSm90,
};

struct Target {
  TargetKind kind = TargetKind::CpuX86Avx512;

  /// Parses a target name: "cpu" (the host: AVX-512 when it has avx512f,
  /// else AVX2), "cpu-x86-avx512", "cpu-x86-avx2", "cuda" (= "cuda-sm90"),
  /// "cuda-sm80", "cuda-sm90". std::nullopt for anything else.
  static std::optional<Target> parse(llvm::StringRef name);
  /// The x86 CPU this process runs on.
  static Target host();
  /// The names parse() accepts, for diagnostics.
  static llvm::StringRef knownNames();

  llvm::StringRef getName() const;
  bool isCuda() const { return kind == TargetKind::CudaSm80 || kind == TargetKind::CudaSm90; }
  /// f32 lanes of one vector register (CPU) or 0 (CUDA).
  int64_t vectorLanes() const;
};

struct TileConfig {
  int64_t qTile = 0;
  int64_t kTile = 0;
};

/// Tile sizes for `op` on `target`; see TargetConfig.cpp for the reasoning
/// behind each table entry.
TileConfig selectTileConfig(const Target &target, FlashAttentionOp op);

} // namespace mlir::attn

#endif // ATTNC_COMPILER_TRANSFORMS_TARGETCONFIG_H
