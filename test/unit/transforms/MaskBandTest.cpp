//===- MaskBandTest.cpp - analyzeMaskBand against the mask semantics ------===//
//
// Builds random positional masks (causal, window, strided, local2d nested in
// and/or), evaluates them pair by pair with a reference written from the
// attribute descriptions in AttnAttrs.td, and checks the promises the tile
// schedule relies on: every visible pair lies in the band; in an exact band
// every pair is visible; so a tile TileSchedule.h calls full has no hidden
// pair and a tile it calls dead has no visible one.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/MaskBand.h"

#include "TestSeed.h"

#include "dialects/Attn/IR/AttnDialect.h"
#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
using namespace mlir::attn;

namespace {

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t floorMod(int64_t a, int64_t b) { return a - floorDiv(a, b) * b; }

/// Is key j visible from query row i (position p = i + shift)?
bool visible(Attribute mask, int64_t i, int64_t j, int64_t shift) {
  int64_t p = i + shift;
  return llvm::TypeSwitch<Attribute, bool>(mask)
      .Case<CausalMaskAttr>([&](CausalMaskAttr c) { return j <= p + c.getOffset(); })
      .Case<WindowMaskAttr>([&](WindowMaskAttr w) { return p - w.getLeft() <= j && j <= p + w.getRight(); })
      .Case<StridedMaskAttr>([&](StridedMaskAttr s) {
        int64_t d = p - j;
        return (d < s.getStride() && -d < s.getStride()) || floorMod(d, s.getStride()) == 0;
      })
      .Case<Local2DMaskAttr>([&](Local2DMaskAttr m) {
        int64_t w = m.getWidth();
        int64_t qr = floorDiv(p, w), qc = floorMod(p, w);
        int64_t kr = floorDiv(j, w), kc = floorMod(j, w);
        int64_t r0 = floorDiv(qr, m.getBlockH()) * m.getBlockH();
        int64_t c0 = floorDiv(qc, m.getBlockW()) * m.getBlockW();
        bool rowOk = kr >= r0 - m.getMemTop() && kr <= r0 + m.getBlockH() - 1;
        bool colOk = kc >= c0 - m.getMemLeft() && kc <= c0 + m.getBlockW() - 1 + m.getMemRight();
        return rowOk && colOk && (!m.getCausal() || j <= p);
      })
      .Case<AndMaskAttr>([&](AndMaskAttr a) {
        return llvm::all_of(a.getMasks(), [&](Attribute m) { return visible(m, i, j, shift); });
      })
      .Case<OrMaskAttr>([&](OrMaskAttr o) {
        return llvm::any_of(o.getMasks(), [&](Attribute m) { return visible(m, i, j, shift); });
      })
      .Default([](Attribute) -> bool {
        ADD_FAILURE() << "not a positional mask";
        return false;
      });
}

class MaskGen {
public:
  MaskGen(MLIRContext *ctx, uint64_t seed) : ctx(ctx), rng(seed) {}

  int64_t uni(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

  Attribute leaf() {
    switch (uni(0, 5)) {
    case 0:
    case 1:
      return CausalMaskAttr::get(ctx, uni(0, 2) ? 0 : uni(-30, 30));
    case 2:
    case 3:
      return WindowMaskAttr::get(ctx, uni(0, 40), uni(0, 2) ? 0 : uni(0, 40));
    case 4:
      return StridedMaskAttr::get(ctx, uni(1, 12));
    default:
      return Local2DMaskAttr::get(ctx, uni(1, 16), uni(1, 4), uni(1, 4), uni(0, 4), uni(0, 4), uni(0, 4),
                                  uni(0, 1));
    }
  }

  Attribute tree(int depth) {
    if (depth == 0 || uni(0, 2) == 0)
      return leaf();
    SmallVector<Attribute> members;
    for (int64_t n = uni(2, 3); n > 0; --n)
      members.push_back(tree(depth - 1));
    if (uni(0, 1))
      return AndMaskAttr::get(ctx, members);
    return OrMaskAttr::get(ctx, members);
  }

private:
  MLIRContext *ctx;
  std::mt19937_64 rng;
};

std::string str(Attribute a) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << a;
  return s;
}

} // namespace

TEST(MaskBand, Schedules) {
  MLIRContext ctx;
  ctx.loadDialect<AttnDialect>();
  EXPECT_EQ(analyzeMaskBand({}).schedule, TileSchedule::dense);
  MaskBandInfo causal = analyzeMaskBand(CausalMaskAttr::get(&ctx, 0));
  EXPECT_EQ(causal.schedule, TileSchedule::band);
  EXPECT_TRUE(causal.band.exact && causal.band.hasHi && !causal.band.hasLo);
  MaskBandInfo padded =
      analyzeMaskBand(AndMaskAttr::get(&ctx, {CausalMaskAttr::get(&ctx, 0), PaddingMaskAttr::get(&ctx)}));
  EXPECT_EQ(padded.schedule, TileSchedule::runtime);
  EXPECT_TRUE(padded.band.hasHi && padded.band.hi == 0 && !padded.band.exact);
  MaskBandInfo either =
      analyzeMaskBand(OrMaskAttr::get(&ctx, {CausalMaskAttr::get(&ctx, 0), PaddingMaskAttr::get(&ctx)}));
  EXPECT_EQ(either.schedule, TileSchedule::runtime);
  EXPECT_FALSE(either.band.hasLo || either.band.hasHi);
}

TEST(MaskBand, RandomMasksAgainstReference) {
  MLIRContext ctx;
  ctx.loadDialect<AttnDialect>();
  uint64_t seed = attnc::test::testSeed();
  SCOPED_TRACE(attnc::test::seedTrace(seed));
  MaskGen gen(&ctx, seed);
  int failures = 0;
  for (int iter = 0; iter < 600 && failures < 5; ++iter) {
    Attribute mask = gen.tree(2);
    MaskBandInfo info = analyzeMaskBand(mask);
    ASSERT_EQ(info.schedule, TileSchedule::band) << str(mask);
    int64_t qLen = gen.uni(1, 70), kvLen = gen.uni(1, 70);
    int64_t shift = gen.uni(0, 1) ? kvLen - qLen : 0;
    int64_t qTile = gen.uni(1, 16), kTile = gen.uni(1, 16);
    bool anyVisible = false;
    for (int64_t i = 0; i < qLen; ++i)
      for (int64_t j = 0; j < kvLen; ++j) {
        bool vis = visible(mask, i, j, shift);
        bool in = info.band.contains(i, j, shift);
        anyVisible |= vis;
        if ((vis && !in) || (info.band.exact && in && !vis)) {
          ADD_FAILURE() << str(mask) << ": pair (" << i << ", " << j << ") shift " << shift << " visible " << vis
                        << " but in band " << in << " (exact " << info.band.exact << ")";
          ++failures;
          i = qLen;
          break;
        }
      }
    if (info.empty) {
      EXPECT_FALSE(anyVisible) << str(mask) << " was reported empty";
    }

    // The promise the kernels rely on, tile by tile.
    for (int64_t qt = 0; qt * qTile < qLen; ++qt) {
      attnc::tiling::KeyTileRange r =
          attnc::tiling::classifyQueryTile(info.band, qt, qTile, kTile, qLen, kvLen, shift);
      for (int64_t kt = 0; kt * kTile < kvLen; ++kt) {
        bool anyVis = false, allVis = true;
        for (int64_t i = qt * qTile; i < std::min(qLen, (qt + 1) * qTile); ++i)
          for (int64_t j = kt * kTile; j < std::min(kvLen, (kt + 1) * kTile); ++j) {
            bool v = visible(mask, i, j, shift);
            anyVis |= v;
            allVis &= v;
          }
        if ((anyVis && !r.isLive(kt)) || (r.isFull(kt) && !allVis)) {
          ADD_FAILURE() << str(mask) << ": tile (" << qt << ", " << kt << ") any " << anyVis << " all " << allVis
                        << " classified live " << r.isLive(kt) << " full " << r.isFull(kt);
          ++failures;
        }
      }
    }
  }
  EXPECT_EQ(failures, 0);
}
