//===- MaskBand.cpp - Diagonal band of a mask attribute -------------------===//
//
// The per-mask band rules and their combination through and/or. Bounds of
// inexact masks only need to contain every visible pair; they are chosen
// as tight as cheap reasoning allows, since a looser band only costs the
// kernel tiles that the mask then hides.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/MaskBand.h"

#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::attn;
using attnc::tiling::DiagBand;

namespace {
/// A band plus whether it is data-dependent (then it is only a bound).
struct Piece {
  DiagBand band;
  bool data = false;
  bool empty = false;
};
} // namespace

static Piece bounded(std::optional<int64_t> lo, std::optional<int64_t> hi, bool exact) {
  Piece p;
  p.band.hasLo = lo.has_value();
  p.band.hasHi = hi.has_value();
  p.band.lo = lo.value_or(0);
  p.band.hi = hi.value_or(0);
  p.band.exact = exact;
  return p;
}

static Piece intersect(ArrayRef<Piece> ps) {
  Piece r = bounded(std::nullopt, std::nullopt, /*exact=*/true);
  for (const Piece &p : ps) {
    if (p.band.hasLo) {
      r.band.lo = r.band.hasLo ? std::max(r.band.lo, p.band.lo) : p.band.lo;
      r.band.hasLo = true;
    }
    if (p.band.hasHi) {
      r.band.hi = r.band.hasHi ? std::min(r.band.hi, p.band.hi) : p.band.hi;
      r.band.hasHi = true;
    }
    r.band.exact &= p.band.exact && !p.data;
    r.data |= p.data;
    r.empty |= p.empty;
  }
  if (r.band.hasLo && r.band.hasHi && r.band.lo > r.band.hi)
    r.empty = true;
  return r;
}

static Piece hull(ArrayRef<Piece> ps) {
  // Empty members contribute nothing to a union.
  SmallVector<Piece> live;
  for (const Piece &p : ps)
    if (!p.empty)
      live.push_back(p);
  if (live.empty()) {
    Piece r = ps.front();
    r.empty = true;
    return r;
  }
  Piece r = live.front();
  for (const Piece &p : ArrayRef<Piece>(live).drop_front()) {
    r.band.hasLo = r.band.hasLo && p.band.hasLo;
    r.band.hasHi = r.band.hasHi && p.band.hasHi;
    r.band.lo = std::min(r.band.lo, p.band.lo);
    r.band.hi = std::max(r.band.hi, p.band.hi);
    r.band.exact &= p.band.exact;
    r.data |= p.data;
  }
  if (r.band.exact) {
    // The union of integer intervals is an interval iff, sorted by lower
    // bound, each starts at most one past the furthest end so far.
    SmallVector<Piece> sorted(live);
    llvm::sort(sorted, [](const Piece &a, const Piece &b) {
      if (a.band.hasLo != b.band.hasLo)
        return !a.band.hasLo;
      return a.band.lo < b.band.lo;
    });
    bool reachInf = !sorted.front().band.hasHi;
    int64_t reach = sorted.front().band.hi;
    for (const Piece &p : ArrayRef<Piece>(sorted).drop_front()) {
      if (!reachInf && p.band.hasLo && p.band.lo > reach + 1) {
        r.band.exact = false;
        break;
      }
      if (!p.band.hasHi)
        reachInf = true;
      else
        reach = std::max(reach, p.band.hi);
    }
  }
  return r;
}

static Piece analyze(Attribute mask) {
  return TypeSwitch<Attribute, Piece>(mask)
      .Case<CausalMaskAttr>([](CausalMaskAttr c) { return bounded(std::nullopt, c.getOffset(), true); })
      .Case<WindowMaskAttr>([](WindowMaskAttr w) { return bounded(-w.getLeft(), w.getRight(), true); })
      .Case<StridedMaskAttr>([](auto) { return bounded(std::nullopt, std::nullopt, false); })
      .Case<Local2DMaskAttr>([](Local2DMaskAttr m) {
        // Key and query rows differ by at most block_h - 1 (+ mem_top above),
        // columns by at most width - 1, in raster order d = drow*width + dcol.
        int64_t w = m.getWidth();
        int64_t lo = -(m.getBlockH() - 1 + m.getMemTop()) * w - (w - 1);
        int64_t hi = (m.getBlockH() - 1) * w + (w - 1);
        if (m.getCausal())
          hi = std::min<int64_t>(hi, 0);
        return bounded(lo, hi, false);
      })
      .Case<AndMaskAttr>([](AndMaskAttr a) {
        SmallVector<Piece> ps;
        for (Attribute m : a.getMasks())
          ps.push_back(analyze(m));
        return intersect(ps);
      })
      .Case<OrMaskAttr>([](OrMaskAttr o) {
        SmallVector<Piece> ps;
        for (Attribute m : o.getMasks())
          ps.push_back(analyze(m));
        return hull(ps);
      })
      .Default([](Attribute) {
        // padding, prefix_lm, document, graph, block_sparse, explicit.
        Piece p = bounded(std::nullopt, std::nullopt, false);
        p.data = true;
        return p;
      });
}

MaskBandInfo mlir::attn::analyzeMaskBand(Attribute mask) {
  MaskBandInfo info;
  if (!mask)
    return info;
  Piece p = analyze(mask);
  info.band = p.band;
  info.schedule = p.data ? TileSchedule::runtime : TileSchedule::band;
  if (p.data)
    info.band.exact = false;
  if (p.empty) {
    // Keep one diagonal so that the attribute stays a valid band; the mask,
    // evaluated on it, hides every pair.
    info.empty = true;
    int64_t d = info.band.hasLo ? info.band.lo : info.band.hi;
    info.band = DiagBand{true, true, d, d, /*exact=*/false};
  }
  return info;
}

bool mlir::attn::usesPositions(Attribute attr) {
  return TypeSwitch<Attribute, bool>(attr)
      .Case<CausalMaskAttr, WindowMaskAttr, StridedMaskAttr, PrefixLMMaskAttr, Local2DMaskAttr,
            AlibiAttr, RelEmbAttr, T5BiasAttr>([](auto) { return true; })
      .Case<AndMaskAttr, OrMaskAttr>([](auto list) {
        return llvm::any_of(list.getMasks(), [](Attribute m) { return usesPositions(m); });
      })
      .Default([](Attribute) { return false; });
}
