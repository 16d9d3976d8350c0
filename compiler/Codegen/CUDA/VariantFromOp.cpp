//===- VariantFromOp.cpp - attn.flash_attention -> AttnVariant ------------===//
//
// The only place the CUDA backend looks at MLIR: attributes become the
// LLVM-free mask tree / modifier list, shapes become the static head dims.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CUDA/VariantFromOp.h"

#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::attn;
using namespace attnc;
namespace gpu = attnc::rt::gpu;

static std::optional<gpu::ElemType> elemTypeOf(Type t) {
  if (auto shaped = dyn_cast<ShapedType>(t))
    t = shaped.getElementType();
  if (t.isF32())
    return gpu::ElemType::F32;
  if (t.isF16())
    return gpu::ElemType::F16;
  if (t.isBF16())
    return gpu::ElemType::BF16;
  return std::nullopt;
}

static FailureOr<gpu::MaskNode> translateMask(Operation *op, Attribute attr) {
  gpu::MaskNode n;
  if (auto m = dyn_cast<CausalMaskAttr>(attr)) {
    n.kind = gpu::MaskKind::Causal;
    n.ints = {m.getOffset()};
  } else if (auto m = dyn_cast<WindowMaskAttr>(attr)) {
    n.kind = gpu::MaskKind::Window;
    n.ints = {m.getLeft(), m.getRight()};
  } else if (isa<PaddingMaskAttr>(attr)) {
    n.kind = gpu::MaskKind::Padding;
  } else if (auto m = dyn_cast<StridedMaskAttr>(attr)) {
    n.kind = gpu::MaskKind::Strided;
    n.ints = {m.getStride()};
  } else if (auto m = dyn_cast<BlockSparseMaskAttr>(attr)) {
    n.kind = gpu::MaskKind::BlockSparse;
    n.ints = {m.getBlock()};
  } else if (isa<PrefixLMMaskAttr>(attr)) {
    n.kind = gpu::MaskKind::PrefixLM;
  } else if (isa<DocumentMaskAttr>(attr)) {
    n.kind = gpu::MaskKind::Document;
  } else if (isa<GraphMaskAttr>(attr)) {
    n.kind = gpu::MaskKind::Graph;
  } else if (auto m = dyn_cast<Local2DMaskAttr>(attr)) {
    n.kind = gpu::MaskKind::Local2D;
    n.ints = {m.getWidth(),   m.getBlockH(),    m.getBlockW(), m.getMemTop(),
              m.getMemLeft(), m.getMemRight(), m.getCausal()};
  } else if (isa<ExplicitMaskAttr>(attr)) {
    n.kind = gpu::MaskKind::Explicit;
  } else if (isa<AndMaskAttr, OrMaskAttr>(attr)) {
    ArrayRef<Attribute> members;
    if (auto m = dyn_cast<AndMaskAttr>(attr)) {
      n.kind = gpu::MaskKind::And;
      members = m.getMasks();
    } else {
      n.kind = gpu::MaskKind::Or;
      members = cast<OrMaskAttr>(attr).getMasks();
    }
    for (Attribute member : members) {
      FailureOr<gpu::MaskNode> c = translateMask(op, member);
      if (failed(c))
        return failure();
      n.children.push_back(std::move(*c));
    }
  } else {
    return op->emitError() << "the CUDA backend does not know the mask " << attr;
  }
  return n;
}

static FailureOr<gpu::Modifier> translateModifier(Operation *op, Attribute attr) {
  gpu::Modifier m;
  if (isa<AlibiAttr>(attr)) {
    m.kind = gpu::ModKind::Alibi;
  } else if (auto a = dyn_cast<RelEmbAttr>(attr)) {
    m.kind = gpu::ModKind::RelEmb;
    m.ints = {a.getMaxDistance()};
  } else if (auto a = dyn_cast<T5BiasAttr>(attr)) {
    m.kind = gpu::ModKind::T5Bias;
    m.ints = {a.getNumBuckets(), a.getMaxDistance(), a.getBidirectional()};
  } else if (auto a = dyn_cast<SoftcapAttr>(attr)) {
    m.kind = gpu::ModKind::Softcap;
    m.value = a.getCap().convertToDouble();
  } else if (isa<BiasAttr>(attr)) {
    m.kind = gpu::ModKind::Bias;
  } else {
    return op->emitError() << "the CUDA backend does not know the score modifier " << attr;
  }
  return m;
}

/// The band (on j - i') that contains every pair `mask` keeps; std::nullopt
/// bounds are unbounded. Used to reject a tiling that would drop live pairs.
static void hullBand(const gpu::MaskNode &m, std::optional<int64_t> &lo, std::optional<int64_t> &hi) {
  lo.reset();
  hi.reset();
  switch (m.kind) {
  case gpu::MaskKind::Causal: hi = m.ints[0]; return;
  case gpu::MaskKind::Window: lo = -m.ints[0]; hi = m.ints[1]; return;
  case gpu::MaskKind::And:
    for (const gpu::MaskNode &c : m.children) {
      std::optional<int64_t> l, h;
      hullBand(c, l, h);
      if (l)
        lo = lo ? std::max(*lo, *l) : *l;
      if (h)
        hi = hi ? std::min(*hi, *h) : *h;
    }
    return;
  case gpu::MaskKind::Or: {
    bool loBounded = true, hiBounded = true;
    for (const gpu::MaskNode &c : m.children) {
      std::optional<int64_t> l, h;
      hullBand(c, l, h);
      loBounded = loBounded && l;
      hiBounded = hiBounded && h;
      if (l)
        lo = lo ? std::min(*lo, *l) : *l;
      if (h)
        hi = hi ? std::max(*hi, *h) : *h;
    }
    if (!loBounded)
      lo.reset();
    if (!hiBounded)
      hi.reset();
    return;
  }
  default: return;
  }
}

FailureOr<gpu::AttnVariant> attnc::cuda::buildAttnVariant(FlashAttentionOp op) {
  gpu::AttnVariant v;
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  auto kType = cast<RankedTensorType>(op.getK().getType());
  auto vType = cast<RankedTensorType>(op.getV().getType());
  auto dtype = elemTypeOf(qType);
  if (!dtype || elemTypeOf(kType) != dtype || elemTypeOf(vType) != dtype)
    return op.emitError() << "the CUDA backend needs q, k and v of one element type (f32, f16 or bf16), got "
                          << qType.getElementType() << ", " << kType.getElementType() << ", "
                          << vType.getElementType();
  v.dtype = *dtype;
  if (qType.isDynamicDim(3) || vType.isDynamicDim(3))
    return op.emitError() << "the CUDA backend needs static head dims, got " << qType << " and " << vType;
  v.headDim = qType.getDimSize(3);
  v.headDimV = vType.getDimSize(3);
  if (v.headDim < 1 || v.headDim > 512 || v.headDimV < 1 || v.headDimV > 512)
    return op.emitError() << "head dims " << v.headDim << " and " << v.headDimV
                          << " are outside the CUDA backend's range 1..512";

  TilingAttr tiling = op.getTilingAttr();
  if (!tiling)
    return op.emitError() << "the CUDA backend needs a tiled op (#attn.tiling, added by attn-tile-attention)";
  v.qTile = tiling.getQTile();
  v.kTile = tiling.getKTile();
  for (int64_t t : {v.qTile, v.kTile})
    if (t != 16 && t != 32 && t != 64 && t != 128)
      return op.emitError() << "tile " << v.qTile << "x" << v.kTile
                            << " is not supported by the CUDA backend (each side one of 16, 32, 64, 128)";
  switch (tiling.getSchedule()) {
  case TileSchedule::dense: v.schedule = gpu::Schedule::Dense; break;
  case TileSchedule::band: v.schedule = gpu::Schedule::Band; break;
  case TileSchedule::runtime: v.schedule = gpu::Schedule::Runtime; break;
  }
  v.diagLo = tiling.getDiagLo();
  v.diagHi = tiling.getDiagHi();

  v.scale = op.getScale().convertToFloat();
  v.bottomRight = op.getBottomRight();
  v.returnLse = op.getReturnLse();
  if (Attribute mask = op.getMaskAttr()) {
    FailureOr<gpu::MaskNode> m = translateMask(op, mask);
    if (failed(m))
      return failure();
    v.mask = std::move(*m);
  }
  for (Attribute attr : op.getModifiers()) {
    FailureOr<gpu::Modifier> m = translateModifier(op, attr);
    if (failed(m))
      return failure();
    v.modifiers.push_back(*m);
  }
  v.hasKvSegments = static_cast<bool>(op.getKvSegments());
  if (Value bias = op.getBias())
    v.biasType = *elemTypeOf(bias.getType());
  if (Value relEmb = op.getRelEmb())
    v.relEmbType = *elemTypeOf(relEmb.getType());

  // A band schedule skips every key tile outside the band: make sure the
  // mask keeps no pair there.
  if (v.schedule == gpu::Schedule::Band) {
    std::optional<int64_t> lo, hi;
    if (v.mask)
      hullBand(*v.mask, lo, hi);
    if ((v.diagLo && (!lo || *lo < *v.diagLo)) || (v.diagHi && (!hi || *hi > *v.diagHi)))
      return op.emitError() << "tiling band [" << (v.diagLo ? std::to_string(*v.diagLo) : "-inf") << ", "
                            << (v.diagHi ? std::to_string(*v.diagHi) : "+inf") << "] excludes pairs the mask "
                            << (v.mask ? gpu::printMask(*v.mask) : std::string("none")) << " keeps";
  }
  return v;
}
