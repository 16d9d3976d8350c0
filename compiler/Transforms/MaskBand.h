//===- MaskBand.h - Diagonal band of a mask attribute -----------*- C++ -*-===//
//
// Turns a mask attribute into the tile schedule it allows and the diagonal
// band that bounds its visible pairs. attn-tile-attention records the result
// in #attn.tiling; code generators that need to re-derive it (or check a
// hand-written tiling) call the same function, so both agree by construction.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_TRANSFORMS_MASKBAND_H
#define ATTNC_COMPILER_TRANSFORMS_MASKBAND_H

#include "compiler/Transforms/TileSchedule.h"
#include "dialects/Attn/IR/AttnAttrs.h"

namespace mlir::attn {

struct MaskBandInfo {
  TileSchedule schedule = TileSchedule::dense;
  /// Bounds every visible pair. `band.exact` says the mask *is* the band
  /// (always false for the runtime schedule).
  attnc::tiling::DiagBand band;
  /// The band's intersection is empty: no pair is visible at all. `band` is
  /// then a single (inexact) diagonal so that the schedule stays valid.
  bool empty = false;
};

/// The schedule and band of `mask` (null: no mask, dense).
///  - causal<offset>:   d <= offset                      (exact)
///  - window<l, r>:     -l <= d <= r                      (exact)
///  - strided, local2d: a bound only                      (inexact)
///  - data-dependent:   unbounded, schedule = runtime
///  - and: intersection, exact iff every member is;
///  - or:  hull, exact iff every member is and they leave no gap.
/// where d = j - (i + shift).
MaskBandInfo analyzeMaskBand(Attribute mask);

/// True when the mask or modifier reads positions, so that `bottom_right`
/// changes its meaning (when q_len != kv_len).
bool usesPositions(Attribute maskOrModifier);

} // namespace mlir::attn

#endif // ATTNC_COMPILER_TRANSFORMS_MASKBAND_H
