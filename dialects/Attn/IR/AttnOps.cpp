//===- AttnOps.cpp - attn dialect operations ------------------------------===//
//
// Builders and verifiers. Every message carries the constraint id from the
// op's description ([A1], [F3], ...) and names the offending values.
//
//===----------------------------------------------------------------------===//
#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;

#define GET_OP_CLASSES
#include "dialects/Attn/IR/AttnOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static bool dimsAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static RankedTensorType rtt(Value v) { return cast<RankedTensorType>(v.getType()); }

static std::string fmtDim(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

AuxSet AuxOperands::present() const {
  AuxSet set = 0;
  for (unsigned i = 0; i < kNumAuxOperands; ++i)
    if (values[i])
      set |= 1u << i;
  return set;
}

LogicalResult AuxOperands::merge(const AuxOperands &other) {
  for (unsigned i = 0; i < kNumAuxOperands; ++i) {
    if (!other.values[i])
      continue;
    if (values[i] && values[i] != other.values[i])
      return failure();
    values[i] = other.values[i];
  }
  return success();
}

/// Checks [K2]/[K3] (and [M2]/[M3], [F5]): the attributes' operands are
/// present and no operand is unused. Also checks the shapes of the operands
/// against the scores' [B, H, Lq, Lk] where they are known ([K4]).
static LogicalResult verifyAux(Operation *op, const AuxOperands &aux, AuxSet required,
                               ArrayRef<int64_t> scoreShape, StringRef tag) {
  AuxSet present = aux.present();
  // kv_segments is optional for document masks.
  AuxSet allowed = required;
  if (required & auxBit(AuxOperand::QSegments))
    allowed |= auxBit(AuxOperand::KvSegments);
  for (unsigned i = 0; i < kNumAuxOperands; ++i) {
    auto a = static_cast<AuxOperand>(i);
    if ((required & auxBit(a)) && !(present & auxBit(a)))
      return op->emitOpError() << tag << " the mask or modifiers need operand '"
                               << stringifyAuxOperand(a) << "', which is missing";
    if ((present & auxBit(a)) && !(allowed & auxBit(a)))
      return op->emitOpError() << tag << " operand '" << stringifyAuxOperand(a)
                               << "' is not used by the mask or modifiers";
  }
  if (scoreShape.size() != 4)
    return success();
  int64_t B = scoreShape[0], H = scoreShape[1], Lq = scoreShape[2], Lk = scoreShape[3];
  auto expectShape = [&](AuxOperand a, ArrayRef<int64_t> want, bool broadcastLeading) -> LogicalResult {
    Value v = aux.get(a);
    if (!v)
      return success();
    ArrayRef<int64_t> got = rtt(v).getShape();
    if (got.size() != want.size())
      return op->emitOpError() << tag << " operand '" << stringifyAuxOperand(a) << "' must have rank "
                               << want.size() << ", got " << rtt(v);
    for (size_t d = 0; d < want.size(); ++d) {
      bool ok = dimsAgree(got[d], want[d]) || (broadcastLeading && d + 2 < want.size() && got[d] == 1);
      if (!ok)
        return op->emitOpError() << tag << " operand '" << stringifyAuxOperand(a) << "' dimension " << d
                                 << " is " << fmtDim(got[d]) << ", expected " << fmtDim(want[d]);
    }
    return success();
  };
  if (failed(expectShape(AuxOperand::KvLengths, {B}, false)) ||
      failed(expectShape(AuxOperand::PrefixLengths, {B}, false)) ||
      failed(expectShape(AuxOperand::QSegments, {B, Lq}, false)) ||
      failed(expectShape(AuxOperand::KvSegments, {B, Lk}, false)) ||
      failed(expectShape(AuxOperand::Adjacency, {B, Lq, Lk}, false)) ||
      failed(expectShape(AuxOperand::MaskTensor, {B, H, Lq, Lk}, true)) ||
      failed(expectShape(AuxOperand::Bias, {B, H, Lq, Lk}, true)) ||
      failed(expectShape(AuxOperand::AlibiSlopes, {H}, false)))
    return failure();
  if (Value seg = aux.get(AuxOperand::QSegments); seg && !aux.get(AuxOperand::KvSegments) &&
                                                   !dimsAgree(Lq, Lk))
    return op->emitOpError() << tag << " document mask without 'kv_segments' needs q_len == kv_len, got "
                             << fmtDim(Lq) << " and " << fmtDim(Lk);
  if (Value bl = aux.get(AuxOperand::BlockLayout)) {
    if (rtt(bl).getRank() != 3)
      return op->emitOpError() << tag << " operand 'block_layout' must have rank 3, got " << rtt(bl);
    int64_t h = rtt(bl).getDimSize(0);
    if (!(dimsAgree(h, H) || h == 1))
      return op->emitOpError() << tag << " operand 'block_layout' has " << h << " heads, expected 1 or "
                               << fmtDim(H);
  }
  if (Value rb = aux.get(AuxOperand::RelBias)) {
    if (rtt(rb).getRank() != 2 || !dimsAgree(rtt(rb).getDimSize(1), H))
      return op->emitOpError() << tag << " operand 'rel_bias' must be [num_buckets, " << fmtDim(H)
                               << "], got " << rtt(rb);
  }
  return success();
}

/// [M1]/[K1]-style checks of the mask and modifier attributes, plus the
/// per-attribute parameter checks that need operand shapes.
static LogicalResult verifyMaskAndModifiers(Operation *op, Attribute mask, ArrayAttr modifiers,
                                            const AuxOperands &aux, StringRef tag, AuxSet &required) {
  required = 0;
  if (mask) {
    if (!isMaskAttr(mask))
      return op->emitOpError() << tag << " 'mask' must be a mask attribute, got " << mask;
    required |= getRequiredAux(mask);
  }
  if (modifiers) {
    for (Attribute m : modifiers) {
      if (!isModifierAttr(m))
        return op->emitOpError() << tag << " 'modifiers' element " << m << " is not a score modifier";
      required |= getRequiredAux(m);
      if (auto t5 = dyn_cast<T5BiasAttr>(m)) {
        if (Value rb = aux.get(AuxOperand::RelBias)) {
          int64_t nb = rtt(rb).getDimSize(0);
          if (!ShapedType::isDynamic(nb) && nb != t5.getNumBuckets())
            return op->emitOpError() << tag << " 'rel_bias' has " << nb << " buckets but #attn.t5_bias has "
                                     << t5.getNumBuckets();
        }
      }
      if (auto re = dyn_cast<RelEmbAttr>(m)) {
        if (Value e = aux.get(AuxOperand::RelEmb)) {
          int64_t rows = rtt(e).getDimSize(0);
          if (rtt(e).getRank() != 2 ||
              (!ShapedType::isDynamic(rows) && rows != 2 * re.getMaxDistance() + 1))
            return op->emitOpError() << tag << " 'rel_emb' must have 2*max_distance+1 = "
                                     << 2 * re.getMaxDistance() + 1 << " rows, got " << rtt(e);
        }
      }
    }
  }
  return success();
}

/// Shared [A1]-[A3] checks for q/k-like pairs of rank-4 tensors.
static LogicalResult verifyHeads(Operation *op, StringRef tag, int64_t hq, int64_t hk) {
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hk) && (hk == 0 || hq % hk != 0))
    return op->emitOpError() << tag << " query heads (" << hq << ") must be a multiple of key/value heads ("
                             << hk << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// Decomposed attention
//===----------------------------------------------------------------------===//

LogicalResult QKOp::verify() {
  auto q = rtt(getQ()), k = rtt(getK()), s = rtt(getScores());
  if (q.getRank() != 4 || k.getRank() != 4)
    return emitOpError() << "[A1] q and k must have rank 4 ([B, H, L, D]), got " << q << " and " << k;
  if (!dimsAgree(q.getDimSize(0), k.getDimSize(0)) || !dimsAgree(q.getDimSize(3), k.getDimSize(3)))
    return emitOpError() << "[A2] q " << q << " and k " << k << " must agree on batch and head_dim";
  if (failed(verifyHeads(*this, "[A3]", q.getDimSize(1), k.getDimSize(1))))
    return failure();
  SmallVector<int64_t> want = {q.getDimSize(0), q.getDimSize(1), q.getDimSize(2), k.getDimSize(2)};
  if (s.getRank() != 4)
    return emitOpError() << "[A4] scores must have rank 4, got " << s;
  for (int d = 0; d < 4; ++d)
    if (!dimsAgree(s.getDimSize(d), want[d]))
      return emitOpError() << "[A4] scores dimension " << d << " is " << fmtDim(s.getDimSize(d))
                           << ", expected " << fmtDim(want[d]);
  return success();
}

void ScoreModOp::build(OpBuilder &b, OperationState &state, Value scores, Value query,
                       const AuxOperands &aux, ArrayAttr modifiers, bool bottomRight) {
  const auto &v = aux.values;
  build(b, state, scores.getType(), scores, query, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
        v[8], v[9], v[10], modifiers, bottomRight);
}

LogicalResult ScoreModOp::verify() {
  AuxOperands aux = AuxOperands::of(*this);
  AuxSet required;
  if (failed(verifyMaskAndModifiers(*this, {}, getModifiers(), aux, "[M1]", required)))
    return failure();
  bool needsQuery = llvm::any_of(getModifiers(), [](Attribute a) { return isa<RelEmbAttr>(a); });
  if (needsQuery && !getQuery())
    return emitOpError() << "[M2] #attn.rel_emb needs the 'query' operand";
  if (!needsQuery && getQuery())
    return emitOpError() << "[M3] operand 'query' is only used by #attn.rel_emb";
  return verifyAux(*this, aux, required, rtt(getScores()).getShape(), "[M2]");
}

void MaskOp::build(OpBuilder &b, OperationState &state, Value scores, const AuxOperands &aux,
                   Attribute mask, bool bottomRight) {
  const auto &v = aux.values;
  build(b, state, scores.getType(), scores, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9],
        v[10], mask, bottomRight);
}

LogicalResult MaskOp::verify() {
  AuxOperands aux = AuxOperands::of(*this);
  AuxSet required;
  if (failed(verifyMaskAndModifiers(*this, getMask(), {}, aux, "[K1]", required)))
    return failure();
  return verifyAux(*this, aux, required, rtt(getScores()).getShape(), "[K2]");
}

LogicalResult PVOp::verify() {
  auto p = rtt(getProbs()), v = rtt(getV()), r = rtt(getResult());
  if (p.getRank() != 4 || v.getRank() != 4 || r.getRank() != 4)
    return emitOpError() << "[P1] probs, v and result must have rank 4, got " << p << ", " << v << ", " << r;
  if (!dimsAgree(p.getDimSize(0), v.getDimSize(0)) || !dimsAgree(p.getDimSize(3), v.getDimSize(2)))
    return emitOpError() << "[P2] probs " << p << " and v " << v << " must agree on batch and kv length";
  if (failed(verifyHeads(*this, "[P3]", p.getDimSize(1), v.getDimSize(1))))
    return failure();
  SmallVector<int64_t> want = {p.getDimSize(0), p.getDimSize(1), p.getDimSize(2), v.getDimSize(3)};
  for (int d = 0; d < 4; ++d)
    if (!dimsAgree(r.getDimSize(d), want[d]))
      return emitOpError() << "[P4] result dimension " << d << " is " << fmtDim(r.getDimSize(d))
                           << ", expected " << fmtDim(want[d]);
  if (r.getElementType() != v.getElementType())
    return emitOpError() << "[P4] result element type " << r.getElementType() << " must match v's "
                         << v.getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// Fused attention
//===----------------------------------------------------------------------===//

void FlashAttentionOp::build(OpBuilder &b, OperationState &state, Type outType, Type lseType, Value q,
                             Value k, Value v, const AuxOperands &aux, float scale, Attribute mask,
                             ArrayAttr modifiers, bool bottomRight) {
  const auto &a = aux.values;
  if (!modifiers)
    modifiers = b.getArrayAttr({});
  build(b, state, outType, lseType, q, k, v, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9],
        a[10], b.getF32FloatAttr(scale), mask, modifiers, /*tiling=*/TilingAttr(),
        bottomRight ? b.getUnitAttr() : UnitAttr(), lseType ? b.getUnitAttr() : UnitAttr(),
        /*kernel=*/FlatSymbolRefAttr());
}

int64_t FlashAttentionOp::getGroupSize() {
  int64_t hq = rtt(getQ()).getDimSize(1), hk = rtt(getK()).getDimSize(1);
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hk) || hk == 0)
    return 1;
  return hq / hk;
}

AuxOperands FlashAttentionOp::getAuxOperands() { return AuxOperands::of(*this); }

LogicalResult FlashAttentionOp::verify() {
  auto q = rtt(getQ()), k = rtt(getK()), v = rtt(getV()), o = rtt(getOut());
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4)
    return emitOpError() << "[F1] q, k and v must have rank 4 ([B, H, L, D]), got " << q << ", " << k << ", "
                         << v;
  if (!dimsAgree(q.getDimSize(0), k.getDimSize(0)) || !dimsAgree(k.getDimSize(0), v.getDimSize(0)))
    return emitOpError() << "[F2] q, k and v must agree on batch, got " << q << ", " << k << ", " << v;
  if (!dimsAgree(k.getDimSize(1), v.getDimSize(1)) || !dimsAgree(k.getDimSize(2), v.getDimSize(2)))
    return emitOpError() << "[F2] k " << k << " and v " << v << " must agree on heads and length";
  if (!dimsAgree(q.getDimSize(3), k.getDimSize(3)))
    return emitOpError() << "[F2] q head_dim " << fmtDim(q.getDimSize(3)) << " differs from k head_dim "
                         << fmtDim(k.getDimSize(3));
  if (failed(verifyHeads(*this, "[F3]", q.getDimSize(1), k.getDimSize(1))))
    return failure();
  SmallVector<int64_t> want = {q.getDimSize(0), q.getDimSize(1), q.getDimSize(2), v.getDimSize(3)};
  if (o.getRank() != 4)
    return emitOpError() << "[F4] out must have rank 4, got " << o;
  for (int d = 0; d < 4; ++d)
    if (!dimsAgree(o.getDimSize(d), want[d]))
      return emitOpError() << "[F4] out dimension " << d << " is " << fmtDim(o.getDimSize(d)) << ", expected "
                           << fmtDim(want[d]);
  if (o.getElementType() != v.getElementType())
    return emitOpError() << "[F4] out element type " << o.getElementType() << " must match v's "
                         << v.getElementType();
  if (static_cast<bool>(getLse()) != getReturnLse())
    return emitOpError() << "[F4] the 'lse' result must be present exactly when 'return_lse' is set";
  if (Value lse = getLse()) {
    auto l = rtt(lse);
    if (l.getRank() != 3 || !dimsAgree(l.getDimSize(0), want[0]) || !dimsAgree(l.getDimSize(1), want[1]) ||
        !dimsAgree(l.getDimSize(2), want[2]))
      return emitOpError() << "[F4] lse must be [B, Hq, Lq] = [" << fmtDim(want[0]) << ", " << fmtDim(want[1])
                           << ", " << fmtDim(want[2]) << "], got " << l;
  }
  if (!std::isfinite(getScale().convertToFloat()))
    return emitOpError() << "[F6] scale must be finite, got " << getScale().convertToFloat();
  AuxOperands aux = getAuxOperands();
  AuxSet required;
  if (failed(verifyMaskAndModifiers(*this, getMaskAttr(), getModifiers(), aux, "[F5]", required)))
    return failure();
  SmallVector<int64_t> scoreShape = {q.getDimSize(0), q.getDimSize(1), q.getDimSize(2), k.getDimSize(2)};
  if (Value e = aux.get(AuxOperand::RelEmb); e && rtt(e).getRank() == 2 &&
                                             !dimsAgree(rtt(e).getDimSize(1), q.getDimSize(3)))
    return emitOpError() << "[F5] 'rel_emb' width " << fmtDim(rtt(e).getDimSize(1))
                         << " must equal the head_dim " << fmtDim(q.getDimSize(3));
  return verifyAux(*this, aux, required, scoreShape, "[F5]");
}

//===----------------------------------------------------------------------===//
// Model-level ops
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError() << "[W1] weight name must not be empty";
  if (!rtt(getResult()).hasStaticShape())
    return emitOpError() << "[W1] weight '" << getName() << "' must have a static shape, got "
                         << getResult().getType();
  return success();
}

LogicalResult LinearOp::verify() {
  auto x = rtt(getInput()), w = rtt(getWeight()), r = rtt(getResult());
  if (w.getRank() != 2 || x.getRank() < 1)
    return emitOpError() << "[L1] weight must be [out, in] and input at least rank 1, got " << w << " and " << x;
  int64_t in = x.getDimSize(x.getRank() - 1), out = w.getDimSize(0);
  if (!dimsAgree(in, w.getDimSize(1)))
    return emitOpError() << "[L1] input features " << fmtDim(in) << " differ from weight's in features "
                         << fmtDim(w.getDimSize(1));
  if (Value b = getBias())
    if (rtt(b).getRank() != 1 || !dimsAgree(rtt(b).getDimSize(0), out))
      return emitOpError() << "[L2] bias must be [" << fmtDim(out) << "], got " << b.getType();
  if (r.getRank() != x.getRank() || !dimsAgree(r.getDimSize(r.getRank() - 1), out))
    return emitOpError() << "[L3] result must be [..., " << fmtDim(out) << "] of rank " << x.getRank()
                         << ", got " << r;
  for (int64_t d = 0; d + 1 < x.getRank(); ++d)
    if (!dimsAgree(r.getDimSize(d), x.getDimSize(d)))
      return emitOpError() << "[L3] result dimension " << d << " is " << fmtDim(r.getDimSize(d))
                           << ", expected " << fmtDim(x.getDimSize(d));
  return success();
}

static LogicalResult verifyNormParam(Operation *op, Value x, Value p, StringRef name) {
  auto xt = rtt(x), pt = rtt(p);
  int64_t d = xt.getDimSize(xt.getRank() - 1);
  if (pt.getRank() != 1 || !dimsAgree(pt.getDimSize(0), d))
    return op->emitOpError() << "[N1] " << name << " must be [" << fmtDim(d) << "], got " << pt;
  return success();
}

LogicalResult LayerNormOp::verify() {
  if (failed(verifyNormParam(*this, getInput(), getGamma(), "gamma")) ||
      failed(verifyNormParam(*this, getInput(), getBeta(), "beta")))
    return failure();
  if (getInput().getType() != getResult().getType())
    return emitOpError() << "[N1] result type must equal the input type";
  return success();
}

LogicalResult RMSNormOp::verify() {
  if (failed(verifyNormParam(*this, getInput(), getGamma(), "gamma")))
    return failure();
  if (getInput().getType() != getResult().getType())
    return emitOpError() << "[N1] result type must equal the input type";
  return success();
}

LogicalResult AddOp::verify() {
  auto l = rtt(getLhs()), r = rtt(getRhs());
  if (r.getRank() > l.getRank())
    return emitOpError() << "[E1] rhs " << r << " has higher rank than lhs " << l;
  int64_t off = l.getRank() - r.getRank();
  for (int64_t d = 0; d < r.getRank(); ++d)
    if (!dimsAgree(r.getDimSize(d), l.getDimSize(off + d)))
      return emitOpError() << "[E1] rhs " << r << " is not a suffix of lhs " << l;
  return success();
}

LogicalResult EmbeddingOp::verify() {
  auto t = rtt(getTable()), ids = rtt(getIds()), r = rtt(getResult());
  if (t.getRank() != 2 || ids.getRank() != 2 || r.getRank() != 3)
    return emitOpError() << "[G1] expected table [V, D], ids [B, L] and result [B, L, D], got " << t << ", "
                         << ids << ", " << r;
  if (!dimsAgree(r.getDimSize(0), ids.getDimSize(0)) || !dimsAgree(r.getDimSize(1), ids.getDimSize(1)) ||
      !dimsAgree(r.getDimSize(2), t.getDimSize(1)))
    return emitOpError() << "[G1] result " << r << " does not match ids " << ids << " and table " << t;
  return success();
}

LogicalResult PositionsOp::verify() {
  auto x = rtt(getInput());
  if (x.getRank() != 3)
    return emitOpError() << "[Q1] input must be [B, L, D], got " << x;
  if (Value t = getTable())
    if (rtt(t).getRank() != 2 || !dimsAgree(rtt(t).getDimSize(1), x.getDimSize(2)))
      return emitOpError() << "[Q1] position table must be [P, " << fmtDim(x.getDimSize(2)) << "], got "
                           << t.getType();
  if (getResult().getType() != x)
    return emitOpError() << "[Q1] result type must equal the input type";
  return success();
}

LogicalResult RopeOp::verify() {
  auto x = rtt(getInput());
  if (x.getRank() != 4)
    return emitOpError() << "[R1] rope input must be [B, H, L, D], got " << x;
  int64_t d = x.getDimSize(3), rd = getRotaryDim();
  if (rd < 0 || rd % 2 != 0 || (!ShapedType::isDynamic(d) && rd > d) || (rd == 0 && !ShapedType::isDynamic(d) && d % 2))
    return emitOpError() << "[R1] rotary_dim " << rd << " must be even and at most head_dim " << fmtDim(d);
  return success();
}

LogicalResult SplitHeadsOp::verify() {
  auto x = rtt(getInput()), r = rtt(getResult());
  int64_t h = getNumHeads();
  if (x.getRank() != 3 || r.getRank() != 4)
    return emitOpError() << "[H1] expected [B, L, H*D] -> [B, H, L, D], got " << x << " -> " << r;
  if (h <= 0 || !dimsAgree(r.getDimSize(1), h) || !dimsAgree(r.getDimSize(0), x.getDimSize(0)) ||
      !dimsAgree(r.getDimSize(2), x.getDimSize(1)))
    return emitOpError() << "[H1] result " << r << " does not match " << x << " split into " << h << " heads";
  int64_t hd = x.getDimSize(2), dd = r.getDimSize(3);
  if (!ShapedType::isDynamic(hd) && !ShapedType::isDynamic(dd) && hd != h * dd)
    return emitOpError() << "[H1] last dimension " << hd << " is not num_heads (" << h << ") * head_dim (" << dd
                         << ")";
  return success();
}

LogicalResult MergeHeadsOp::verify() {
  auto x = rtt(getInput()), r = rtt(getResult());
  if (x.getRank() != 4 || r.getRank() != 3)
    return emitOpError() << "[H2] expected [B, H, L, D] -> [B, L, H*D], got " << x << " -> " << r;
  int64_t h = x.getDimSize(1), d = x.getDimSize(3), hd = r.getDimSize(2);
  if (!dimsAgree(r.getDimSize(0), x.getDimSize(0)) || !dimsAgree(r.getDimSize(1), x.getDimSize(2)) ||
      (!ShapedType::isDynamic(h) && !ShapedType::isDynamic(d) && !dimsAgree(hd, h * d)))
    return emitOpError() << "[H2] result " << r << " does not match merged " << x;
  return success();
}

LogicalResult ConcatSeqOp::verify() {
  auto a = rtt(getLhs()), b = rtt(getRhs()), r = rtt(getResult());
  if (a.getRank() != 4 || b.getRank() != 4 || r.getRank() != 4)
    return emitOpError() << "[C1] operands and result must have rank 4";
  for (int d : {0, 1, 3})
    if (!dimsAgree(a.getDimSize(d), b.getDimSize(d)) || !dimsAgree(a.getDimSize(d), r.getDimSize(d)))
      return emitOpError() << "[C1] " << a << " and " << b << " must agree on dimension " << d;
  int64_t la = a.getDimSize(2), lb = b.getDimSize(2), lr = r.getDimSize(2);
  if (!ShapedType::isDynamic(la) && !ShapedType::isDynamic(lb) && !dimsAgree(lr, la + lb))
    return emitOpError() << "[C1] result length " << fmtDim(lr) << " must be " << la + lb;
  return success();
}

LogicalResult SeqProjectOp::verify() {
  auto x = rtt(getInput()), e = rtt(getProj()), r = rtt(getResult());
  if (x.getRank() != 4 || e.getRank() != 2 || r.getRank() != 4)
    return emitOpError() << "[S1] expected input [B, H, L, D], proj [K, Lmax], result [B, H, K, D]";
  int64_t l = x.getDimSize(2), lmax = e.getDimSize(1);
  if (!ShapedType::isDynamic(l) && !ShapedType::isDynamic(lmax) && l > lmax)
    return emitOpError() << "[S1] sequence length " << l << " exceeds the projection's " << lmax;
  if (!dimsAgree(r.getDimSize(2), e.getDimSize(0)) || !dimsAgree(r.getDimSize(0), x.getDimSize(0)) ||
      !dimsAgree(r.getDimSize(1), x.getDimSize(1)) || !dimsAgree(r.getDimSize(3), x.getDimSize(3)))
    return emitOpError() << "[S1] result " << r << " must be [B, H, " << fmtDim(e.getDimSize(0)) << ", D]";
  return success();
}
