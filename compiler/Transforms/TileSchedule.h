//===- TileSchedule.h - Live/full key tiles of a banded mask ----*- C++ -*-===//
//
// The tile classification that `attn-tile-attention`, the CPU and CUDA code
// generators and the runtime must agree on, written as plain int64 math with
// no LLVM or MLIR types so that the LLVM-free runtime can include (or copy)
// it unchanged.
//
// A band is a set of diagonals: the pair (query row i, key column j) lies in
// it when  lo <= j - (i + shift) <= hi,  with either side possibly unbounded
// and shift = kv_len - q_len for bottom-right aligned masks (0 otherwise).
// For a query tile the key tiles holding at least one pair of the band form
// one contiguous range (a band is convex along every row), and so do the key
// tiles lying entirely inside it. When the band is `exact` (the mask is the
// band: causal, window and intersections of those) the second range is the
// set of *full* tiles, which need no mask evaluation; otherwise the band only
// bounds the visible pairs and no tile is full.
//
//      causal, 4x4 tiles           window (left = 1 tile)
//      k0 k1 k2 k3                 k0 k1 k2 k3
//  q0 [ \  .  .  . ]           q0 [ \  .  .  . ]      # full: no mask work
//  q1 [ #  \  .  . ]           q1 [ \  \  .  . ]      \ partial: mask per pair
//  q2 [ #  #  \  . ]           q2 [ .  \  \  . ]      . dead: never visited
//  q3 [ #  #  #  \ ]           q3 [ .  .  \  \ ]
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_TRANSFORMS_TILESCHEDULE_H
#define ATTNC_COMPILER_TRANSFORMS_TILESCHEDULE_H

#include <algorithm>
#include <cstdint>

namespace attnc::tiling {

/// Diagonals lo <= j - (i + shift) <= hi; a side without `has*` is unbounded.
struct DiagBand {
  bool hasLo = false;
  bool hasHi = false;
  int64_t lo = 0;
  int64_t hi = 0;
  /// The mask is exactly this band: every pair inside it is visible.
  bool exact = true;

  static DiagBand all() { return DiagBand{}; }

  /// True when (i, j) lies inside the band.
  bool contains(int64_t i, int64_t j, int64_t shift) const {
    int64_t d = j - (i + shift);
    return (!hasLo || d >= lo) && (!hasHi || d <= hi);
  }
};

/// Key tiles of one query tile: [liveBegin, liveEnd) may hold visible pairs,
/// [fullBegin, fullEnd) is the sub-range whose every pair is visible. Both
/// ranges are empty (begin == end) when there is nothing to visit.
struct KeyTileRange {
  int64_t liveBegin = 0;
  int64_t liveEnd = 0;
  int64_t fullBegin = 0;
  int64_t fullEnd = 0;

  int64_t numLive() const { return liveEnd - liveBegin; }
  int64_t numFull() const { return fullEnd - fullBegin; }
  bool isFull(int64_t kt) const { return kt >= fullBegin && kt < fullEnd; }
  bool isLive(int64_t kt) const { return kt >= liveBegin && kt < liveEnd; }
};

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

namespace detail {
/// Clamps a diagonal to a range that every pair of a qLen x kvLen problem
/// covers with a margin, so that the sums below cannot overflow even for
/// absurd offsets (attribute values are user input).
inline int64_t clampDiag(int64_t d, int64_t qLen, int64_t kvLen, int64_t shift) {
  int64_t s = shift < 0 ? -shift : shift;
  int64_t lim = qLen + kvLen + s + 2;
  return std::min(std::max(d, -lim), lim);
}
} // namespace detail

/// Classifies the key tiles of query tile `qt` (rows [qt*qTile, ...)).
/// Requires qTile, kTile > 0, qLen, kvLen >= 0 and 0 <= qt < ceil(qLen/qTile).
inline KeyTileRange classifyQueryTile(const DiagBand &band, int64_t qt, int64_t qTile,
                                      int64_t kTile, int64_t qLen, int64_t kvLen,
                                      int64_t shift) {
  KeyTileRange r;
  int64_t i0 = qt * qTile;
  int64_t i1 = std::min(qLen, i0 + qTile) - 1;
  if (i1 < i0 || kvLen <= 0 || (band.hasLo && band.hasHi && band.lo > band.hi))
    return r;
  int64_t numK = ceilDiv(kvLen, kTile);
  int64_t lo = band.hasLo ? detail::clampDiag(band.lo, qLen, kvLen, shift) : 0;
  int64_t hi = band.hasHi ? detail::clampDiag(band.hi, qLen, kvLen, shift) : 0;

  // Columns holding a pair of the band for some row in [i0, i1].
  int64_t a = band.hasLo ? std::max<int64_t>(0, i0 + shift + lo) : 0;
  int64_t b = band.hasHi ? std::min<int64_t>(kvLen - 1, i1 + shift + hi) : kvLen - 1;
  if (a > b)
    return r;
  r.liveBegin = a / kTile;
  r.liveEnd = b / kTile + 1;
  r.fullBegin = r.fullEnd = r.liveBegin;
  if (!band.exact)
    return r;

  // Columns inside the band for every row in [i0, i1]; a tile is full when
  // all its (in-bounds) columns are.
  int64_t fa = band.hasLo ? std::max<int64_t>(0, i1 + shift + lo) : 0;
  int64_t fb = band.hasHi ? std::min<int64_t>(kvLen - 1, i0 + shift + hi) : kvLen - 1;
  if (fa > fb)
    return r;
  int64_t first = ceilDiv(fa, kTile);
  int64_t end = fb == kvLen - 1 ? numK : (fb + 1) / kTile;
  if (first < end) {
    r.fullBegin = first;
    r.fullEnd = end;
  }
  return r;
}

/// Tile totals over the whole qLen x kvLen problem (one head).
struct TileCounts {
  int64_t live = 0;
  int64_t full = 0;
  int64_t total = 0;
};

inline TileCounts countTiles(const DiagBand &band, int64_t qTile, int64_t kTile, int64_t qLen,
                             int64_t kvLen, int64_t shift) {
  TileCounts c;
  int64_t numQ = ceilDiv(qLen, qTile), numK = ceilDiv(kvLen, kTile);
  c.total = numQ * numK;
  for (int64_t qt = 0; qt < numQ; ++qt) {
    KeyTileRange r = classifyQueryTile(band, qt, qTile, kTile, qLen, kvLen, shift);
    c.live += r.numLive();
    c.full += r.numFull();
  }
  return c;
}

} // namespace attnc::tiling

#endif // ATTNC_COMPILER_TRANSFORMS_TILESCHEDULE_H
