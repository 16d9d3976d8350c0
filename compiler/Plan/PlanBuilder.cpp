//===- PlanBuilder.cpp - attn model IR -> executable plan -----------------===//
//
// A single walk over the model function's body in program order (which is
// a valid execution order: the body is one block of pure ops). Values are
// numbered as they are first seen; attn.weight ops with the same name share
// one plan value, so a tied embedding is bound once.
//
//===----------------------------------------------------------------------===//
#include "compiler/Plan/PlanBuilder.h"

#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
namespace rtm = attnc::rt::model;

namespace attnc {

func::FuncOp findModelFunction(ModuleOp module, llvm::StringRef name) {
  if (auto fn = module.lookupSymbol<func::FuncOp>(name))
    return fn;
  func::FuncOp only;
  int count = 0;
  for (auto fn : module.getOps<func::FuncOp>())
    if (!fn.isExternal()) {
      only = fn;
      ++count;
    }
  if (count == 1)
    return only;
  module.emitError() << "no model function: expected a func.func @" << name
                     << " (a .attn file with a `model` block produces one)";
  return nullptr;
}

FailureOr<rtm::MaskNode> toRuntimeMask(Attribute mask) {
  using K = rtm::MaskNode::Kind;
  rtm::MaskNode n;
  auto members = [&](llvm::ArrayRef<Attribute> ms) -> LogicalResult {
    for (Attribute m : ms) {
      FailureOr<rtm::MaskNode> s = toRuntimeMask(m);
      if (failed(s))
        return failure();
      n.members.push_back(*s);
    }
    return success();
  };
  bool ok = llvm::TypeSwitch<Attribute, bool>(mask)
                .Case([&](attn::CausalMaskAttr a) {
                  n.kind = K::Causal;
                  n.p[0] = a.getOffset();
                  return true;
                })
                .Case([&](attn::WindowMaskAttr a) {
                  n.kind = K::Window;
                  n.p[0] = a.getLeft();
                  n.p[1] = a.getRight();
                  return true;
                })
                .Case([&](attn::PaddingMaskAttr) {
                  n.kind = K::Padding;
                  return true;
                })
                .Case([&](attn::StridedMaskAttr a) {
                  n.kind = K::Strided;
                  n.p[0] = a.getStride();
                  return true;
                })
                .Case([&](attn::BlockSparseMaskAttr a) {
                  n.kind = K::BlockSparse;
                  n.p[0] = a.getBlock();
                  return true;
                })
                .Case([&](attn::PrefixLMMaskAttr) {
                  n.kind = K::PrefixLM;
                  return true;
                })
                .Case([&](attn::DocumentMaskAttr) {
                  n.kind = K::Document;
                  return true;
                })
                .Case([&](attn::GraphMaskAttr) {
                  n.kind = K::Graph;
                  return true;
                })
                .Case([&](attn::Local2DMaskAttr a) {
                  n.kind = K::Local2D;
                  int64_t ps[7] = {a.getWidth(),   a.getBlockH(),   a.getBlockW(), a.getMemTop(),
                                   a.getMemLeft(), a.getMemRight(), a.getCausal()};
                  std::memcpy(n.p, ps, sizeof(ps));
                  return true;
                })
                .Case([&](attn::ExplicitMaskAttr) {
                  n.kind = K::Explicit;
                  return true;
                })
                .Case([&](attn::AndMaskAttr a) {
                  n.kind = K::And;
                  return succeeded(members(a.getMasks()));
                })
                .Case([&](attn::OrMaskAttr a) {
                  n.kind = K::Or;
                  return succeeded(members(a.getMasks()));
                })
                .Default([](Attribute) { return false; });
  if (!ok)
    return failure();
  return n;
}

FailureOr<rtm::Modifier> toRuntimeModifier(Attribute mod) {
  using K = rtm::Modifier::Kind;
  rtm::Modifier m;
  bool ok = llvm::TypeSwitch<Attribute, bool>(mod)
                .Case([&](attn::AlibiAttr) {
                  m.kind = K::Alibi;
                  return true;
                })
                .Case([&](attn::RelEmbAttr a) {
                  m.kind = K::RelEmb;
                  m.maxDistance = a.getMaxDistance();
                  return true;
                })
                .Case([&](attn::T5BiasAttr a) {
                  m.kind = K::T5Bias;
                  m.numBuckets = a.getNumBuckets();
                  m.maxDistance = a.getMaxDistance();
                  m.bidirectional = a.getBidirectional() != 0;
                  return true;
                })
                .Case([&](attn::SoftcapAttr a) {
                  m.kind = K::Softcap;
                  m.cap = a.getCap().convertToDouble();
                  return true;
                })
                .Case([&](attn::BiasAttr) {
                  m.kind = K::Bias;
                  return true;
                })
                .Default([](Attribute) { return false; });
  if (!ok)
    return failure();
  return m;
}

namespace {

class Builder {
public:
  explicit Builder(func::FuncOp fn) : fn(fn) {}

  FailureOr<rtm::Plan> run() {
    for (BlockArgument arg : fn.getArguments()) {
      std::string name = "arg" + std::to_string(arg.getArgNumber());
      if (auto n = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "attn.name"))
        name = n.str();
      FailureOr<int32_t> id = newValue(arg, rtm::ValueKind::Input, name, fn.getLoc());
      if (failed(id))
        return failure();
      plan.inputs.push_back(*id);
    }
    for (Operation &op : fn.getBody().front())
      if (failed(visit(op)))
        return failure();
    return std::move(plan);
  }

private:
  func::FuncOp fn;
  rtm::Plan plan;
  llvm::DenseMap<Value, int32_t> ids;
  llvm::StringMap<int32_t> weights;

  static std::string locString(Location loc) {
    if (auto f = dyn_cast<FileLineColLoc>(loc))
      return (f.getFilename().str() + ":" + std::to_string(f.getLine()) + ":" +
              std::to_string(f.getColumn()));
    if (auto n = dyn_cast<NameLoc>(loc))
      return locString(n.getChildLoc());
    if (auto fused = dyn_cast<FusedLoc>(loc))
      for (Location l : fused.getLocations()) {
        std::string s = locString(l);
        if (!s.empty())
          return s;
      }
    return "";
  }

  FailureOr<std::pair<rt::DType, std::vector<int64_t>>> typeOf(Value v, Location loc) {
    Type t = v.getType();
    std::vector<int64_t> shape;
    Type elt = t;
    if (auto rt = dyn_cast<RankedTensorType>(t)) {
      for (int64_t d : rt.getShape())
        shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
      elt = rt.getElementType();
    } else if (isa<ShapedType>(t)) {
      return emitError(loc) << "the model executor needs ranked tensors, got " << t;
    }
    rt::DType dt;
    if (isa<FloatType>(elt))
      dt = rt::DType::F32;
    else if (elt.isInteger(32))
      dt = rt::DType::I32;
    else if (elt.isInteger(64) || elt.isIndex())
      dt = rt::DType::I64;
    else if (elt.isInteger(8))
      dt = rt::DType::I8;
    else if (elt.isInteger(1))
      dt = rt::DType::Bool;
    else
      return emitError(loc) << "the model executor does not support element type " << elt;
    return std::make_pair(dt, shape);
  }

  FailureOr<int32_t> newValue(Value v, rtm::ValueKind kind, std::string name, Location loc) {
    auto ty = typeOf(v, loc);
    if (failed(ty))
      return failure();
    rtm::Value pv;
    pv.kind = kind;
    pv.name = std::move(name);
    pv.dtype = ty->first;
    pv.shape = ty->second;
    plan.values.push_back(std::move(pv));
    int32_t id = int32_t(plan.values.size() - 1);
    ids[v] = id;
    return id;
  }

  int32_t idOf(Value v) {
    if (!v)
      return -1;
    auto it = ids.find(v);
    return it == ids.end() ? -1 : it->second;
  }

  void auxInto(const attn::AuxOperands &aux, std::vector<int32_t> &ops) {
    for (unsigned i = 0; i < attn::kNumAuxOperands; ++i)
      ops.push_back(idOf(aux.values[i]));
  }

  LogicalResult addStep(Operation &op, rtm::StepKind kind, std::vector<int32_t> operands,
                        rtm::Step step = rtm::Step()) {
    step.kind = kind;
    step.operands = std::move(operands);
    step.loc = locString(op.getLoc());
    for (Value r : op.getResults()) {
      FailureOr<int32_t> id = newValue(r, rtm::ValueKind::Temp, "", op.getLoc());
      if (failed(id))
        return failure();
      step.results.push_back(*id);
    }
    if (kind == rtm::StepKind::Attention && step.results.size() == 1)
      step.results.push_back(-1);
    plan.steps.push_back(std::move(step));
    return success();
  }

  LogicalResult attentionAttrs(Operation &op, Attribute mask, ArrayAttr mods, rtm::Step &s) {
    if (mask) {
      FailureOr<rtm::MaskNode> m = toRuntimeMask(mask);
      if (failed(m))
        return op.emitError() << "the model executor does not support mask " << mask;
      s.attention.hasMask = true;
      s.attention.mask = *m;
    }
    if (mods)
      for (Attribute a : mods) {
        FailureOr<rtm::Modifier> m = toRuntimeModifier(a);
        if (failed(m))
          return op.emitError() << "the model executor does not support score modifier " << a;
        s.attention.modifiers.push_back(*m);
      }
    return success();
  }

  /// The scale of the attn.scale at the head of a score chain (rel_emb in a
  /// decomposed attn.score_mod uses it, like the fused op does).
  static float chainScale(Value scores) {
    while (Operation *def = scores.getDefiningOp()) {
      if (auto s = dyn_cast<attn::ScaleOp>(def))
        return s.getScaleAttr().getValueAsDouble();
      if (auto m = dyn_cast<attn::MaskOp>(def))
        scores = m.getScores();
      else if (auto m = dyn_cast<attn::ScoreModOp>(def))
        scores = m.getScores();
      else
        break;
    }
    return 1.0f;
  }

  LogicalResult visit(Operation &op) {
    using K = rtm::StepKind;
    return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
        .Case([&](attn::WeightOp w) -> LogicalResult {
          auto it = weights.find(w.getName());
          if (it != weights.end()) {
            ids[w.getResult()] = it->second;
            return success();
          }
          FailureOr<int32_t> id =
              newValue(w.getResult(), rtm::ValueKind::Weight, w.getName().str(), w.getLoc());
          if (failed(id))
            return failure();
          weights[w.getName()] = *id;
          return success();
        })
        .Case([&](arith::ConstantOp c) -> LogicalResult {
          FailureOr<int32_t> id = newValue(c.getResult(), rtm::ValueKind::Constant, "", c.getLoc());
          if (failed(id))
            return failure();
          rtm::Value &v = plan.values[*id];
          auto append = [&](const void *p, size_t n) {
            const uint8_t *b = static_cast<const uint8_t *>(p);
            v.data.insert(v.data.end(), b, b + n);
          };
          Attribute value = c.getValue();
          if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
            if (isa<FloatType>(dense.getElementType())) {
              for (llvm::APFloat f : dense.getValues<llvm::APFloat>()) {
                float x = float(f.convertToDouble());
                append(&x, 4);
              }
            } else {
              for (llvm::APInt i : dense.getValues<llvm::APInt>()) {
                int64_t x = i.getSExtValue();
                if (v.dtype == rt::DType::I32) {
                  int32_t y = int32_t(x);
                  append(&y, 4);
                } else if (v.dtype == rt::DType::I64) {
                  append(&x, 8);
                } else {
                  uint8_t y = uint8_t(x);
                  append(&y, 1);
                }
              }
            }
          } else if (auto i = dyn_cast<IntegerAttr>(value)) {
            int64_t x = i.getInt();
            v.dtype = rt::DType::I64;
            append(&x, 8);
          } else if (auto f = dyn_cast<FloatAttr>(value)) {
            float x = float(f.getValueAsDouble());
            append(&x, 4);
          } else {
            return c.emitError() << "the model executor does not support this constant";
          }
          return success();
        })
        .Case([&](attn::LinearOp o) {
          return addStep(op, K::Linear, {idOf(o.getInput()), idOf(o.getWeight()), idOf(o.getBias())});
        })
        .Case([&](attn::LayerNormOp o) {
          rtm::Step s;
          s.epsilon = o.getEpsilonAttr().getValueAsDouble();
          return addStep(op, K::LayerNorm,
                         {idOf(o.getInput()), idOf(o.getGamma()), idOf(o.getBeta())}, s);
        })
        .Case([&](attn::RMSNormOp o) {
          rtm::Step s;
          s.epsilon = o.getEpsilonAttr().getValueAsDouble();
          return addStep(op, K::RMSNorm, {idOf(o.getInput()), idOf(o.getGamma())}, s);
        })
        .Case([&](attn::ActivationOp o) {
          rtm::Step s;
          rtm::parseActivation(attn::stringifyActivationKind(o.getKind()).str(), s.activation);
          return addStep(op, K::Activation, {idOf(o.getInput())}, s);
        })
        .Case([&](attn::GLUOp o) {
          rtm::Step s;
          rtm::parseActivation(attn::stringifyActivationKind(o.getKind()).str(), s.activation);
          return addStep(op, K::GLU, {idOf(o.getGate()), idOf(o.getUp())}, s);
        })
        .Case([&](attn::AddOp o) {
          return addStep(op, K::Add, {idOf(o.getLhs()), idOf(o.getRhs())});
        })
        .Case([&](attn::EmbeddingOp o) {
          return addStep(op, K::Embedding, {idOf(o.getTable()), idOf(o.getIds())});
        })
        .Case([&](attn::PositionsOp o) {
          return addStep(op, K::Positions,
                         {idOf(o.getInput()), idOf(o.getTable()), idOf(o.getOffset())});
        })
        .Case([&](attn::RopeOp o) {
          rtm::Step s;
          s.theta = o.getThetaAttr().getValueAsDouble();
          s.rotaryDim = o.getRotaryDim();
          return addStep(op, K::Rope, {idOf(o.getInput()), idOf(o.getOffset())}, s);
        })
        .Case([&](attn::SplitHeadsOp o) {
          rtm::Step s;
          s.numHeads = o.getNumHeads();
          return addStep(op, K::SplitHeads, {idOf(o.getInput())}, s);
        })
        .Case([&](attn::MergeHeadsOp o) { return addStep(op, K::MergeHeads, {idOf(o.getInput())}); })
        .Case([&](attn::ConcatSeqOp o) {
          return addStep(op, K::ConcatSeq, {idOf(o.getLhs()), idOf(o.getRhs())});
        })
        .Case([&](attn::SeqProjectOp o) {
          return addStep(op, K::SeqProject, {idOf(o.getInput()), idOf(o.getProj())});
        })
        .Case([&](attn::SoftmaxOp o) { return addStep(op, K::Softmax, {idOf(o.getInput())}); })
        .Case([&](attn::QKOp o) { return addStep(op, K::QK, {idOf(o.getQ()), idOf(o.getK())}); })
        .Case([&](attn::ScaleOp o) {
          rtm::Step s;
          s.attention.scale = o.getScaleAttr().getValueAsDouble();
          return addStep(op, K::Scale, {idOf(o.getInput())}, s);
        })
        .Case([&](attn::PVOp o) { return addStep(op, K::PV, {idOf(o.getProbs()), idOf(o.getV())}); })
        .Case([&](attn::ScoreModOp o) -> LogicalResult {
          rtm::Step s;
          if (failed(attentionAttrs(op, nullptr, o.getModifiers(), s)))
            return failure();
          s.attention.bottomRight = o.getBottomRight();
          s.attention.scale = chainScale(o.getScores());
          std::vector<int32_t> ops = {idOf(o.getScores()), idOf(o.getQuery())};
          auxInto(attn::AuxOperands::of(o), ops);
          return addStep(op, K::ScoreMod, ops, s);
        })
        .Case([&](attn::MaskOp o) -> LogicalResult {
          rtm::Step s;
          if (failed(attentionAttrs(op, o.getMask(), nullptr, s)))
            return failure();
          s.attention.bottomRight = o.getBottomRight();
          std::vector<int32_t> ops = {idOf(o.getScores())};
          auxInto(attn::AuxOperands::of(o), ops);
          return addStep(op, K::Mask, ops, s);
        })
        .Case([&](attn::FlashAttentionOp o) -> LogicalResult {
          rtm::Step s;
          if (failed(attentionAttrs(op, o.getMaskAttr(), o.getModifiers(), s)))
            return failure();
          s.attention.scale = o.getScaleAttr().getValueAsDouble();
          s.attention.bottomRight = o.getBottomRight();
          if (auto k = o.getKernelAttr())
            s.kernel = k.getValue().str();
          std::vector<int32_t> ops = {idOf(o.getQ()), idOf(o.getK()), idOf(o.getV())};
          auxInto(attn::AuxOperands::of(o), ops);
          return addStep(op, K::Attention, ops, s);
        })
        .Case([&](func::ReturnOp r) -> LogicalResult {
          for (auto [i, v] : llvm::enumerate(r.getOperands())) {
            std::string name = "result" + std::to_string(i);
            if (auto n = fn.getResultAttrOfType<StringAttr>(unsigned(i), "attn.name"))
              name = n.str();
            int32_t id = idOf(v);
            if (id < 0)
              return r.emitError() << "result " << i << " is not computed by the model";
            plan.outputs.emplace_back(name, id);
          }
          return success();
        })
        .Default([&](Operation *o) {
          return o->emitError() << "the model executor does not support '" << o->getName()
                                << "' in a model function";
        });
  }
};

} // namespace

FailureOr<rtm::Plan> buildModelPlan(func::FuncOp fn) {
  if (fn.getBody().getBlocks().size() != 1)
    return fn.emitError("a model function must be a single block");
  FailureOr<rtm::Plan> plan = Builder(fn).run();
  if (failed(plan))
    return failure();
  rt::Status st = plan->verify();
  if (!st.ok())
    return fn.emitError() << "internal error: the plan does not verify: " << st.message();
  return plan;
}

} // namespace attnc
