//===- TileScheduleTest.cpp - TileSchedule.h against brute force ----------===//
//
// classifyQueryTile computes live/full key-tile ranges in O(1) per query
// tile; the code generators and the runtime trust it to skip tiles. Here it
// is compared, tile by tile, with enumerating every (i, j) pair, over random
// bands (bounded, half-bounded, unbounded, empty, far outside the matrix),
// sizes (odd, smaller than a tile) and bottom-right shifts.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/TileSchedule.h"

#include "TestSeed.h"

#include <gtest/gtest.h>

#include <random>

using attnc::tiling::classifyQueryTile;
using attnc::tiling::countTiles;
using attnc::tiling::DiagBand;
using attnc::tiling::KeyTileRange;

namespace {

struct BruteTile {
  bool live = false;
  bool full = true;
};

BruteTile bruteForce(const DiagBand &band, int64_t qt, int64_t kt, int64_t qTile, int64_t kTile, int64_t qLen,
                     int64_t kvLen, int64_t shift) {
  BruteTile t;
  for (int64_t i = qt * qTile; i < std::min(qLen, (qt + 1) * qTile); ++i)
    for (int64_t j = kt * kTile; j < std::min(kvLen, (kt + 1) * kTile); ++j) {
      bool in = band.contains(i, j, shift);
      t.live |= in;
      t.full &= in;
    }
  if (!band.exact)
    t.full = false;
  return t;
}

/// Checks every tile of one problem; returns the number of mismatches.
int checkProblem(const DiagBand &band, int64_t qTile, int64_t kTile, int64_t qLen, int64_t kvLen,
                 int64_t shift) {
  int bad = 0;
  int64_t numQ = attnc::tiling::ceilDiv(qLen, qTile), numK = attnc::tiling::ceilDiv(kvLen, kTile);
  int64_t live = 0, full = 0;
  for (int64_t qt = 0; qt < numQ; ++qt) {
    KeyTileRange r = classifyQueryTile(band, qt, qTile, kTile, qLen, kvLen, shift);
    EXPECT_LE(r.liveBegin, r.liveEnd);
    EXPECT_LE(r.fullBegin, r.fullEnd);
    if (r.numFull() > 0) {
      EXPECT_GE(r.fullBegin, r.liveBegin);
      EXPECT_LE(r.fullEnd, r.liveEnd);
    }
    for (int64_t kt = 0; kt < numK; ++kt) {
      BruteTile want = bruteForce(band, qt, kt, qTile, kTile, qLen, kvLen, shift);
      if (want.live != r.isLive(kt) || (want.live && want.full) != r.isFull(kt)) {
        ADD_FAILURE() << "tile (" << qt << ", " << kt << ") of " << qLen << "x" << kvLen << " tiles " << qTile
                      << "x" << kTile << " shift " << shift << " band [" << (band.hasLo ? std::to_string(band.lo) : "-inf")
                      << ", " << (band.hasHi ? std::to_string(band.hi) : "inf") << "] exact " << band.exact
                      << ": expected live " << want.live << " full " << (want.live && want.full) << ", got range live ["
                      << r.liveBegin << ", " << r.liveEnd << ") full [" << r.fullBegin << ", " << r.fullEnd << ")";
        ++bad;
      }
      live += want.live;
      full += want.live && want.full;
    }
  }
  attnc::tiling::TileCounts c = countTiles(band, qTile, kTile, qLen, kvLen, shift);
  EXPECT_EQ(c.live, live);
  EXPECT_EQ(c.full, full);
  EXPECT_EQ(c.total, numQ * numK);
  return bad;
}

} // namespace

TEST(TileSchedule, CausalHalfTheTiles) {
  DiagBand causal;
  causal.hasHi = true;
  causal.hi = 0;
  attnc::tiling::TileCounts c = countTiles(causal, 64, 64, 4096, 4096, 0);
  EXPECT_EQ(c.total, 64 * 64);
  EXPECT_EQ(c.live, 64 * 65 / 2);
  EXPECT_EQ(c.full, 64 * 63 / 2);
}

TEST(TileSchedule, WindowIsLinearInLength) {
  DiagBand window{true, true, -256, 0, true};
  // Each query tile of 64 rows touches at most 256/64 + 1 key tiles.
  for (int64_t len : {1024, 2048, 8192}) {
    attnc::tiling::TileCounts c = countTiles(window, 64, 64, len, len, 0);
    EXPECT_EQ(c.live, 5 * (len / 64) - (4 + 3 + 2 + 1)) << "L = " << len;
  }
}

TEST(TileSchedule, EmptyAndOutOfRange) {
  DiagBand far{true, true, 100000, 100001, true};
  EXPECT_EQ(countTiles(far, 16, 16, 64, 64, 0).live, 0);
  DiagBand huge{true, true, INT64_MIN / 2, INT64_MAX / 2, true};
  EXPECT_EQ(countTiles(huge, 16, 16, 64, 64, 0).full, 16);
  EXPECT_EQ(countTiles(DiagBand::all(), 16, 16, 0, 64, 0).total, 0);
  EXPECT_EQ(countTiles(DiagBand::all(), 16, 16, 64, 0, 0).live, 0);
}

TEST(TileSchedule, RandomBandsAgainstBruteForce) {
  uint64_t seed = attnc::test::testSeed();
  SCOPED_TRACE(attnc::test::seedTrace(seed));
  std::mt19937_64 rng(seed);
  auto uni = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int bad = 0;
  for (int iter = 0; iter < 3000 && bad < 5; ++iter) {
    int64_t qLen = uni(1, 150), kvLen = uni(1, 150);
    int64_t qTile = uni(1, 40), kTile = uni(1, 40);
    int64_t shift = uni(0, 1) ? kvLen - qLen : uni(-20, 20);
    DiagBand band;
    band.hasLo = uni(0, 3) != 0;
    band.hasHi = uni(0, 3) != 0;
    band.lo = uni(-200, 100);
    band.hi = uni(0, 3) == 0 ? band.lo - uni(1, 5) : band.lo + uni(0, 120); // sometimes empty
    band.exact = uni(0, 4) != 0;
    bad += checkProblem(band, qTile, kTile, qLen, kvLen, shift);
  }
  EXPECT_EQ(bad, 0);
}
