//===- FuseAttention.cpp - Fuse QK/mask/softmax/PV into flash attention ---===//
//
// attn-fuse-attention: finds the decomposed attention the frontend emits,
//
//   attn.qk -> [attn.scale] -> (attn.score_mod | attn.mask)* -> attn.softmax -> attn.pv
//
// and replaces it with one attn.flash_attention, so that the Lq x Lk score
// matrix is never materialised. Matching is an analysis that either yields
// a complete plan or the op and reason that block it; the IR is touched only
// once a plan exists. With `explain` every decision becomes a remark, which
// is how `attnc --attn-explain-fusion` tells users why an attention stayed
// slow.
//
//===----------------------------------------------------------------------===//
#include "compiler/Transforms/MaskBand.h"
#include "compiler/Transforms/Passes.h"

#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNFUSEATTENTION
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Everything needed to build the fused op, gathered before any IR change.
struct FusionPlan {
  QKOp qk;
  ScaleOp scale;
  /// attn.score_mod / attn.mask ops in program order (qk towards softmax).
  SmallVector<Operation *> middle;
  SoftmaxOp softmax;
  PVOp pv;

  AuxOperands aux;
  Attribute mask;
  SmallVector<Attribute> modifiers;
  bool bottomRight = false;
};

/// Why a chain was not fused, and on which op to say it.
struct Blocker {
  Operation *op = nullptr;
  std::string reason;
};

class ChainMatcher {
public:
  explicit ChainMatcher(PVOp pv) : pv(pv) {}

  /// The plan for `pv`'s chain, or failure with `blocker` filled in.
  FailureOr<FusionPlan> match();
  Blocker blocker;

private:
  LogicalResult block(Operation *op, const Twine &reason) {
    blocker = Blocker{op, ("not fused: " + reason).str()};
    return failure();
  }
  LogicalResult walkBack(FusionPlan &plan);
  LogicalResult combine(FusionPlan &plan);

  PVOp pv;
};

} // namespace

static StringRef opName(Operation *op) { return op->getName().getStringRef(); }

static std::string describeUsers(Value v, Operation *expected) {
  unsigned others = 0;
  std::string first;
  for (Operation *user : v.getUsers()) {
    if (user == expected)
      continue;
    if (others++ == 0)
      first = opName(user).str();
  }
  return std::to_string(others) + " other user" + (others == 1 ? "" : "s") +
         (first.empty() ? "" : " ('" + first + "')");
}

LogicalResult ChainMatcher::walkBack(FusionPlan &plan) {
  auto softmax = pv.getProbs().getDefiningOp<SoftmaxOp>();
  if (!softmax)
    return block(pv, "the probabilities are not computed by 'attn.softmax'");
  if (!softmax.getResult().hasOneUse())
    return block(softmax, "the probabilities have " + describeUsers(softmax.getResult(), pv) +
                              " besides 'attn.pv'; attn.flash_attention does not materialise them");
  plan.softmax = softmax;
  plan.pv = pv;

  Operation *consumer = softmax;
  Value cur = softmax.getInput();
  while (true) {
    Operation *def = cur.getDefiningOp();
    if (!def)
      return block(consumer, "the scores are a block argument, not computed by 'attn.qk'");
    if (!cur.hasOneUse())
      return block(def, "the scores it produces have " + describeUsers(cur, consumer) +
                            " besides '" + opName(consumer) +
                            "'; attn.flash_attention does not materialise them");
    if (auto mask = dyn_cast<MaskOp>(def)) {
      plan.middle.push_back(mask);
      cur = mask.getScores();
    } else if (auto mod = dyn_cast<ScoreModOp>(def)) {
      plan.middle.push_back(mod);
      cur = mod.getScores();
    } else if (auto scale = dyn_cast<ScaleOp>(def)) {
      auto qk = scale.getInput().getDefiningOp<QKOp>();
      if (!qk)
        return block(scale, "'attn.scale' must directly follow 'attn.qk' (the fused op scales first), "
                            "but its input is not computed by 'attn.qk'");
      if (!scale.getInput().hasOneUse())
        return block(qk, "the scores it produces have " + describeUsers(scale.getInput(), scale) +
                             " besides 'attn.scale'; attn.flash_attention does not materialise them");
      plan.scale = scale;
      plan.qk = qk;
      break;
    } else if (auto qk = dyn_cast<QKOp>(def)) {
      plan.qk = qk;
      break;
    } else {
      return block(consumer, "the scores come from '" + opName(def) + "', not from 'attn.qk'");
    }
    consumer = def;
  }
  std::reverse(plan.middle.begin(), plan.middle.end());
  return success();
}

LogicalResult ChainMatcher::combine(FusionPlan &plan) {
  MLIRContext *ctx = pv.getContext();
  auto qType = cast<RankedTensorType>(plan.qk.getQ().getType());
  auto kType = cast<RankedTensorType>(plan.qk.getK().getType());
  auto vType = cast<RankedTensorType>(pv.getV().getType());

  // attn.qk and attn.pv each allow any head grouping; the fused op reads K
  // and V through one index, so they must agree on heads and length.
  for (int dim : {1, 2}) {
    int64_t kd = kType.getDimSize(dim), vd = vType.getDimSize(dim);
    if (!ShapedType::isDynamic(kd) && !ShapedType::isDynamic(vd) && kd != vd)
      return block(pv, Twine("k has ") + Twine(kd) + (dim == 1 ? " heads" : " keys") + " but v has " +
                           Twine(vd) + "; attn.flash_attention needs k and v to share heads and length");
  }

  // Positions depend on bottom_right only when q_len != kv_len may hold.
  int64_t qLen = qType.getDimSize(2), kvLen = kType.getDimSize(2);
  bool alignmentMatters =
      ShapedType::isDynamic(qLen) || ShapedType::isDynamic(kvLen) || qLen != kvLen;
  Operation *alignedBy = nullptr;

  SmallVector<Attribute> masks;
  Operation *firstMask = nullptr;
  for (Operation *op : plan.middle) {
    AuxOperands aux;
    SmallVector<Attribute> attrs;
    bool bottomRight;
    if (auto mask = dyn_cast<MaskOp>(op)) {
      aux = AuxOperands::of(mask);
      attrs.push_back(mask.getMask());
      bottomRight = mask.getBottomRight();
      if (auto both = dyn_cast<AndMaskAttr>(mask.getMask()))
        llvm::append_range(masks, both.getMasks());
      else
        masks.push_back(mask.getMask());
      if (!firstMask)
        firstMask = op;
    } else {
      auto mod = cast<ScoreModOp>(op);
      aux = AuxOperands::of(mod);
      llvm::append_range(attrs, mod.getModifiers().getValue());
      bottomRight = mod.getBottomRight();
      for (Attribute m : mod.getModifiers()) {
        // Masked scores are -inf; adding a finite value keeps them hidden, but
        // soft-capping maps them to -cap, which the fused op's order (all
        // modifiers, then the mask) cannot express.
        if (firstMask && isa<SoftcapAttr>(m))
          return block(op, "#attn.softcap after 'attn.mask' would turn hidden (-inf) scores into -cap; "
                           "attn.flash_attention applies every modifier before the mask");
        if (isa<RelEmbAttr>(m) && mod.getQuery() != plan.qk.getQ())
          return block(op, "#attn.rel_emb reads a 'query' operand that is not the q of 'attn.qk'; "
                           "the fused op computes relative logits from its own q");
        if (Value e = mod.getRelEmb()) {
          // attn.score_mod leaves the embedding width to its query; the fused
          // op requires it to be q's head_dim ([F5]).
          int64_t width = cast<RankedTensorType>(e.getType()).getDimSize(1);
          int64_t headDim = qType.getDimSize(3);
          if (!ShapedType::isDynamic(width) && !ShapedType::isDynamic(headDim) && width != headDim)
            return block(op, Twine("'rel_emb' is ") + Twine(width) + " wide but q's head_dim is " +
                                 Twine(headDim));
        }
        plan.modifiers.push_back(m);
      }
    }

    if (failed(plan.aux.merge(aux))) {
      for (unsigned i = 0; i < kNumAuxOperands; ++i) {
        auto a = static_cast<AuxOperand>(i);
        if (aux.get(a) && plan.aux.get(a) && aux.get(a) != plan.aux.get(a))
          return block(op, "operand '" + stringifyAuxOperand(a) +
                               "' differs from the one an earlier op of the chain uses; "
                               "attn.flash_attention has one of each");
      }
      return block(op, "its auxiliary operands clash with an earlier op of the chain");
    }

    if (!llvm::any_of(attrs, [](Attribute a) { return usesPositions(a); }))
      continue;
    if (!alignedBy) {
      alignedBy = op;
      plan.bottomRight = bottomRight;
    } else if (bottomRight != plan.bottomRight && alignmentMatters) {
      return block(op, Twine("it is ") + (bottomRight ? "" : "not ") +
                           "bottom_right aligned but an earlier position-dependent op of the chain is" +
                           (bottomRight ? " not" : "") + ", and q_len may differ from kv_len");
    }
  }

  if (masks.size() == 1)
    plan.mask = masks.front();
  else if (masks.size() > 1)
    plan.mask = AndMaskAttr::get(ctx, masks);
  return success();
}

FailureOr<FusionPlan> ChainMatcher::match() {
  FusionPlan plan;
  if (failed(walkBack(plan)) || failed(combine(plan)))
    return failure();
  return plan;
}

/// Builds the fused op in place of the chain and erases the chain. The
/// matcher checks every constraint it knows of; should the fused op still
/// fail its verifier, it is erased again and the chain kept, so the pass
/// never leaves invalid IR behind (`why` says what the verifier said).
static FailureOr<FlashAttentionOp> rewrite(FusionPlan &plan, std::string &why) {
  SmallVector<Operation *> chain;
  chain.push_back(plan.qk);
  if (plan.scale)
    chain.push_back(plan.scale);
  llvm::append_range(chain, plan.middle);
  chain.push_back(plan.softmax);
  chain.push_back(plan.pv);

  SmallVector<Location> locs = llvm::map_to_vector(chain, [](Operation *op) { return op->getLoc(); });
  OpBuilder b(plan.pv);
  MLIRContext *ctx = plan.pv.getContext();
  float scale = plan.scale ? plan.scale.getScale().convertToFloat() : 1.0f;
  auto fused = FlashAttentionOp::create(b, FusedLoc::get(ctx, locs), plan.pv.getType(), Type(),
                                        plan.qk.getQ(), plan.qk.getK(), plan.pv.getV(), plan.aux, scale,
                                        plan.mask, b.getArrayAttr(plan.modifiers), plan.bottomRight);
  {
    ScopedDiagnosticHandler capture(ctx, [&](Diagnostic &diag) {
      if (why.empty())
        why = diag.str();
      return success();
    });
    if (failed(verify(fused))) {
      fused->erase();
      return failure();
    }
  }
  plan.pv.getResult().replaceAllUsesWith(fused.getOut());
  for (Operation *op : llvm::reverse(chain))
    op->erase();
  return fused;
}

static std::string describeChain(const FusionPlan &plan) {
  std::string s = "qk";
  if (plan.scale)
    s += ", scale";
  for (Operation *op : plan.middle)
    s += isa<MaskOp>(op) ? ", mask" : ", score_mod";
  return s + ", softmax, pv";
}

namespace {

struct FuseAttention : mlir::attn::impl::AttnFuseAttentionBase<FuseAttention> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<PVOp> anchors;
    getOperation()->walk([&](PVOp pv) { anchors.push_back(pv); });
    for (PVOp pv : anchors) {
      ChainMatcher matcher(pv);
      FailureOr<FusionPlan> plan = matcher.match();
      if (failed(plan)) {
        if (explain)
          matcher.blocker.op->emitRemark(matcher.blocker.reason);
        continue;
      }
      // The rewrite erases `pv`; report on its location.
      Location pvLoc = pv.getLoc();
      std::string chain = describeChain(*plan), why;
      if (failed(rewrite(*plan, why))) {
        if (explain)
          pv.emitRemark() << "not fused: the fused op would be invalid: " << why;
        continue;
      }
      if (explain)
        emitRemark(pvLoc) << "fused (" << chain << ") into attn.flash_attention";
    }
  }
};

} // namespace
