//===- MLIRGen.cpp - Lower checked specs to the attn dialect --------------===//
//
// Kernels become one decomposed attention chain; models become @forward,
// built layer by layer from the model-level ops. Attention inside a model
// uses the same decomposed chain as a kernel, on [B, H, L, D] tensors made
// by attn.linear + attn.split_heads, so that one fusion pass serves both.
// Sema has checked every size, so the only failure left here is the
// verifier's, which would be a bug in this file and is reported as such.
//
//===----------------------------------------------------------------------===//
#include "frontends/spec/MLIRGen.h"

#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/StringMap.h"

#include <cmath>

using namespace mlir;
using namespace attnc::spec;
namespace attn = mlir::attn;

std::vector<float> attnc::spec::alibiSlopes(int64_t heads) {
  auto pow2Slopes = [](int64_t n) {
    std::vector<float> s;
    double start = std::pow(2.0, -8.0 / static_cast<double>(n));
    for (int64_t i = 0; i < n; ++i)
      s.push_back(static_cast<float>(std::pow(start, static_cast<double>(i + 1))));
    return s;
  };
  int64_t p = 1;
  while (p * 2 <= heads)
    p *= 2;
  std::vector<float> slopes = pow2Slopes(p);
  if (p != heads) {
    std::vector<float> extra = pow2Slopes(2 * p);
    for (int64_t i = 0; static_cast<int64_t>(slopes.size()) < heads; i += 2)
      slopes.push_back(extra[i]);
  }
  return slopes;
}

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

/// Function arguments collected before the function exists (their number
/// depends on the masks of every layer), then bound to block arguments.
struct ArgList {
  llvm::SmallVector<Type> types;
  llvm::SmallVector<std::string> names;
  llvm::StringMap<unsigned> index;

  unsigned add(llvm::StringRef name, Type type) {
    auto [it, inserted] = index.try_emplace(name, types.size());
    if (inserted) {
      types.push_back(type);
      names.push_back(name.str());
    }
    return it->second;
  }
};

class MLIRGen {
public:
  MLIRGen(DiagEmitter &diag) : diag(diag), ctx(diag.getContext()), b(ctx) {}

  OwningOpRef<ModuleOp> run(const SpecModule &spec);

private:
  Location loc(SrcLoc l) { return diag.loc(l); }
  Type elemType(DType t) {
    switch (t) {
    case DType::F16: return b.getF16Type();
    case DType::BF16: return b.getBF16Type();
    case DType::F32: break;
    }
    return b.getF32Type();
  }
  RankedTensorType tensor(ArrayRef<int64_t> shape, Type et) { return RankedTensorType::get(shape, et); }

  Attribute maskAttr(const MaskSpec &m);
  Attribute modifierAttr(const ModifierSpec &m);
  func::FuncOp createFunc(Location l, llvm::StringRef name, const ArgList &args, ArrayRef<Type> results,
                          ArrayRef<std::string> resultNames);

  /// The decomposed chain shared by kernels and models.
  Value attentionChain(Location l, Value q, Value k, Value v, double scale, ArrayRef<Attribute> modifiers,
                       const attn::AuxOperands &modAux, Attribute mask, const attn::AuxOperands &maskAux,
                       bool bottomRight, Location maskLoc);

  void kernel(const KernelSpec &k);
  void model(const ModelSpec &m);

  //--- Model pieces ------------------------------------------------------------
  struct StackCtx {
    const StackSpec *st;
    std::string prefix;    // "decoder", "encoder"
    std::string argPrefix; // "", "src_", "tgt_"
    Type et;
    Value alibi, relBias;  // shared by all layers
    attn::AuxOperands aux; // run-time mask operands (function arguments)
    Value srcLengths;      // cross-attention padding (decoder of enc-dec)
    llvm::SmallVector<Value> mems;
  };
  Value weight(Location l, const std::string &name, ArrayRef<int64_t> shape, Type et);
  Value linear(Location l, Value x, const std::string &name, int64_t out, bool bias, Type et);
  Value norm(Location l, Value x, const std::string &name, const StackSpec &st, Type et);
  Value ffn(Location l, Value x, const std::string &name, const StackSpec &st, Type et);
  Value selfAttention(StackCtx &sc, int64_t layer, Value x, Value memory);
  Value crossAttention(StackCtx &sc, int64_t layer, Value x, Value enc);
  Value runStack(StackCtx &sc, Value x, Value enc, llvm::SmallVectorImpl<Value> &newMems);
  Value embed(Location l, Value tokens, Value table, const StackSpec &st, const std::string &posName,
              int64_t maxPositions, Type et);

  DiagEmitter &diag;
  MLIRContext *ctx;
  OpBuilder b;
  ModuleOp module;
  int64_t maxPositions = 0; // of the model being generated (Linformer)
};

//===----------------------------------------------------------------------===//
// Attributes and functions
//===----------------------------------------------------------------------===//

Attribute MLIRGen::maskAttr(const MaskSpec &m) {
  using K = MaskSpec::Kind;
  switch (m.kind) {
  case K::None: return {};
  case K::Causal: return attn::CausalMaskAttr::get(ctx, m.offset);
  case K::Padding: return attn::PaddingMaskAttr::get(ctx);
  case K::Window: return attn::WindowMaskAttr::get(ctx, m.left, m.right);
  case K::Strided: return attn::StridedMaskAttr::get(ctx, m.stride);
  case K::BlockSparse: return attn::BlockSparseMaskAttr::get(ctx, m.block);
  case K::PrefixLM: return attn::PrefixLMMaskAttr::get(ctx);
  case K::Document: return attn::DocumentMaskAttr::get(ctx);
  case K::Graph: return attn::GraphMaskAttr::get(ctx);
  case K::Local2D:
    return attn::Local2DMaskAttr::get(ctx, m.width, m.blockH, m.blockW, m.memTop, m.memLeft, m.memRight,
                                      m.causal ? 1 : 0);
  case K::Explicit: return attn::ExplicitMaskAttr::get(ctx);
  case K::And:
  case K::Or: {
    llvm::SmallVector<Attribute> members;
    for (const MaskSpec &sub : m.members)
      members.push_back(maskAttr(sub));
    if (m.kind == K::And)
      return attn::AndMaskAttr::get(ctx, members);
    return attn::OrMaskAttr::get(ctx, members);
  }
  }
  return {};
}

Attribute MLIRGen::modifierAttr(const ModifierSpec &m) {
  using K = ModifierSpec::Kind;
  switch (m.kind) {
  case K::Alibi: return attn::AlibiAttr::get(ctx);
  case K::RelEmb: return attn::RelEmbAttr::get(ctx, m.maxDistance);
  case K::T5Bias: return attn::T5BiasAttr::get(ctx, m.numBuckets, m.maxDistance, m.bidirectional ? 1 : 0);
  case K::Softcap: return attn::SoftcapAttr::get(ctx, llvm::APFloat(m.cap));
  case K::Bias: return attn::BiasAttr::get(ctx);
  }
  return {};
}

func::FuncOp MLIRGen::createFunc(Location l, llvm::StringRef name, const ArgList &args, ArrayRef<Type> results,
                                 ArrayRef<std::string> resultNames) {
  b.setInsertionPointToEnd(module.getBody());
  auto fn = func::FuncOp::create(b, l, name, b.getFunctionType(args.types, results));
  for (unsigned i = 0; i < args.names.size(); ++i)
    fn.setArgAttr(i, kNameAttr, b.getStringAttr(args.names[i]));
  for (unsigned i = 0; i < resultNames.size(); ++i)
    fn.setResultAttr(i, kNameAttr, b.getStringAttr(resultNames[i]));
  mlir::Block *entry = fn.addEntryBlock();
  for (BlockArgument arg : entry->getArguments())
    arg.setLoc(l);
  b.setInsertionPointToStart(entry);
  return fn;
}

Value MLIRGen::attentionChain(Location l, Value q, Value k, Value v, double scale, ArrayRef<Attribute> modifiers,
                              const attn::AuxOperands &modAux, Attribute mask, const attn::AuxOperands &maskAux,
                              bool bottomRight, Location maskLoc) {
  auto qt = cast<RankedTensorType>(q.getType()), kt = cast<RankedTensorType>(k.getType()),
       vt = cast<RankedTensorType>(v.getType());
  auto scoresType =
      tensor({qt.getDimSize(0), qt.getDimSize(1), qt.getDimSize(2), kt.getDimSize(2)}, b.getF32Type());
  Value s = attn::QKOp::create(b, l, scoresType, q, k);
  s = attn::ScaleOp::create(b, l, scoresType, s, b.getF32FloatAttr(static_cast<float>(scale)));
  if (!modifiers.empty()) {
    bool needsQuery = llvm::any_of(modifiers, [](Attribute a) { return isa<attn::RelEmbAttr>(a); });
    s = attn::ScoreModOp::create(b, l, s, needsQuery ? q : Value(), modAux, b.getArrayAttr(modifiers),
                                 bottomRight);
  }
  if (mask)
    s = attn::MaskOp::create(b, maskLoc, s, maskAux, mask, bottomRight);
  s = attn::SoftmaxOp::create(b, l, scoresType, s);
  auto outType = tensor({qt.getDimSize(0), qt.getDimSize(1), qt.getDimSize(2), vt.getDimSize(3)},
                        vt.getElementType());
  return attn::PVOp::create(b, l, outType, s, v);
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

static int64_t dimOf(const DimSpec &d) { return d.isSymbolic() ? kDyn : d.value; }

static int64_t ceilDivDim(int64_t a, int64_t b) { return a == kDyn ? kDyn : (a + b - 1) / b; }

/// The block size of the first block-sparse mask in `m`.
static int64_t blockSize(const MaskSpec &m) {
  if (m.kind == MaskSpec::Kind::BlockSparse)
    return m.block;
  for (const MaskSpec &sub : m.members)
    if (int64_t bs = blockSize(sub))
      return bs;
  return 0;
}

void MLIRGen::kernel(const KernelSpec &k) {
  Location l = loc(k.loc);
  Type et = elemType(k.dtype);
  Type i32 = b.getI32Type(), i8 = b.getI8Type(), f32 = b.getF32Type();
  int64_t B = dimOf(k.q[0]), Hq = dimOf(k.q[1]), Lq = dimOf(k.q[2]), D = dimOf(k.q[3]);
  int64_t Hk = dimOf(k.k[1]), Lk = dimOf(k.k[2]), Dv = dimOf(k.v[3]);

  ArgList args;
  args.add("q", tensor({B, Hq, Lq, D}, et));
  args.add("k", tensor({B, Hk, Lk, D}, et));
  args.add("v", tensor({B, Hk, Lk, Dv}, et));
  using MK = MaskSpec::Kind;
  using AO = attn::AuxOperand;
  llvm::SmallVector<std::pair<AO, unsigned>> maskArgs, modArgs;
  const MaskSpec &m = k.mask;
  if (m.uses(MK::Padding))
    maskArgs.push_back({AO::KvLengths, args.add("kv_lengths", tensor({B}, i32))});
  if (m.uses(MK::PrefixLM))
    maskArgs.push_back({AO::PrefixLengths, args.add("prefix_lengths", tensor({B}, i32))});
  if (m.uses(MK::Document)) {
    maskArgs.push_back({AO::QSegments, args.add("q_segments", tensor({B, Lq}, i32))});
    // Self-attention shares one id tensor; cross-attention has its own.
    if (!k.q[2].sameAs(k.k[2]))
      maskArgs.push_back({AO::KvSegments, args.add("kv_segments", tensor({B, Lk}, i32))});
  }
  if (m.uses(MK::Graph))
    maskArgs.push_back({AO::Adjacency, args.add("adjacency", tensor({B, Lq, Lk}, i8))});
  if (int64_t bs = blockSize(m))
    maskArgs.push_back(
        {AO::BlockLayout, args.add("block_layout", tensor({Hq, ceilDivDim(Lq, bs), ceilDivDim(Lk, bs)}, i8))});
  if (m.uses(MK::Explicit))
    maskArgs.push_back({AO::MaskTensor, args.add("mask", tensor({B, Hq, Lq, Lk}, i8))});

  // Modifier operands in AuxOperand order too, whatever the list order.
  llvm::SmallVector<Attribute> mods;
  const ModifierSpec *bias = nullptr, *relEmb = nullptr, *relBias = nullptr;
  bool needsAlibi = false;
  for (const ModifierSpec &mod : k.modifiers) {
    mods.push_back(modifierAttr(mod));
    switch (mod.kind) {
    case ModifierSpec::Kind::Bias: bias = &mod; break;
    case ModifierSpec::Kind::RelEmb: relEmb = &mod; break;
    case ModifierSpec::Kind::T5Bias: relBias = &mod; break;
    case ModifierSpec::Kind::Alibi: needsAlibi = true; break;
    case ModifierSpec::Kind::Softcap: break;
    }
  }
  if (bias)
    modArgs.push_back({AO::Bias, args.add("bias", tensor({B, Hq, Lq, Lk}, f32))});
  if (relEmb)
    modArgs.push_back({AO::RelEmb, args.add("rel_emb", tensor({2 * relEmb->maxDistance + 1, D}, f32))});
  if (relBias)
    modArgs.push_back({AO::RelBias, args.add("rel_bias", tensor({relBias->numBuckets, Hq}, f32))});

  auto outType = tensor({B, Hq, Lq, Dv}, et);
  func::FuncOp fn = createFunc(l, k.name, args, {outType}, {"out"});
  attn::AuxOperands maskAux, modAux;
  for (auto [which, idx] : maskArgs)
    maskAux.set(which, fn.getArgument(idx));
  for (auto [which, idx] : modArgs)
    modAux.set(which, fn.getArgument(idx));
  if (needsAlibi) {
    std::vector<float> slopes = alibiSlopes(Hq);
    auto type = tensor({Hq}, f32);
    modAux.set(AO::AlibiSlopes,
               arith::ConstantOp::create(b, l, DenseElementsAttr::get(type, ArrayRef<float>(slopes))));
  }
  double scale = k.scale ? *k.scale : 1.0 / std::sqrt(static_cast<double>(D));
  Value out = attentionChain(l, fn.getArgument(0), fn.getArgument(1), fn.getArgument(2), scale, mods, modAux,
                             maskAttr(m), maskAux, k.bottomRight, loc(m.loc));
  func::ReturnOp::create(b, l, out);
}

//===----------------------------------------------------------------------===//
// Models
//===----------------------------------------------------------------------===//

Value MLIRGen::weight(Location l, const std::string &name, ArrayRef<int64_t> shape, Type et) {
  return attn::WeightOp::create(b, l, tensor(shape, et), b.getStringAttr(name));
}

/// `x: [B, L, in]` -> `[B, L, out]` with `name.weight: [out, in]` (and `name.bias`).
Value MLIRGen::linear(Location l, Value x, const std::string &name, int64_t out, bool bias, Type et) {
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t in = xt.getDimSize(xt.getRank() - 1);
  Value w = weight(l, name + ".weight", {out, in}, et);
  Value bv = bias ? weight(l, name + ".bias", {out}, et) : Value();
  llvm::SmallVector<int64_t> shape(xt.getShape());
  shape.back() = out;
  return attn::LinearOp::create(b, l, tensor(shape, et), x, w, bv);
}

Value MLIRGen::norm(Location l, Value x, const std::string &name, const StackSpec &st, Type et) {
  int64_t d = cast<RankedTensorType>(x.getType()).getShape().back();
  Value g = weight(l, name + ".weight", {d}, et);
  FloatAttr eps = b.getF32FloatAttr(static_cast<float>(st.normEps));
  if (st.norm == NormKind::RMSNorm)
    return attn::RMSNormOp::create(b, l, x.getType(), x, g, eps);
  Value beta = weight(l, name + ".bias", {d}, et);
  return attn::LayerNormOp::create(b, l, x.getType(), x, g, beta, eps);
}

static attn::ActivationKind toAttn(ActivationKind a) {
  switch (a) {
  case ActivationKind::ReLU: return attn::ActivationKind::relu;
  case ActivationKind::GELU: return attn::ActivationKind::gelu;
  case ActivationKind::GELUTanh: return attn::ActivationKind::gelu_tanh;
  case ActivationKind::SiLU:
  case ActivationKind::SwiGLU: break;
  }
  return attn::ActivationKind::silu;
}

Value MLIRGen::ffn(Location l, Value x, const std::string &name, const StackSpec &st, Type et) {
  auto kind = attn::ActivationKindAttr::get(ctx, toAttn(st.activation));
  if (st.activation == ActivationKind::SwiGLU) {
    Value gate = linear(l, x, name + ".gate_proj", st.ffn, st.bias, et);
    Value up = linear(l, x, name + ".up_proj", st.ffn, st.bias, et);
    Value h = attn::GLUOp::create(b, l, gate.getType(), gate, up, kind);
    return linear(l, h, name + ".down_proj", st.dModel, st.bias, et);
  }
  Value h = linear(l, x, name + ".fc1", st.ffn, st.bias, et);
  h = attn::ActivationOp::create(b, l, h.getType(), h, kind);
  return linear(l, h, name + ".fc2", st.dModel, st.bias, et);
}

/// [B, L, H*D] -> [B, H, L, D].
static RankedTensorType headsType(Value x, int64_t heads, int64_t headDim) {
  auto t = cast<RankedTensorType>(x.getType());
  return RankedTensorType::get({t.getDimSize(0), heads, t.getDimSize(1), headDim}, t.getElementType());
}

Value MLIRGen::selfAttention(StackCtx &sc, int64_t layer, Value x, Value memory) {
  const StackSpec &st = *sc.st;
  const LayerSpec &ls = st.perLayer[layer];
  Location l = loc(ls.loc);
  std::string p = sc.prefix + ".layers." + std::to_string(layer) + ".self_attn";
  Type et = sc.et;
  Value kvIn = x;
  if (memory) {
    // Transformer-XL: keys and values also see the previous segment's hidden
    // states. concat_seq works on [B, H, L, D], so view [B, L, d] as one head.
    Location ml = loc(st.memoryLoc);
    Value m4 = attn::SplitHeadsOp::create(b, ml, headsType(memory, 1, st.dModel), memory, b.getI64IntegerAttr(1));
    Value x4 = attn::SplitHeadsOp::create(b, ml, headsType(x, 1, st.dModel), x, b.getI64IntegerAttr(1));
    auto catType = tensor({kDyn, 1, kDyn, st.dModel}, et);
    Value cat = attn::ConcatSeqOp::create(b, ml, catType, m4, x4);
    kvIn = attn::MergeHeadsOp::create(b, ml, tensor({kDyn, kDyn, st.dModel}, et), cat);
  }
  Value q = linear(l, x, p + ".q_proj", st.heads * st.headDim, st.bias, et);
  Value k = linear(l, kvIn, p + ".k_proj", st.kvHeads * st.headDim, st.bias, et);
  Value v = linear(l, kvIn, p + ".v_proj", st.kvHeads * st.headDim, st.bias, et);
  q = attn::SplitHeadsOp::create(b, l, headsType(q, st.heads, st.headDim), q, b.getI64IntegerAttr(st.heads));
  k = attn::SplitHeadsOp::create(b, l, headsType(k, st.kvHeads, st.headDim), k, b.getI64IntegerAttr(st.kvHeads));
  v = attn::SplitHeadsOp::create(b, l, headsType(v, st.kvHeads, st.headDim), v, b.getI64IntegerAttr(st.kvHeads));
  const PositionSpec &pos = st.positions;
  if (pos.kind == PositionKind::Rope) {
    Location pl = loc(pos.loc);
    FloatAttr theta = b.getF32FloatAttr(static_cast<float>(pos.theta));
    IntegerAttr rd = b.getI64IntegerAttr(pos.rotaryDim);
    q = attn::RopeOp::create(b, pl, q.getType(), q, Value(), theta, rd);
    k = attn::RopeOp::create(b, pl, k.getType(), k, Value(), theta, rd);
  }
  if (st.seqProj) {
    // Linformer: project keys and values along the sequence to seq_proj rows.
    Location pl = loc(st.seqProjLoc);
    auto projType = tensor({kDyn, st.kvHeads, st.seqProj, st.headDim}, et);
    Value e = weight(pl, p + ".e_proj.weight", {st.seqProj, maxPositions}, et);
    Value f = weight(pl, p + ".f_proj.weight", {st.seqProj, maxPositions}, et);
    k = attn::SeqProjectOp::create(b, pl, projType, k, e);
    v = attn::SeqProjectOp::create(b, pl, projType, v, f);
  }

  llvm::SmallVector<Attribute> mods;
  attn::AuxOperands modAux;
  Location pl = loc(pos.loc);
  switch (pos.kind) {
  case PositionKind::Alibi:
    mods.push_back(attn::AlibiAttr::get(ctx));
    modAux.set(attn::AuxOperand::AlibiSlopes, sc.alibi);
    break;
  case PositionKind::Relative:
    mods.push_back(attn::RelEmbAttr::get(ctx, pos.maxDistance));
    modAux.set(attn::AuxOperand::RelEmb,
               weight(pl, p + ".rel_emb.weight", {2 * pos.maxDistance + 1, st.headDim}, b.getF32Type()));
    break;
  case PositionKind::T5:
    mods.push_back(attn::T5BiasAttr::get(ctx, pos.numBuckets, pos.maxDistance, *pos.bidirectional ? 1 : 0));
    modAux.set(attn::AuxOperand::RelBias, sc.relBias);
    break;
  default: break;
  }
  if (ls.softcap)
    mods.push_back(attn::SoftcapAttr::get(ctx, llvm::APFloat(*ls.softcap)));

  // Only the operands this layer's mask reads: layers may differ.
  attn::AuxOperands maskAux;
  attn::AuxSet need = ls.mask.isNone() ? 0 : attn::getRequiredAux(maskAttr(ls.mask));
  for (unsigned i = 0; i < attn::kNumAuxOperands; ++i) {
    auto which = static_cast<attn::AuxOperand>(i);
    if (need & attn::auxBit(which))
      maskAux.set(which, sc.aux.get(which));
  }
  double scale = 1.0 / std::sqrt(static_cast<double>(st.headDim));
  Value o = attentionChain(l, q, k, v, scale, mods, modAux, maskAttr(ls.mask), maskAux,
                           /*bottomRight=*/static_cast<bool>(memory), loc(ls.mask.loc));
  auto merged = tensor({kDyn, kDyn, st.heads * st.headDim}, et);
  o = attn::MergeHeadsOp::create(b, l, merged, o);
  return linear(l, o, p + ".o_proj", st.dModel, st.bias, et);
}

Value MLIRGen::crossAttention(StackCtx &sc, int64_t layer, Value x, Value enc) {
  const StackSpec &st = *sc.st;
  Location l = loc(st.perLayer[layer].loc);
  std::string p = sc.prefix + ".layers." + std::to_string(layer) + ".cross_attn";
  Type et = sc.et;
  Value q = linear(l, x, p + ".q_proj", st.heads * st.headDim, st.bias, et);
  Value k = linear(l, enc, p + ".k_proj", st.kvHeads * st.headDim, st.bias, et);
  Value v = linear(l, enc, p + ".v_proj", st.kvHeads * st.headDim, st.bias, et);
  q = attn::SplitHeadsOp::create(b, l, headsType(q, st.heads, st.headDim), q, b.getI64IntegerAttr(st.heads));
  k = attn::SplitHeadsOp::create(b, l, headsType(k, st.kvHeads, st.headDim), k, b.getI64IntegerAttr(st.kvHeads));
  v = attn::SplitHeadsOp::create(b, l, headsType(v, st.kvHeads, st.headDim), v, b.getI64IntegerAttr(st.kvHeads));
  llvm::SmallVector<Attribute> mods;
  if (st.perLayer[layer].softcap)
    mods.push_back(attn::SoftcapAttr::get(ctx, llvm::APFloat(*st.perLayer[layer].softcap)));
  // Keys are encoder positions: only the source padding applies.
  Attribute mask;
  attn::AuxOperands maskAux;
  if (sc.srcLengths) {
    mask = attn::PaddingMaskAttr::get(ctx);
    maskAux.set(attn::AuxOperand::KvLengths, sc.srcLengths);
  }
  double scale = 1.0 / std::sqrt(static_cast<double>(st.headDim));
  Value o = attentionChain(l, q, k, v, scale, mods, {}, mask, maskAux, false, l);
  o = attn::MergeHeadsOp::create(b, l, tensor({kDyn, kDyn, st.heads * st.headDim}, et), o);
  return linear(l, o, p + ".o_proj", st.dModel, st.bias, et);
}

Value MLIRGen::runStack(StackCtx &sc, Value x, Value enc, llvm::SmallVectorImpl<Value> &newMems) {
  const StackSpec &st = *sc.st;
  Type et = sc.et;
  for (int64_t i = 0; i < st.layers; ++i) {
    Location l = loc(st.perLayer[i].loc);
    std::string p = sc.prefix + ".layers." + std::to_string(i);
    if (st.memory)
      newMems.push_back(x); // the layer's input is the next segment's memory
    Value memory = st.memory ? sc.mems[i] : Value();
    unsigned normIdx = 1;
    auto nextNorm = [&] { return p + ".norm" + std::to_string(normIdx++); };
    auto sublayer = [&](auto &&body) {
      std::string n = nextNorm();
      if (st.preNorm) {
        Value h = body(norm(l, x, n, st, et));
        x = attn::AddOp::create(b, l, x, h);
      } else {
        Value h = body(x);
        x = norm(l, attn::AddOp::create(b, l, x, h), n, st, et);
      }
    };
    sublayer([&](Value h) { return selfAttention(sc, i, h, memory); });
    if (st.crossAttention)
      sublayer([&](Value h) { return crossAttention(sc, i, h, enc); });
    sublayer([&](Value h) { return ffn(l, h, p + ".ffn", st, et); });
  }
  if (st.finalNorm)
    x = norm(loc(st.loc), x, sc.prefix + ".norm", st, et);
  return x;
}

Value MLIRGen::embed(Location l, Value tokens, Value table, const StackSpec &st, const std::string &posName,
                     int64_t maxPositions, Type et) {
  auto xType = tensor({kDyn, kDyn, st.dModel}, et);
  Value x = attn::EmbeddingOp::create(b, l, xType, table, tokens);
  const PositionSpec &pos = st.positions;
  Location pl = loc(pos.loc);
  if (pos.kind == PositionKind::Sinusoidal)
    x = attn::PositionsOp::create(b, pl, xType, x, Value(), Value());
  else if (pos.kind == PositionKind::Learned)
    x = attn::PositionsOp::create(b, pl, xType, x, weight(pl, posName, {maxPositions, st.dModel}, et), Value());
  return x;
}

void MLIRGen::model(const ModelSpec &m) {
  Location l = loc(m.loc);
  Type et = elemType(m.dtype);
  Type i32 = b.getI32Type(), i8 = b.getI8Type();
  bool encDec = m.encoder && m.decoder;
  maxPositions = m.maxPositions;

  // Arguments first: tokens, then each stack's run-time mask data.
  ArgList args;
  llvm::SmallVector<StackCtx, 2> stacks;
  auto addStack = [&](const StackSpec &st) {
    StackCtx sc;
    sc.st = &st;
    sc.prefix = st.isDecoder ? "decoder" : "encoder";
    sc.argPrefix = encDec ? (st.isDecoder ? "tgt_" : "src_") : "";
    sc.et = et;
    stacks.push_back(sc);
  };
  if (m.encoder)
    addStack(*m.encoder);
  if (m.decoder)
    addStack(*m.decoder);
  llvm::SmallVector<unsigned, 2> tokenArg;
  for (StackCtx &sc : stacks)
    tokenArg.push_back(args.add(sc.argPrefix + "tokens", tensor({kDyn, kDyn}, i32)));
  using MK = MaskSpec::Kind;
  using AO = attn::AuxOperand;
  // Per stack: which operand, which argument.
  llvm::SmallVector<llvm::SmallVector<std::pair<AO, unsigned>>, 2> auxArgs(stacks.size());
  llvm::SmallVector<llvm::SmallVector<unsigned>, 2> memArgs(stacks.size());
  for (auto [si, sc] : llvm::enumerate(stacks)) {
    const StackSpec &st = *sc.st;
    auto anyLayer = [&](MK k) { return llvm::any_of(st.perLayer, [&](const LayerSpec &ls) { return ls.mask.uses(k); }); };
    auto add = [&](AO which, llvm::StringRef name, Type t) {
      auxArgs[si].push_back({which, args.add(sc.argPrefix + name.str(), t)});
    };
    if (anyLayer(MK::Padding))
      add(AO::KvLengths, "lengths", tensor({kDyn}, i32));
    if (anyLayer(MK::PrefixLM))
      add(AO::PrefixLengths, "prefix_lengths", tensor({kDyn}, i32));
    if (anyLayer(MK::Document))
      add(AO::QSegments, "segments", tensor({kDyn, kDyn}, i32));
    if (anyLayer(MK::Graph))
      add(AO::Adjacency, "adjacency", tensor({kDyn, kDyn, kDyn}, i8));
    if (anyLayer(MK::BlockSparse))
      add(AO::BlockLayout, "block_layout", tensor({st.heads, kDyn, kDyn}, i8));
    if (anyLayer(MK::Explicit))
      add(AO::MaskTensor, "mask", tensor({kDyn, 1, kDyn, kDyn}, i8));
    if (st.memory)
      for (int64_t i = 0; i < st.layers; ++i)
        memArgs[si].push_back(args.add("mems." + std::to_string(i), tensor({kDyn, kDyn, st.dModel}, et)));
  }

  const StackSpec &out = m.decoder ? *m.decoder : *m.encoder;
  llvm::SmallVector<Type> resultTypes;
  llvm::SmallVector<std::string> resultNames;
  if (m.head == HeadKind::None) {
    resultTypes.push_back(tensor({kDyn, kDyn, out.dModel}, et));
    resultNames.push_back("hidden");
  } else {
    resultTypes.push_back(tensor({kDyn, kDyn, m.vocab}, et));
    resultNames.push_back(m.softmax ? "probs" : "logits");
  }
  if (out.memory)
    for (int64_t i = 0; i < out.layers; ++i) {
      resultTypes.push_back(tensor({kDyn, kDyn, out.dModel}, et));
      resultNames.push_back("new_mems." + std::to_string(i));
    }

  func::FuncOp fn = createFunc(l, "forward", args, resultTypes, resultNames);
  Value tokEmb = weight(l, "tok_emb.weight", {m.vocab, out.dModel}, et);
  for (auto [si, sc] : llvm::enumerate(stacks)) {
    for (auto [which, idx] : auxArgs[si])
      sc.aux.set(which, fn.getArgument(idx));
    for (unsigned idx : memArgs[si])
      sc.mems.push_back(fn.getArgument(idx));
    const PositionSpec &pos = sc.st->positions;
    if (pos.kind == PositionKind::Alibi) {
      std::vector<float> slopes = alibiSlopes(sc.st->heads);
      auto type = tensor({sc.st->heads}, b.getF32Type());
      sc.alibi = arith::ConstantOp::create(b, loc(pos.loc), DenseElementsAttr::get(type, ArrayRef<float>(slopes)));
    } else if (pos.kind == PositionKind::T5) {
      sc.relBias = weight(loc(pos.loc), sc.prefix + ".rel_bias.weight", {pos.numBuckets, sc.st->heads},
                          b.getF32Type());
    }
  }

  llvm::SmallVector<Value> newMems;
  Value encOut;
  Value x;
  for (auto [si, sc] : llvm::enumerate(stacks)) {
    if (sc.st->isDecoder && encOut && m.encoder->perLayer.size() &&
        llvm::any_of(m.encoder->perLayer, [](const LayerSpec &ls) { return ls.mask.uses(MK::Padding); }))
      sc.srcLengths = stacks[0].aux.get(AO::KvLengths);
    std::string posName = encDec ? sc.prefix + ".pos_emb.weight" : "pos_emb.weight";
    Value h = embed(loc(sc.st->loc), fn.getArgument(tokenArg[si]), tokEmb, *sc.st, posName, m.maxPositions, et);
    x = runStack(sc, h, encOut, newMems);
    if (!sc.st->isDecoder)
      encOut = x;
  }

  llvm::SmallVector<Value> results;
  if (m.head == HeadKind::None) {
    results.push_back(x);
  } else {
    Value w = m.head == HeadKind::Tied ? tokEmb : weight(l, "lm_head.weight", {m.vocab, out.dModel}, et);
    Value logits = attn::LinearOp::create(b, l, resultTypes[0], x, w, Value());
    if (m.softmax)
      logits = attn::SoftmaxOp::create(b, l, resultTypes[0], logits);
    results.push_back(logits);
  }
  results.append(newMems.begin(), newMems.end());
  func::ReturnOp::create(b, l, results);
}

OwningOpRef<ModuleOp> MLIRGen::run(const SpecModule &spec) {
  OwningOpRef<ModuleOp> owned = ModuleOp::create(b.getUnknownLoc());
  module = *owned;
  for (const KernelSpec &k : spec.kernels)
    kernel(k);
  for (const ModelSpec &m : spec.models)
    model(m);
  if (failed(verify(module))) {
    // The verifier already reported where; Sema should have caught it first.
    diag.error({1, 1}) << "internal error: the generated IR does not verify (please report this spec)";
    return nullptr;
  }
  return owned;
}

} // namespace

OwningOpRef<ModuleOp> attnc::spec::generateMLIR(const SpecModule &spec, DiagEmitter &diag) {
  return MLIRGen(diag).run(spec);
}
