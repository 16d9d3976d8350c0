//===- TileAttention.cpp - Tile sizes and schedule of flash attention -----===//
//
// attn-tile-attention: gives every attn.flash_attention its #attn.tiling.
// Tile sizes come from TargetConfig (or the pass options); the schedule and
// diagonal band from MaskBand; with static lengths the live/full tile counts
// from TileSchedule.h, the classification the kernels themselves use, so
// that the attribute says exactly what the generated code will visit.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/MaskBand.h"
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/TargetConfig.h"
#include "compiler/Transforms/TileSchedule.h"

#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNTILEATTENTION
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

struct TileAttention : mlir::attn::impl::AttnTileAttentionBase<TileAttention> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override {
    std::optional<Target> t = Target::parse(target);
    if (!t)
      return emitError(UnknownLoc::get(ctx))
             << "attn-tile-attention: unknown target '" << target << "' (known: "
             << Target::knownNames() << ")";
    if (qTile < 0 || kTile < 0)
      return emitError(UnknownLoc::get(ctx))
             << "attn-tile-attention: tile sizes must be positive (0 selects the target's), got q-tile = "
             << static_cast<int64_t>(qTile) << ", k-tile = " << static_cast<int64_t>(kTile);
    resolved = *t;
    return success();
  }

  void runOnOperation() override {
    getOperation()->walk([&](FlashAttentionOp op) { op.setTilingAttr(tile(op)); });
  }

  TilingAttr tile(FlashAttentionOp op) {
    TileConfig cfg = selectTileConfig(resolved, op);
    if (qTile > 0)
      cfg.qTile = qTile;
    if (kTile > 0)
      cfg.kTile = kTile;

    MaskBandInfo info = analyzeMaskBand(op.getMaskAttr());
    if (info.empty)
      op.emitWarning() << "the mask hides every (query, key) pair; every output row will be 0";
    const attnc::tiling::DiagBand &band = info.band;
    std::optional<int64_t> lo, hi, live, full;
    if (info.schedule != TileSchedule::dense) {
      if (band.hasLo)
        lo = band.lo;
      if (band.hasHi)
        hi = band.hi;
    }

    // Counts are exact only where the schedule is known at compile time.
    int64_t qLen = cast<RankedTensorType>(op.getQ().getType()).getDimSize(2);
    int64_t kvLen = cast<RankedTensorType>(op.getK().getType()).getDimSize(2);
    if (info.schedule != TileSchedule::runtime && !ShapedType::isDynamic(qLen) &&
        !ShapedType::isDynamic(kvLen)) {
      int64_t shift = op.getBottomRight() ? kvLen - qLen : 0;
      attnc::tiling::DiagBand b =
          info.schedule == TileSchedule::dense ? attnc::tiling::DiagBand::all() : band;
      attnc::tiling::TileCounts counts =
          attnc::tiling::countTiles(b, cfg.qTile, cfg.kTile, qLen, kvLen, shift);
      live = counts.live;
      full = counts.full;
    }
    bool partial = info.schedule == TileSchedule::band && !band.exact;
    return TilingAttr::get(op.getContext(), cfg.qTile, cfg.kTile, info.schedule, lo, hi, live, full,
                           partial ? 1 : 0);
  }

  Target resolved;
};

} // namespace
