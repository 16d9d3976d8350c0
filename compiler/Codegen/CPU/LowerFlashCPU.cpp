//===- LowerFlashCPU.cpp - attn.flash_attention -> vectorised CPU kernel --===//
//
// attn-lower-flash-cpu: outlines every tiled attn.flash_attention into a
// kernel function with the C ABI of runtime/cpu/KernelABI.h and builds its
// body from scf/vector/memref/math ops.
//
// Layout choice: the vector lanes are *query rows*. Q^T of a query tile is
// packed once per work item (pre-multiplied by the scale), scores are
// computed transposed (S^T[j] = sum_d k[j][d] * Q^T[d], a broadcast-FMA
// micro-kernel register-blocked over several keys and row vectors), so the
// running max, the rescaling and the row sums of the online softmax are all
// element-wise vector ops, and the output accumulator O^T (Dv x q_tile,
// L1-resident) is updated with broadcast-FMAs of v[j][dv] against P^T[j].
// Nothing needs a horizontal reduction; the one transpose happens when a
// finished tile is written out.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/KernelMetadata.h"
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Transforms/MaskBand.h"
#include "dialects/Attn/IR/AttnOps.h"
#include "runtime/cpu/KernelABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNLOWERFLASHCPU
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Register blocking derived from the tile sizes and the vector width.
struct KernelShape {
  int64_t qTile, kTile, lanes, rowVecs, keyBlock, dvBlock, headDim, valueDim;
};

/// Largest c in [1, limit] that divides n (n > 0).
int64_t largestDivisorUpTo(int64_t n, int64_t limit) {
  for (int64_t c = std::max<int64_t>(1, limit); c > 1; --c)
    if (n % c == 0)
      return c;
  return 1;
}

KernelShape chooseShape(int64_t qTileIn, int64_t kTileIn, int64_t lanes, int64_t d, int64_t dv) {
  KernelShape s;
  s.lanes = lanes;
  // Query rows are lanes: round the query tile up to whole vectors.
  s.qTile = std::max<int64_t>(lanes, (qTileIn + lanes - 1) / lanes * lanes);
  s.kTile = std::max<int64_t>(1, kTileIn);
  s.rowVecs = s.qTile / lanes;
  // Both micro-kernels keep half of the vector registers as accumulators
  // (16 of AVX-512's 32 zmm, 8 of AVX2's 16 ymm). More (24 was tried) makes
  // LLVM spill: it unrolls the d loop by two and hoists that iteration's
  // broadcasts into registers, so the operands need the other half. On Zen
  // 5 the move from 24 to 16 score accumulators took full attention from
  // 68% to 86% of the FMA peak (D=128, L=4096).
  int64_t accumulators = lanes >= 16 ? 16 : 8;
  int64_t perRowVecs = std::max<int64_t>(1, accumulators / s.rowVecs);
  // A key block that divides the key tile leaves no keys to the one-key
  // remainder loop, whose few accumulator chains are FMA-latency bound; an
  // odd tile size keeps the full block and the remainder.
  s.keyBlock = largestDivisorUpTo(s.kTile, perRowVecs);
  if (2 * s.keyBlock <= perRowVecs)
    s.keyBlock = perRowVecs;
  // The value loop has no remainder: the block divides Dv.
  s.dvBlock = largestDivisorUpTo(dv, perRowVecs);
  s.headDim = d;
  s.valueDim = dv;
  return s;
}

/// The T5 bucket thresholds: for n >= max_exact, the bucket is
/// max_exact + #{k : n >= thresholds[k]} (then clamped). Computed here with
/// the very formula of the reference (HuggingFace's, in double) so that the
/// kernel needs neither a log nor a table and agrees bit-for-bit on buckets.
SmallVector<int64_t> t5Thresholds(int64_t numBuckets, int64_t maxDistance, bool bidirectional,
                                  int64_t &maxExact, int64_t &effBuckets) {
  effBuckets = bidirectional ? numBuckets / 2 : numBuckets;
  maxExact = effBuckets / 2;
  SmallVector<int64_t> thr;
  if (maxExact <= 0)
    return thr;
  auto large = [&](int64_t n) {
    return maxExact + static_cast<int64_t>(std::log(double(n) / double(maxExact)) /
                                           std::log(double(maxDistance) / double(maxExact)) *
                                           double(effBuckets - maxExact));
  };
  int64_t n = maxExact;
  for (int64_t k = 1; maxExact + k <= effBuckets - 1; ++k) {
    while (n < (int64_t(1) << 30) && large(n) < maxExact + k)
      ++n;
    thr.push_back(n);
  }
  return thr;
}

class KernelEmitter {
public:
  KernelEmitter(FlashAttentionOp op, ImplicitLocOpBuilder &b, KernelShape shape)
      : op(op), b(b), ks(shape) {
    f32 = b.getF32Type();
    i32 = b.getI32Type();
    vf = VectorType::get({ks.lanes}, f32);
    vi = VectorType::get({ks.lanes}, i32);
    vb = VectorType::get({ks.lanes}, b.getI1Type());
    mask = op.getMaskAttr();
    MaskBandInfo info = analyzeMaskBand(mask);
    band = info.band;
    schedule = op.getTiling()->getSchedule();
  }

  /// Builds the body of `func` (entry block already has the ABI arguments).
  void emit(func::FuncOp func);

private:
  // Constants and small helpers.
  Value cIdx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value cI32(int64_t v) { return arith::ConstantIntOp::create(b, v, 32); }
  Value cF32(double v) { return arith::ConstantFloatOp::create(b, cast<FloatType>(f32), APFloat(float(v))); }
  Value splatF(double v) {
    return arith::ConstantOp::create(b, vf, DenseElementsAttr::get(vf, b.getF32FloatAttr(float(v))));
  }
  Value splatI(int64_t v) {
    return arith::ConstantOp::create(b, vi, DenseElementsAttr::get(vi, b.getI32IntegerAttr(v)));
  }
  Value bcast(Value scalar) {
    Type t = scalar.getType();
    return vector::BroadcastOp::create(b, VectorType::get({ks.lanes}, t), scalar);
  }
  Value toI32(Value idx) { return arith::IndexCastOp::create(b, i32, idx); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value minI(Value x, Value y) { return arith::MinSIOp::create(b, x, y); }
  Value maxI(Value x, Value y) { return arith::MaxSIOp::create(b, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) { return arith::CmpIOp::create(b, p, x, y); }
  Value sel(Value c, Value x, Value y) { return arith::SelectOp::create(b, c, x, y); }
  Value load(Value mem, Value idx) { return memref::LoadOp::create(b, mem, ValueRange{idx}); }
  void store(Value v, Value mem, Value idx) { memref::StoreOp::create(b, v, mem, ValueRange{idx}); }
  Value vload(Value mem, Value idx) { return vector::LoadOp::create(b, vf, mem, ValueRange{idx}); }
  void vstore(Value v, Value mem, Value idx) { vector::StoreOp::create(b, v, mem, ValueRange{idx}); }
  Value param(int p) { return params[p]; }
  Value aux(unsigned slot) { return auxArgs[slot]; }
  /// exp(x) for the softmax's arguments, which are <= 0 or -inf (a score
  /// minus the running max). Cheaper than the general approximation that
  /// attn-approximate-math would apply (14 vector ops instead of ~22, which
  /// was 8-12% of the kernel's time at D = 128/64): 2^n comes from the bits
  /// of x*log2(e) + (1.5*2^23 + 127), whose low mantissa bits are then n+127,
  /// and e^r, |r| <= ln(2)/2, is its degree-6 Taylor polynomial (truncation
  /// error < 1.2e-7 relative, about 1 ulp). Below -87 the result is exactly 0
  /// (so a -inf score contributes nothing and a fully masked row keeps a
  /// zero sum); the formula also holds for x up to 88.
  Value expNonPositive(Value x) {
    constexpr double kMagic = 12582912.0 + 127.0;
    Value xc = arith::MaximumFOp::create(b, x, splatF(-87.0));
    Value j = vector::FMAOp::create(b, xc, splatF(1.4426950408889634), splatF(kMagic));
    Value n = arith::SubFOp::create(b, j, splatF(kMagic));
    Value r = vector::FMAOp::create(b, n, splatF(-0.69314718055994531), xc);
    Value p = splatF(1.0 / 720.0);
    for (double c : {1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0})
      p = vector::FMAOp::create(b, p, r, splatF(c));
    Value bits = arith::BitcastOp::create(b, vi, j);
    Value scale = arith::BitcastOp::create(b, vf, arith::ShLIOp::create(b, bits, splatI(23)));
    Value e = arith::MulFOp::create(b, p, scale);
    Value under = arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, x, splatF(-87.0));
    return sel(under, splatF(0.0), e);
  }
  /// Whether Q^T packing / the output write of a head dim go through 16x16
  /// register transposes: with 16 lanes (the pipeline lowers vector.transpose
  /// with the AVX-512 16x16 shuffle sequence) and whole blocks.
  bool useBlockTranspose(int64_t dim) const { return ks.lanes == 16 && dim % 16 == 0; }
  /// The transpose of a lanes x lanes block given as row vectors.
  SmallVector<Value> transposeBlock(ArrayRef<Value> rows) {
    auto blockType = VectorType::get({ks.lanes, ks.lanes}, f32);
    Value blk = arith::ConstantOp::create(b, blockType,
                                          DenseElementsAttr::get(blockType, b.getF32FloatAttr(0.0f)));
    for (auto [i, row] : llvm::enumerate(rows))
      blk = vector::InsertOp::create(b, row, blk, ArrayRef<int64_t>{int64_t(i)});
    Value t = vector::TransposeOp::create(b, blk, ArrayRef<int64_t>{1, 0});
    SmallVector<Value> cols;
    for (int64_t i = 0; i < ks.lanes; ++i)
      cols.push_back(vector::ExtractOp::create(b, t, ArrayRef<int64_t>{i}));
    return cols;
  }
  /// base[offset + indices[lane]] for valid rows, `0` elsewhere.
  Value gather(Value base, Value offset, Value indices, VectorType resultType) {
    Value zero = arith::ConstantOp::create(
        b, resultType,
        DenseElementsAttr::get(resultType, b.getZeroAttr(resultType.getElementType())));
    return vector::GatherOp::create(b, resultType, base, ValueRange{offset}, indices, rowValid,
                                    zero);
  }

  void emitWorkItem(Value w);
  SmallVector<Value> emitKeyTile(Value kt, bool withMask, ValueRange state);
  void emitScoreBlock(Value j0, Value jStart, int64_t nKeys, bool withMask);
  Value applyModifiers(Value s, Value jAbs, int64_t rc);
  Value maskVector(Attribute m, Value jAbs, int64_t rc);
  SmallVector<Value> emitTileLoop(ValueRange init);

  FlashAttentionOp op;
  ImplicitLocOpBuilder &b;
  KernelShape ks;
  Type f32, i32;
  VectorType vf, vi, vb;
  Attribute mask;
  attnc::tiling::DiagBand band;
  TileSchedule schedule;

  // Function arguments.
  Value q, k, v, out, lse, paramsMem, tiles;
  SmallVector<Value> auxArgs;
  SmallVector<Value> params;
  // Scratch: Q^T (D x qTile), P^T (kTile x qTile), O^T (Dv x qTile), rows.
  Value qT, pT, oT, rowScratch;

  // Per work item.
  Value batch, head, kvHead, row0, numRows, qBase, kBase, vBase, oBase, lseBase;
  Value rowValid;
  SmallVector<Value> rowValidsStorage;
  SmallVector<Value> rowIdx, rowPos, qSeg;
  Value kvLen, prefixLen, alibiSlope, currentItem;
};

void KernelEmitter::emit(func::FuncOp func) {
  Block *entry = &func.getBody().front();
  b.setInsertionPointToStart(entry);
  auto args = entry->getArguments();
  q = args[0];
  k = args[1];
  v = args[2];
  out = args[3];
  lse = args[4];
  for (unsigned i = 0; i < ATTNC_NUM_AUX; ++i)
    auxArgs.push_back(args[5 + i]);
  paramsMem = args[5 + ATTNC_NUM_AUX];
  tiles = args[6 + ATTNC_NUM_AUX];
  Value begin = arith::IndexCastOp::create(b, b.getIndexType(), args[7 + ATTNC_NUM_AUX]);
  Value end = arith::IndexCastOp::create(b, b.getIndexType(), args[8 + ATTNC_NUM_AUX]);

  for (int p = 0; p < ATTNC_NUM_PARAMS; ++p)
    params.push_back(arith::IndexCastOp::create(b, b.getIndexType(), load(paramsMem, cIdx(p))));

  auto scratch = [&](int64_t n) {
    return memref::AllocaOp::create(b, MemRefType::get({n}, f32), ValueRange{},
                                    b.getI64IntegerAttr(64));
  };
  qT = scratch(ks.headDim * ks.qTile);
  pT = scratch(ks.kTile * ks.qTile);
  oT = scratch(ks.valueDim * ks.qTile);
  rowScratch = scratch(2 * ks.qTile);

  scf::ForOp::create(b, begin, end, cIdx(1), ValueRange{},
                     [&](OpBuilder &, Location, Value w, ValueRange) {
                       emitWorkItem(w);
                       scf::YieldOp::create(b);
                     });
  func::ReturnOp::create(b);
}

void KernelEmitter::emitWorkItem(Value w) {
  currentItem = w;
  Value nq = param(ATTNC_P_NUM_QTILES), hq = param(ATTNC_P_HQ);
  Value qt = arith::RemUIOp::create(b, w, nq);
  Value bh = arith::DivUIOp::create(b, w, nq);
  head = arith::RemUIOp::create(b, bh, hq);
  batch = arith::DivUIOp::create(b, bh, hq);
  Value group = arith::DivUIOp::create(b, hq, param(ATTNC_P_HK));
  kvHead = arith::DivUIOp::create(b, head, group);
  row0 = mul(qt, cIdx(ks.qTile));
  numRows = minI(cIdx(ks.qTile), sub(param(ATTNC_P_LQ), row0));
  auto base3 = [&](Value hIdx, int sb, int sh, int sl, Value r) {
    return add(add(mul(batch, param(sb)), mul(hIdx, param(sh))), mul(r, param(sl)));
  };
  qBase = base3(head, ATTNC_P_Q_SB, ATTNC_P_Q_SH, ATTNC_P_Q_SL, row0);
  kBase = base3(kvHead, ATTNC_P_K_SB, ATTNC_P_K_SH, ATTNC_P_K_SL, cIdx(0));
  vBase = base3(kvHead, ATTNC_P_V_SB, ATTNC_P_V_SH, ATTNC_P_V_SL, cIdx(0));
  oBase = base3(head, ATTNC_P_O_SB, ATTNC_P_O_SH, ATTNC_P_O_SL, row0);
  lseBase = add(add(mul(batch, param(ATTNC_P_LSE_SB)), mul(head, param(ATTNC_P_LSE_SH))), row0);

  // Pack Q^T, pre-scaled; rows past Lq are zero so they stay finite.
  Value scale = cF32(op.getScale().convertToDouble());
  if (useBlockTranspose(ks.headDim)) {
    // 16x16 blocks: masked row loads (rows past Lq read nothing and give 0),
    // one register transpose, 16 vector stores. The scalar loop below cost
    // ~10% of a window-256 kernel (a work item there visits only ~5 tiles).
    Value scaleV = bcast(scale);
    for (int64_t rc = 0; rc < ks.rowVecs; ++rc)
      scf::ForOp::create(b, cIdx(0), cIdx(ks.headDim), cIdx(ks.lanes), ValueRange{},
                         [&](OpBuilder &, Location, Value d0, ValueRange) {
                           SmallVector<Value> rows;
                           for (int64_t i = 0; i < ks.lanes; ++i) {
                             Value r = cIdx(rc * ks.lanes + i);
                             Value valid = bcast(cmp(arith::CmpIPredicate::slt, r, numRows));
                             // A row past Lq loads nothing, but its address
                             // stays inside q (the last valid row's).
                             Value rIn = minI(r, sub(numRows, cIdx(1)));
                             Value off = add(add(qBase, mul(rIn, param(ATTNC_P_Q_SL))), d0);
                             rows.push_back(vector::MaskedLoadOp::create(b, vf, q, ValueRange{off}, valid,
                                                                         splatF(0.0)));
                           }
                           SmallVector<Value> cols = transposeBlock(rows);
                           for (int64_t i = 0; i < ks.lanes; ++i)
                             vstore(arith::MulFOp::create(b, cols[i], scaleV), qT,
                                    add(mul(add(d0, cIdx(i)), cIdx(ks.qTile)), cIdx(rc * ks.lanes)));
                           scf::YieldOp::create(b);
                         });
  } else {
    scf::ForOp::create(b, cIdx(0), numRows, cIdx(1), ValueRange{},
                       [&](OpBuilder &, Location, Value r, ValueRange) {
                         Value rowOff = add(qBase, mul(r, param(ATTNC_P_Q_SL)));
                         scf::ForOp::create(b, cIdx(0), cIdx(ks.headDim), cIdx(1), ValueRange{},
                                            [&](OpBuilder &, Location, Value d, ValueRange) {
                                              Value x = arith::MulFOp::create(b, load(q, add(rowOff, d)), scale);
                                              store(x, qT, add(mul(d, cIdx(ks.qTile)), r));
                                              scf::YieldOp::create(b);
                                            });
                         scf::YieldOp::create(b);
                       });
    scf::ForOp::create(b, numRows, cIdx(ks.qTile), cIdx(1), ValueRange{},
                       [&](OpBuilder &, Location, Value r, ValueRange) {
                         scf::ForOp::create(b, cIdx(0), cIdx(ks.headDim), cIdx(1), ValueRange{},
                                            [&](OpBuilder &, Location, Value d, ValueRange) {
                                              store(cF32(0.0), qT, add(mul(d, cIdx(ks.qTile)), r));
                                              scf::YieldOp::create(b);
                                            });
                         scf::YieldOp::create(b);
                       });
  }
  // O^T = 0.
  Value zeroV = splatF(0.0);
  scf::ForOp::create(b, cIdx(0), cIdx(ks.valueDim * ks.qTile), cIdx(ks.lanes), ValueRange{},
                     [&](OpBuilder &, Location, Value i, ValueRange) {
                       vstore(zeroV, oT, i);
                       scf::YieldOp::create(b);
                     });

  // Row indices and positions of each row vector, hoisted out of the tiles.
  Value iota = arith::ConstantOp::create(
      b, vi, DenseElementsAttr::get(vi, llvm::to_vector(llvm::map_range(
                                            llvm::seq<int64_t>(0, ks.lanes),
                                            [&](int64_t x) -> Attribute { return b.getI32IntegerAttr(x); }))));
  Value shiftV = bcast(toI32(param(ATTNC_P_SHIFT)));
  Value lqV = bcast(toI32(param(ATTNC_P_LQ)));
  rowIdx.clear();
  rowPos.clear();
  qSeg.clear();
  SmallVector<Value> rowValids;
  for (int64_t rc = 0; rc < ks.rowVecs; ++rc) {
    Value r = arith::AddIOp::create(b, bcast(toI32(add(row0, cIdx(rc * ks.lanes)))), iota);
    rowIdx.push_back(r);
    rowPos.push_back(arith::AddIOp::create(b, r, shiftV));
    rowValids.push_back(cmp(arith::CmpIPredicate::slt, r, lqV));
  }
  AuxSet used = mask ? getRequiredAux(mask) : 0;
  for (Attribute m : op.getModifiers())
    used |= getRequiredAux(m);
  if (used & auxBit(AuxOperand::KvLengths))
    kvLen = load(aux(ATTNC_AUX_KV_LENGTHS), batch);
  if (used & auxBit(AuxOperand::PrefixLengths))
    prefixLen = load(aux(ATTNC_AUX_PREFIX_LENGTHS), batch);
  if (used & auxBit(AuxOperand::AlibiSlopes))
    alibiSlope = load(aux(ATTNC_AUX_ALIBI_SLOPES), head);
  if (used & auxBit(AuxOperand::QSegments)) {
    for (int64_t rc = 0; rc < ks.rowVecs; ++rc) {
      rowValid = rowValids[rc];
      qSeg.push_back(gather(aux(ATTNC_AUX_Q_SEGMENTS), mul(batch, param(ATTNC_P_QSEG_SB)),
                            rowIdx[rc], vi));
    }
  }

  // Online softmax state: running max and sum per row vector.
  SmallVector<Value> init;
  for (int64_t rc = 0; rc < ks.rowVecs; ++rc)
    init.push_back(splatF(-std::numeric_limits<float>::infinity()));
  for (int64_t rc = 0; rc < ks.rowVecs; ++rc)
    init.push_back(splatF(0.0));
  // rowValid is needed per row vector inside the tiles: keep them all.
  this->rowValidsStorage = rowValids;
  SmallVector<Value> state = emitTileLoop(init);

  // Normalise: out = O / l (0 for rows with no visible key), lse = m + log l.
  SmallVector<Value> invs;
  for (int64_t rc = 0; rc < ks.rowVecs; ++rc) {
    Value m = state[rc], l = state[ks.rowVecs + rc];
    Value pos = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, l, splatF(0.0));
    Value inv = sel(pos, arith::DivFOp::create(b, splatF(1.0), l), splatF(0.0));
    Value lseV = sel(pos, arith::AddFOp::create(b, m, math::LogOp::create(b, l)),
                     splatF(-std::numeric_limits<float>::infinity()));
    invs.push_back(inv);
    vstore(inv, rowScratch, cIdx(rc * ks.lanes));
    vstore(lseV, rowScratch, cIdx(ks.qTile + rc * ks.lanes));
  }
  if (useBlockTranspose(ks.valueDim)) {
    // Rows are lanes in O^T, so 1/l scales it element-wise before the
    // transpose; rows past Lq are masked out of the stores.
    for (int64_t rc = 0; rc < ks.rowVecs; ++rc)
      scf::ForOp::create(b, cIdx(0), cIdx(ks.valueDim), cIdx(ks.lanes), ValueRange{},
                         [&](OpBuilder &, Location, Value dv0, ValueRange) {
                           SmallVector<Value> cols;
                           for (int64_t i = 0; i < ks.lanes; ++i) {
                             Value idx = add(mul(add(dv0, cIdx(i)), cIdx(ks.qTile)), cIdx(rc * ks.lanes));
                             cols.push_back(arith::MulFOp::create(b, vload(oT, idx), invs[rc]));
                           }
                           SmallVector<Value> rows = transposeBlock(cols);
                           for (int64_t i = 0; i < ks.lanes; ++i) {
                             Value r = cIdx(rc * ks.lanes + i);
                             Value valid = bcast(cmp(arith::CmpIPredicate::slt, r, numRows));
                             Value rIn = minI(r, sub(numRows, cIdx(1)));
                             Value off = add(add(oBase, mul(rIn, param(ATTNC_P_O_SL))), dv0);
                             vector::MaskedStoreOp::create(b, out, ValueRange{off}, valid, rows[i]);
                           }
                           scf::YieldOp::create(b);
                         });
  } else {
    scf::ForOp::create(b, cIdx(0), numRows, cIdx(1), ValueRange{},
                       [&](OpBuilder &, Location, Value r, ValueRange) {
                         Value inv = load(rowScratch, r);
                         Value orow = add(oBase, mul(r, param(ATTNC_P_O_SL)));
                         scf::ForOp::create(
                             b, cIdx(0), cIdx(ks.valueDim), cIdx(1), ValueRange{},
                             [&](OpBuilder &, Location, Value dv, ValueRange) {
                               Value o = load(oT, add(mul(dv, cIdx(ks.qTile)), r));
                               store(arith::MulFOp::create(b, o, inv), out, add(orow, dv));
                               scf::YieldOp::create(b);
                             });
                         scf::YieldOp::create(b);
                       });
  }
  Value hasLse = cmp(arith::CmpIPredicate::ne, param(ATTNC_P_HAS_LSE), cIdx(0));
  scf::IfOp::create(b, hasLse, [&](OpBuilder &, Location) {
    scf::ForOp::create(b, cIdx(0), numRows, cIdx(1), ValueRange{},
                       [&](OpBuilder &, Location, Value r, ValueRange) {
                         store(load(rowScratch, add(r, cIdx(ks.qTile))), lse, add(lseBase, r));
                         scf::YieldOp::create(b);
                       });
    scf::YieldOp::create(b);
  });
}

SmallVector<Value> KernelEmitter::emitTileLoop(ValueRange init) {
  Value lk = param(ATTNC_P_LK), kTile = cIdx(ks.kTile);
  Value lo, hi;
  // For band schedules: the full sub-range [fullBegin, fullEnd).
  Value fullBegin, fullEnd;
  bool maskAll = mask != nullptr; // evaluate the mask on every tile
  if (schedule == TileSchedule::runtime) {
    lo = load(tiles, currentItem);
    lo = arith::IndexCastOp::create(b, b.getIndexType(), lo);
    hi = arith::IndexCastOp::create(b, b.getIndexType(), load(tiles, add(currentItem, cIdx(1))));
  } else if (schedule == TileSchedule::band && (band.hasLo || band.hasHi)) {
    // TileSchedule.h's classifyQueryTile, in IR.
    Value shift = param(ATTNC_P_SHIFT);
    Value i0 = row0, i1 = sub(add(row0, numRows), cIdx(1));
    auto clampD = [&](int64_t d) {
      return cIdx(std::max<int64_t>(-(int64_t(1) << 40), std::min<int64_t>(d, int64_t(1) << 40)));
    };
    Value lkm1 = sub(lk, cIdx(1));
    Value a = band.hasLo ? maxI(cIdx(0), add(add(i0, shift), clampD(band.lo))) : cIdx(0);
    Value e = band.hasHi ? minI(lkm1, add(add(i1, shift), clampD(band.hi))) : lkm1;
    Value empty = cmp(arith::CmpIPredicate::sgt, a, e);
    Value liveB = arith::DivSIOp::create(b, a, kTile);
    Value liveE = add(arith::DivSIOp::create(b, maxI(e, cIdx(0)), kTile), cIdx(1));
    lo = sel(empty, cIdx(0), liveB);
    hi = sel(empty, cIdx(0), liveE);
    if (band.exact) {
      Value fa = band.hasLo ? maxI(cIdx(0), add(add(i1, shift), clampD(band.lo))) : cIdx(0);
      Value fb = band.hasHi ? minI(lkm1, add(add(i0, shift), clampD(band.hi))) : lkm1;
      Value noFull = cmp(arith::CmpIPredicate::sgt, fa, fb);
      Value first = arith::CeilDivSIOp::create(b, fa, kTile);
      Value numK = param(ATTNC_P_NUM_KTILES);
      Value endIfNotLast = arith::DivSIOp::create(b, add(maxI(fb, cIdx(-1)), cIdx(1)), kTile);
      Value fend = sel(cmp(arith::CmpIPredicate::eq, fb, lkm1), numK, endIfNotLast);
      fullBegin = sel(noFull, cIdx(0), first);
      fullEnd = sel(noFull, cIdx(0), fend);
    }
  } else {
    lo = cIdx(0);
    hi = param(ATTNC_P_NUM_KTILES);
  }
  bool canSkipMask = mask && (schedule == TileSchedule::runtime || fullBegin);
  (void)maskAll;

  auto loop = scf::ForOp::create(
      b, lo, hi, cIdx(1), init, [&](OpBuilder &, Location, Value slot, ValueRange state) {
        Value kt = slot, full;
        if (schedule == TileSchedule::runtime) {
          Value entry = arith::IndexCastOp::create(b, b.getIndexType(), load(tiles, slot));
          kt = arith::DivUIOp::create(b, entry, cIdx(2));
          full = cmp(arith::CmpIPredicate::ne, arith::RemUIOp::create(b, entry, cIdx(2)), cIdx(0));
        } else if (fullBegin) {
          full = arith::AndIOp::create(b, cmp(arith::CmpIPredicate::sge, kt, fullBegin),
                                       cmp(arith::CmpIPredicate::slt, kt, fullEnd));
        }
        SmallVector<Value> next;
        if (canSkipMask) {
          auto ifOp = scf::IfOp::create(
              b, full,
              [&](OpBuilder &, Location) {
                scf::YieldOp::create(b, emitKeyTile(kt, /*withMask=*/false, state));
              },
              [&](OpBuilder &, Location) {
                scf::YieldOp::create(b, emitKeyTile(kt, /*withMask=*/true, state));
              });
          next = SmallVector<Value>(ifOp.getResults());
        } else {
          next = emitKeyTile(kt, /*withMask=*/mask != nullptr, state);
        }
        scf::YieldOp::create(b, next);
      });
  return SmallVector<Value>(loop.getResults());
}

SmallVector<Value> KernelEmitter::emitKeyTile(Value kt, bool withMask, ValueRange state) {
  Value j0 = mul(kt, cIdx(ks.kTile));
  Value nKeys = minI(cIdx(ks.kTile), sub(param(ATTNC_P_LK), j0));

  // 1. Scores S^T[j] for the tile's keys, in blocks of keyBlock keys.
  Value nBlocked = mul(arith::DivUIOp::create(b, nKeys, cIdx(ks.keyBlock)), cIdx(ks.keyBlock));
  scf::ForOp::create(b, cIdx(0), nBlocked, cIdx(ks.keyBlock), ValueRange{},
                     [&](OpBuilder &, Location, Value jb, ValueRange) {
                       emitScoreBlock(j0, jb, ks.keyBlock, withMask);
                       scf::YieldOp::create(b);
                     });
  scf::ForOp::create(b, nBlocked, nKeys, cIdx(1), ValueRange{},
                     [&](OpBuilder &, Location, Value j, ValueRange) {
                       emitScoreBlock(j0, j, 1, withMask);
                       scf::YieldOp::create(b);
                     });

  // 2. Online softmax, element-wise over the row vectors.
  float negInf = -std::numeric_limits<float>::infinity();
  SmallVector<Value> mOld(state.begin(), state.begin() + ks.rowVecs);
  SmallVector<Value> lOld(state.begin() + ks.rowVecs, state.end());
  auto maxLoop = scf::ForOp::create(
      b, cIdx(0), nKeys, cIdx(1), mOld, [&](OpBuilder &, Location, Value j, ValueRange mx) {
        SmallVector<Value> next;
        for (int64_t rc = 0; rc < ks.rowVecs; ++rc) {
          Value s = vload(pT, add(mul(j, cIdx(ks.qTile)), cIdx(rc * ks.lanes)));
          Value gt = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, s, mx[rc]);
          next.push_back(sel(gt, s, mx[rc]));
        }
        scf::YieldOp::create(b, next);
      });
  SmallVector<Value> mNew(maxLoop.getResults()), mSafe, alpha;
  for (int64_t rc = 0; rc < ks.rowVecs; ++rc) {
    // A row with no visible key yet keeps m = -inf; subtracting 0 instead
    // keeps exp(-inf - m) = 0 rather than NaN.
    Value isInf = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, mNew[rc], splatF(negInf));
    mSafe.push_back(sel(isInf, splatF(0.0), mNew[rc]));
    alpha.push_back(expNonPositive(arith::SubFOp::create(b, mOld[rc], mSafe[rc])));
  }
  SmallVector<Value> zeros(ks.rowVecs, splatF(0.0));
  auto sumLoop = scf::ForOp::create(
      b, cIdx(0), nKeys, cIdx(1), zeros, [&](OpBuilder &, Location, Value j, ValueRange acc) {
        SmallVector<Value> next;
        for (int64_t rc = 0; rc < ks.rowVecs; ++rc) {
          Value idx = add(mul(j, cIdx(ks.qTile)), cIdx(rc * ks.lanes));
          Value p = expNonPositive(arith::SubFOp::create(b, vload(pT, idx), mSafe[rc]));
          vstore(p, pT, idx);
          next.push_back(arith::AddFOp::create(b, acc[rc], p));
        }
        scf::YieldOp::create(b, next);
      });
  SmallVector<Value> result = mNew;
  for (int64_t rc = 0; rc < ks.rowVecs; ++rc)
    result.push_back(vector::FMAOp::create(b, lOld[rc], alpha[rc], sumLoop.getResult(rc)));

  // 3. O^T = O^T * alpha + V^T P^T, blocked over dvBlock value columns.
  scf::ForOp::create(
      b, cIdx(0), cIdx(ks.valueDim), cIdx(ks.dvBlock), ValueRange{},
      [&](OpBuilder &, Location, Value dvb, ValueRange) {
        SmallVector<Value> acc;
        for (int64_t db = 0; db < ks.dvBlock; ++db)
          for (int64_t rc = 0; rc < ks.rowVecs; ++rc) {
            Value idx = add(mul(add(dvb, cIdx(db)), cIdx(ks.qTile)), cIdx(rc * ks.lanes));
            acc.push_back(arith::MulFOp::create(b, vload(oT, idx), alpha[rc]));
          }
        auto pv = scf::ForOp::create(
            b, cIdx(0), nKeys, cIdx(1), acc, [&](OpBuilder &, Location, Value j, ValueRange a) {
              SmallVector<Value> p;
              for (int64_t rc = 0; rc < ks.rowVecs; ++rc)
                p.push_back(vload(pT, add(mul(j, cIdx(ks.qTile)), cIdx(rc * ks.lanes))));
              Value vrow = add(add(vBase, mul(add(j0, j), param(ATTNC_P_V_SL))), dvb);
              SmallVector<Value> next;
              for (int64_t db = 0; db < ks.dvBlock; ++db) {
                Value vb = bcast(load(v, add(vrow, cIdx(db))));
                for (int64_t rc = 0; rc < ks.rowVecs; ++rc)
                  next.push_back(vector::FMAOp::create(b, vb, p[rc], a[db * ks.rowVecs + rc]));
              }
              scf::YieldOp::create(b, next);
            });
        for (int64_t db = 0; db < ks.dvBlock; ++db)
          for (int64_t rc = 0; rc < ks.rowVecs; ++rc) {
            Value idx = add(mul(add(dvb, cIdx(db)), cIdx(ks.qTile)), cIdx(rc * ks.lanes));
            vstore(pv.getResult(db * ks.rowVecs + rc), oT, idx);
          }
        scf::YieldOp::create(b);
      });
  return result;
}

void KernelEmitter::emitScoreBlock(Value j0, Value jStart, int64_t nKeys, bool withMask) {
  SmallVector<Value> kRows;
  for (int64_t jj = 0; jj < nKeys; ++jj)
    kRows.push_back(add(kBase, mul(add(j0, add(jStart, cIdx(jj))), param(ATTNC_P_K_SL))));
  SmallVector<Value> init(nKeys * ks.rowVecs, splatF(0.0));
  auto dLoop = scf::ForOp::create(
      b, cIdx(0), cIdx(ks.headDim), cIdx(1), init,
      [&](OpBuilder &, Location, Value d, ValueRange acc) {
        SmallVector<Value> qv;
        for (int64_t rc = 0; rc < ks.rowVecs; ++rc)
          qv.push_back(vload(qT, add(mul(d, cIdx(ks.qTile)), cIdx(rc * ks.lanes))));
        SmallVector<Value> next;
        for (int64_t jj = 0; jj < nKeys; ++jj) {
          Value kb = bcast(load(k, add(kRows[jj], d)));
          for (int64_t rc = 0; rc < ks.rowVecs; ++rc)
            next.push_back(vector::FMAOp::create(b, kb, qv[rc], acc[jj * ks.rowVecs + rc]));
        }
        scf::YieldOp::create(b, next);
      });
  for (int64_t jj = 0; jj < nKeys; ++jj) {
    Value jLocal = add(jStart, cIdx(jj));
    Value jAbs = add(j0, jLocal);
    for (int64_t rc = 0; rc < ks.rowVecs; ++rc) {
      rowValid = rowValidsStorage[rc];
      Value s = dLoop.getResult(jj * ks.rowVecs + rc);
      s = applyModifiers(s, jAbs, rc);
      if (withMask)
        s = sel(maskVector(mask, jAbs, rc), s, splatF(-std::numeric_limits<float>::infinity()));
      vstore(s, pT, add(mul(jLocal, cIdx(ks.qTile)), cIdx(rc * ks.lanes)));
    }
  }
}

Value KernelEmitter::applyModifiers(Value s, Value jAbs, int64_t rc) {
  Value jV = bcast(toI32(jAbs));
  for (Attribute mod : op.getModifiers()) {
    s = TypeSwitch<Attribute, Value>(mod)
            .Case<AlibiAttr>([&](auto) {
              Value dist = math::AbsIOp::create(b, sub(rowPos[rc], jV));
              Value distF = arith::SIToFPOp::create(b, vf, dist);
              Value negSlope = arith::NegFOp::create(b, bcast(alibiSlope));
              return vector::FMAOp::create(b, negSlope, distF, s).getResult();
            })
            .Case<SoftcapAttr>([&](SoftcapAttr sc) {
              double cap = sc.getCap().convertToDouble();
              Value t = math::TanhOp::create(b, arith::MulFOp::create(b, s, splatF(1.0 / cap)));
              return arith::MulFOp::create(b, t, splatF(cap)).getResult();
            })
            .Case<BiasAttr>([&](auto) {
              Value off = add(add(add(mul(batch, param(ATTNC_P_BIAS_SB)), mul(head, param(ATTNC_P_BIAS_SH))),
                                  jAbs),
                              cIdx(0));
              Value idx = arith::MulIOp::create(b, rowIdx[rc], bcast(toI32(param(ATTNC_P_BIAS_SL))));
              return arith::AddFOp::create(b, s, gather(aux(ATTNC_AUX_BIAS), off, idx, vf)).getResult();
            })
            .Case<T5BiasAttr>([&](T5BiasAttr t5) {
              int64_t maxExact, effBuckets;
              bool bidi = t5.getBidirectional() != 0;
              SmallVector<int64_t> thr =
                  t5Thresholds(t5.getNumBuckets(), t5.getMaxDistance(), bidi, maxExact, effBuckets);
              Value rel = sub(jV, rowPos[rc]);
              Value base = splatI(0), n;
              if (bidi) {
                base = sel(cmp(arith::CmpIPredicate::sgt, rel, splatI(0)), splatI(effBuckets), splatI(0));
                n = math::AbsIOp::create(b, rel);
              } else {
                n = maxI(sub(splatI(0), rel), splatI(0));
              }
              Value large = splatI(maxExact);
              for (int64_t t : thr) {
                Value ge = cmp(arith::CmpIPredicate::sge, n, splatI(std::min<int64_t>(t, INT32_MAX)));
                large = add(large, arith::ExtUIOp::create(b, vi, ge));
              }
              large = minI(large, splatI(effBuckets - 1));
              Value bucket = add(base, sel(cmp(arith::CmpIPredicate::slt, n, splatI(maxExact)), n, large));
              Value idx = mul(bucket, bcast(toI32(param(ATTNC_P_HQ))));
              return arith::AddFOp::create(b, s, gather(aux(ATTNC_AUX_REL_BIAS), head, idx, vf)).getResult();
            })
            .Case<RelEmbAttr>([&](RelEmbAttr re) {
              int64_t md = re.getMaxDistance();
              Value r = minI(maxI(sub(jV, rowPos[rc]), splatI(-md)), splatI(md));
              Value rowOff = mul(add(r, splatI(md)), bcast(toI32(param(ATTNC_P_REL_EMB_SR))));
              auto dl = scf::ForOp::create(
                  b, cIdx(0), cIdx(ks.headDim), cIdx(1), ValueRange{splatF(0.0)},
                  [&](OpBuilder &, Location, Value d, ValueRange acc) {
                    Value e = gather(aux(ATTNC_AUX_REL_EMB), d, rowOff, vf);
                    Value qv = vload(qT, add(mul(d, cIdx(ks.qTile)), cIdx(rc * ks.lanes)));
                    scf::YieldOp::create(b, ValueRange{vector::FMAOp::create(b, qv, e, acc[0])});
                  });
              return arith::AddFOp::create(b, s, dl.getResult(0)).getResult();
            })
            .Default([&](Attribute) { return s; });
  }
  return s;
}

Value KernelEmitter::maskVector(Attribute m, Value jAbs, int64_t rc) {
  using P = arith::CmpIPredicate;
  Value jV = bcast(toI32(jAbs));
  Value ip = rowPos[rc];
  auto clamp32 = [](int64_t x) {
    return std::max<int64_t>(INT32_MIN / 2, std::min<int64_t>(INT32_MAX / 2, x));
  };
  auto i8Nonzero = [&](Value gathered) {
    Value zero = arith::ConstantOp::create(
        b, gathered.getType(), DenseElementsAttr::get(cast<ShapedType>(gathered.getType()),
                                                      b.getI8IntegerAttr(0)));
    return cmp(P::ne, gathered, zero);
  };
  VectorType vi8 = VectorType::get({ks.lanes}, b.getI8Type());
  return TypeSwitch<Attribute, Value>(m)
      .Case<CausalMaskAttr>([&](CausalMaskAttr c) {
        return cmp(P::sle, jV, add(ip, splatI(clamp32(c.getOffset()))));
      })
      .Case<WindowMaskAttr>([&](WindowMaskAttr w) {
        Value ge = cmp(P::sge, jV, sub(ip, splatI(clamp32(w.getLeft()))));
        Value le = cmp(P::sle, jV, add(ip, splatI(clamp32(w.getRight()))));
        return arith::AndIOp::create(b, ge, le).getResult();
      })
      .Case<PaddingMaskAttr>([&](auto) {
        Value ok = cmp(P::slt, toI32(jAbs), kvLen);
        return bcast(ok);
      })
      .Case<PrefixLMMaskAttr>([&](auto) {
        Value inPrefix = bcast(cmp(P::slt, toI32(jAbs), prefixLen));
        return arith::OrIOp::create(b, cmp(P::sle, jV, ip), inPrefix).getResult();
      })
      .Case<StridedMaskAttr>([&](StridedMaskAttr s) {
        Value stride = splatI(clamp32(s.getStride()));
        Value d = sub(ip, jV);
        Value near = cmp(P::slt, math::AbsIOp::create(b, d), stride);
        Value onStride = cmp(P::eq, arith::RemSIOp::create(b, d, stride), splatI(0));
        return arith::OrIOp::create(b, near, onStride).getResult();
      })
      .Case<Local2DMaskAttr>([&](Local2DMaskAttr l) {
        Value width = splatI(l.getWidth());
        Value qr = arith::FloorDivSIOp::create(b, ip, width);
        Value qc = sub(ip, mul(qr, width));
        Value kr = arith::FloorDivSIOp::create(b, jV, width);
        Value kc = sub(jV, mul(kr, width));
        Value bh = splatI(l.getBlockH()), bw = splatI(l.getBlockW());
        Value r0 = mul(arith::FloorDivSIOp::create(b, qr, bh), bh);
        Value c0 = mul(arith::FloorDivSIOp::create(b, qc, bw), bw);
        Value ok = arith::AndIOp::create(b, cmp(P::sge, kr, sub(r0, splatI(l.getMemTop()))),
                                         cmp(P::slt, kr, add(r0, bh)));
        ok = arith::AndIOp::create(b, ok, cmp(P::sge, kc, sub(c0, splatI(l.getMemLeft()))));
        ok = arith::AndIOp::create(b, ok, cmp(P::slt, kc, add(add(c0, bw), splatI(l.getMemRight()))));
        if (l.getCausal())
          ok = arith::AndIOp::create(b, ok, cmp(P::sle, jV, ip));
        return ok;
      })
      .Case<DocumentMaskAttr>([&](auto) {
        Value ks_ = load(aux(ATTNC_AUX_KV_SEGMENTS), add(mul(batch, param(ATTNC_P_KVSEG_SB)), jAbs));
        return cmp(P::eq, qSeg[rc], bcast(ks_));
      })
      .Case<GraphMaskAttr>([&](auto) {
        Value off = add(mul(batch, param(ATTNC_P_ADJ_SB)), jAbs);
        Value idx = mul(rowIdx[rc], bcast(toI32(param(ATTNC_P_ADJ_SL))));
        return i8Nonzero(gather(aux(ATTNC_AUX_ADJACENCY), off, idx, vi8));
      })
      .Case<BlockSparseMaskAttr>([&](BlockSparseMaskAttr bs) {
        Value blk = cIdx(bs.getBlock());
        Value off = add(mul(head, param(ATTNC_P_BLOCK_SH)), arith::DivUIOp::create(b, jAbs, blk));
        Value qb = arith::DivUIOp::create(b, rowIdx[rc], splatI(bs.getBlock()));
        Value idx = mul(qb, bcast(toI32(param(ATTNC_P_BLOCK_SQ))));
        return i8Nonzero(gather(aux(ATTNC_AUX_BLOCK_LAYOUT), off, idx, vi8));
      })
      .Case<ExplicitMaskAttr>([&](auto) {
        Value off = add(add(mul(batch, param(ATTNC_P_MASK_SB)), mul(head, param(ATTNC_P_MASK_SH))), jAbs);
        Value idx = mul(rowIdx[rc], bcast(toI32(param(ATTNC_P_MASK_SL))));
        return i8Nonzero(gather(aux(ATTNC_AUX_MASK_TENSOR), off, idx, vi8));
      })
      .Case<AndMaskAttr>([&](AndMaskAttr a) {
        Value acc;
        for (Attribute c : a.getMasks()) {
          Value x = maskVector(c, jAbs, rc);
          acc = acc ? arith::AndIOp::create(b, acc, x).getResult() : x;
        }
        return acc;
      })
      .Case<OrMaskAttr>([&](OrMaskAttr o) {
        Value acc;
        for (Attribute c : o.getMasks()) {
          Value x = maskVector(c, jAbs, rc);
          acc = acc ? arith::OrIOp::create(b, acc, x).getResult() : x;
        }
        return acc;
      })
      .Default([&](Attribute) { return bcast(arith::ConstantIntOp::create(b, 1, 1).getResult()); });
}

struct LowerFlashCPUPass : public mlir::attn::impl::AttnLowerFlashCPUBase<LowerFlashCPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<FlashAttentionOp> ops;
    module.walk([&](FlashAttentionOp op) { ops.push_back(op); });
    SymbolTable symbols(module);
    llvm::SetVector<Operation *> hosts;
    for (FlashAttentionOp op : ops) {
      if (failed(lowerOne(op, symbols)))
        return signalPassFailure();
      hosts.insert(op->getParentOfType<func::FuncOp>());
    }
    if (eraseHost)
      for (Operation *host : hosts)
        if (host)
          host->erase();
  }

  LogicalResult lowerOne(FlashAttentionOp op, SymbolTable &symbols) {
    auto tiling = op.getTiling();
    if (!tiling)
      return op.emitOpError("has no #attn.tiling: run attn-tile-attention first");
    auto qT = cast<RankedTensorType>(op.getQ().getType());
    auto vT = cast<RankedTensorType>(op.getV().getType());
    if (!qT.getElementType().isF32() || !vT.getElementType().isF32() ||
        !cast<RankedTensorType>(op.getK().getType()).getElementType().isF32())
      return op.emitOpError("the CPU backend supports f32 attention only, got ")
             << qT.getElementType();
    int64_t d = qT.getDimSize(3), dv = vT.getDimSize(3);
    if (ShapedType::isDynamic(d) || ShapedType::isDynamic(dv))
      return op.emitOpError("the CPU backend needs static head dims, got D = ")
             << (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d))
             << ", Dv = " << (ShapedType::isDynamic(dv) ? std::string("?") : std::to_string(dv));
    if (vectorWidth <= 0)
      return op.emitOpError("vector-width must be positive, got ") << vectorWidth;
    if (Value e = op.getRelEmb(); e && !cast<ShapedType>(e.getType()).getElementType().isF32())
      return op.emitOpError("rel_emb must be f32 on the CPU backend");
    if (Value e = op.getBias(); e && !cast<ShapedType>(e.getType()).getElementType().isF32())
      return op.emitOpError("bias must be f32 on the CPU backend");

    KernelShape shape = chooseShape(tiling->getQTile(), tiling->getKTile(), vectorWidth, d, dv);

    auto host = op->getParentOfType<func::FuncOp>();
    std::string base = (host ? host.getSymName().str() : std::string("attn")) + "_flash_cpu";
    OpBuilder mb(op->getParentOfType<ModuleOp>().getBodyRegion());
    mb.setInsertionPointToEnd(op->getParentOfType<ModuleOp>().getBody());
    MLIRContext *ctx = op.getContext();
    auto dyn = ShapedType::kDynamic;
    auto strided = StridedLayoutAttr::get(ctx, dyn, {1});
    auto mem = [&](Type t) { return MemRefType::get({dyn}, t, strided); };
    Type f32 = mb.getF32Type(), i32 = mb.getI32Type(), i8 = mb.getI8Type(), i64 = mb.getI64Type();
    SmallVector<Type> argTypes = {mem(f32), mem(f32), mem(f32), mem(f32), mem(f32)};
    Type auxTypes[ATTNC_NUM_AUX] = {i32, i32, i32, i32, i8, i8, i8, f32, f32, f32, f32};
    for (Type t : auxTypes)
      argTypes.push_back(mem(t));
    argTypes.push_back(mem(i64));
    argTypes.push_back(mem(i32));
    argTypes.push_back(i64);
    argTypes.push_back(i64);
    auto func = func::FuncOp::create(mb, op.getLoc(), base, FunctionType::get(ctx, argTypes, {}));
    symbols.insert(func); // uniquifies the name
    func->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
    func.addEntryBlock();

    ImplicitLocOpBuilder b(op.getLoc(), ctx);
    KernelEmitter emitter(op, b, shape);
    emitter.emit(func);

    func->setAttr(kCpuKernelAttrName,
                  buildKernelMetadata(op, func.getSymName(), shape.qTile, shape.kTile, shape.lanes));
    op.setKernelAttr(FlatSymbolRefAttr::get(func.getSymNameAttr()));
    return success();
  }
};

} // namespace
