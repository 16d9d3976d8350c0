//===- KernelMetadata.cpp - CPU kernel metadata: attribute and JSON -------===//
//
// See KernelMetadata.h. The JSON form is versioned by the ABI version it
// carries; readers reject any other version.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/KernelMetadata.h"

#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;
using attnc::rt::CpuKernelInfo;
using attnc::rt::CpuMaskKind;
using attnc::rt::CpuMaskNode;
using attnc::rt::CpuSchedule;

static int64_t dimOr(Value v, unsigned i) {
  int64_t d = cast<RankedTensorType>(v.getType()).getDimSize(i);
  return ShapedType::isDynamic(d) ? -1 : d;
}

DictionaryAttr mlir::attn::buildKernelMetadata(FlashAttentionOp op, StringRef name, int64_t qTile,
                                               int64_t kTile, int64_t vectorWidth) {
  Builder b(op.getContext());
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("abi", b.getI64IntegerAttr(ATTNC_CPU_KERNEL_ABI_VERSION)),
      b.getNamedAttr("name", b.getStringAttr(name)),
      b.getNamedAttr("q_tile", b.getI64IntegerAttr(qTile)),
      b.getNamedAttr("k_tile", b.getI64IntegerAttr(kTile)),
      b.getNamedAttr("vector_width", b.getI64IntegerAttr(vectorWidth)),
      b.getNamedAttr("schedule", b.getStringAttr(stringifyTileSchedule(op.getTiling()->getSchedule()))),
      b.getNamedAttr("dtype", b.getStringAttr("f32")),
      b.getNamedAttr("batch", b.getI64IntegerAttr(dimOr(op.getQ(), 0))),
      b.getNamedAttr("q_heads", b.getI64IntegerAttr(dimOr(op.getQ(), 1))),
      b.getNamedAttr("kv_heads", b.getI64IntegerAttr(dimOr(op.getK(), 1))),
      b.getNamedAttr("q_len", b.getI64IntegerAttr(dimOr(op.getQ(), 2))),
      b.getNamedAttr("kv_len", b.getI64IntegerAttr(dimOr(op.getK(), 2))),
      b.getNamedAttr("head_dim", b.getI64IntegerAttr(dimOr(op.getQ(), 3))),
      b.getNamedAttr("value_dim", b.getI64IntegerAttr(dimOr(op.getV(), 3))),
      b.getNamedAttr("scale", op.getScaleAttr()),
      b.getNamedAttr("bottom_right", b.getBoolAttr(op.getBottomRight())),
      b.getNamedAttr("return_lse", b.getBoolAttr(op.getReturnLse())),
      b.getNamedAttr("aux", b.getI64IntegerAttr(op.getAuxOperands().present())),
      b.getNamedAttr("modifiers", op.getModifiers()),
  };
  if (Attribute m = op.getMaskAttr())
    attrs.push_back(b.getNamedAttr("mask", m));
  return b.getDictionaryAttr(attrs);
}

static llvm::Error err(const Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static llvm::Expected<CpuMaskNode> maskNode(Attribute m) {
  CpuMaskNode n;
  auto members = [&](ArrayRef<Attribute> list) -> llvm::Error {
    for (Attribute c : list) {
      auto child = maskNode(c);
      if (!child)
        return child.takeError();
      n.members.push_back(std::move(*child));
    }
    return llvm::Error::success();
  };
  if (auto c = dyn_cast<CausalMaskAttr>(m)) {
    n.kind = CpuMaskKind::Causal;
    n.a = c.getOffset();
  } else if (auto w = dyn_cast<WindowMaskAttr>(m)) {
    n.kind = CpuMaskKind::Window;
    n.a = w.getLeft();
    n.b = w.getRight();
  } else if (isa<PaddingMaskAttr>(m)) {
    n.kind = CpuMaskKind::Padding;
  } else if (auto s = dyn_cast<StridedMaskAttr>(m)) {
    n.kind = CpuMaskKind::Strided;
    n.a = s.getStride();
  } else if (auto bs = dyn_cast<BlockSparseMaskAttr>(m)) {
    n.kind = CpuMaskKind::BlockSparse;
    n.a = bs.getBlock();
  } else if (isa<PrefixLMMaskAttr>(m)) {
    n.kind = CpuMaskKind::PrefixLM;
  } else if (isa<DocumentMaskAttr>(m)) {
    n.kind = CpuMaskKind::Document;
  } else if (isa<GraphMaskAttr>(m)) {
    n.kind = CpuMaskKind::Graph;
  } else if (isa<Local2DMaskAttr>(m)) {
    n.kind = CpuMaskKind::Local2D;
  } else if (isa<ExplicitMaskAttr>(m)) {
    n.kind = CpuMaskKind::Explicit;
  } else if (auto a = dyn_cast<AndMaskAttr>(m)) {
    n.kind = CpuMaskKind::And;
    if (auto e = members(a.getMasks()))
      return std::move(e);
  } else if (auto o = dyn_cast<OrMaskAttr>(m)) {
    n.kind = CpuMaskKind::Or;
    if (auto e = members(o.getMasks()))
      return std::move(e);
  } else {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << m;
    return err("unknown mask attribute " + s);
  }
  return n;
}

llvm::Expected<CpuKernelInfo> mlir::attn::kernelInfoFromMetadata(DictionaryAttr dict) {
  CpuKernelInfo info;
  auto i64 = [&](StringRef key, int64_t &dst) -> llvm::Error {
    auto a = dict.getAs<IntegerAttr>(key);
    if (!a)
      return err("kernel metadata lacks integer '" + key + "'");
    dst = a.getInt();
    return llvm::Error::success();
  };
  int64_t abi = 0, aux = 0;
  for (auto [key, dst] : {std::pair<StringRef, int64_t *>{"abi", &abi},
                          {"q_tile", &info.qTile}, {"k_tile", &info.kTile},
                          {"vector_width", &info.vectorWidth}, {"batch", &info.batch},
                          {"q_heads", &info.qHeads}, {"kv_heads", &info.kvHeads},
                          {"q_len", &info.qLen}, {"kv_len", &info.kvLen},
                          {"head_dim", &info.headDim}, {"value_dim", &info.valueDim},
                          {"aux", &aux}})
    if (auto e = i64(key, *dst))
      return std::move(e);
  info.abiVersion = int(abi);
  info.auxUsed = unsigned(aux);
  auto name = dict.getAs<StringAttr>("name");
  auto sched = dict.getAs<StringAttr>("schedule");
  auto scale = dict.getAs<FloatAttr>("scale");
  if (!name || !sched || !scale)
    return err("kernel metadata lacks name, schedule or scale");
  info.name = name.str();
  info.schedule = sched.getValue() == "band"      ? CpuSchedule::Band
                  : sched.getValue() == "runtime" ? CpuSchedule::Runtime
                                                  : CpuSchedule::Dense;
  info.scale = float(scale.getValueAsDouble());
  if (auto a = dict.getAs<BoolAttr>("bottom_right"))
    info.bottomRight = a.getValue();
  if (auto a = dict.getAs<BoolAttr>("return_lse"))
    info.returnLse = a.getValue();
  if (Attribute m = dict.get("mask")) {
    auto node = maskNode(m);
    if (!node)
      return node.takeError();
    info.mask = std::move(*node);
  }
  if (auto mods = dict.getAs<ArrayAttr>("modifiers"))
    for (Attribute m : mods) {
      StringRef n = TypeSwitch<Attribute, StringRef>(m)
                        .Case<AlibiAttr>([](auto) { return "alibi"; })
                        .Case<RelEmbAttr>([&](RelEmbAttr r) {
                          info.relEmbMaxDistance = r.getMaxDistance();
                          return "rel_emb";
                        })
                        .Case<T5BiasAttr>([&](T5BiasAttr t) {
                          info.t5NumBuckets = t.getNumBuckets();
                          return "t5_bias";
                        })
                        .Case<SoftcapAttr>([](auto) { return "softcap"; })
                        .Case<BiasAttr>([](auto) { return "bias"; })
                        .Default([](Attribute) { return "?"; });
      info.modifiers.push_back(n.str());
    }
  return info;
}

static const char *maskKindName(CpuMaskKind k) {
  static const char *names[] = {"causal", "window", "padding", "strided", "block_sparse",
                                "prefix_lm", "document", "graph", "local2d", "explicit",
                                "and", "or"};
  return names[static_cast<int>(k)];
}

static llvm::json::Value maskToJSON(const CpuMaskNode &n) {
  llvm::json::Object o{{"kind", maskKindName(n.kind)}, {"a", n.a}, {"b", n.b}};
  if (!n.members.empty()) {
    llvm::json::Array arr;
    for (const CpuMaskNode &c : n.members)
      arr.push_back(maskToJSON(c));
    o["members"] = std::move(arr);
  }
  return o;
}

static llvm::Expected<CpuMaskNode> maskFromJSON(const llvm::json::Value &v) {
  const llvm::json::Object *o = v.getAsObject();
  if (!o)
    return err("mask is not a JSON object");
  CpuMaskNode n;
  auto kind = o->getString("kind");
  bool found = false;
  for (int k = 0; k <= static_cast<int>(CpuMaskKind::Or); ++k)
    if (kind && *kind == maskKindName(static_cast<CpuMaskKind>(k))) {
      n.kind = static_cast<CpuMaskKind>(k);
      found = true;
    }
  if (!found)
    return err("unknown mask kind in kernel metadata");
  n.a = o->getInteger("a").value_or(0);
  n.b = o->getInteger("b").value_or(0);
  if (const llvm::json::Array *arr = o->getArray("members"))
    for (const llvm::json::Value &c : *arr) {
      auto child = maskFromJSON(c);
      if (!child)
        return child.takeError();
      n.members.push_back(std::move(*child));
    }
  return n;
}

llvm::json::Value mlir::attn::kernelInfoToJSON(const CpuKernelInfo &info) {
  llvm::json::Array mods;
  for (const std::string &m : info.modifiers)
    mods.push_back(m);
  llvm::json::Object o{
      {"abi", info.abiVersion},         {"name", info.name},
      {"q_tile", info.qTile},           {"k_tile", info.kTile},
      {"vector_width", info.vectorWidth},
      {"schedule", info.schedule == CpuSchedule::Band      ? "band"
                   : info.schedule == CpuSchedule::Runtime ? "runtime"
                                                           : "dense"},
      {"dtype", "f32"},                 {"batch", info.batch},
      {"q_heads", info.qHeads},         {"kv_heads", info.kvHeads},
      {"q_len", info.qLen},             {"kv_len", info.kvLen},
      {"head_dim", info.headDim},       {"value_dim", info.valueDim},
      {"bottom_right", info.bottomRight}, {"return_lse", info.returnLse},
      {"scale", double(info.scale)},    {"aux", int64_t(info.auxUsed)},
      {"modifiers", std::move(mods)},   {"rel_emb_max_distance", info.relEmbMaxDistance},
      {"t5_num_buckets", info.t5NumBuckets}};
  if (info.mask)
    o["mask"] = maskToJSON(*info.mask);
  return o;
}

llvm::Expected<CpuKernelInfo> mlir::attn::kernelInfoFromJSON(const llvm::json::Value &value) {
  const llvm::json::Object *o = value.getAsObject();
  if (!o)
    return err("kernel metadata is not a JSON object");
  CpuKernelInfo info;
  auto abi = o->getInteger("abi");
  if (!abi || *abi != ATTNC_CPU_KERNEL_ABI_VERSION)
    return err("kernel metadata has ABI version " + Twine(abi.value_or(-1)) + ", expected " +
               Twine(ATTNC_CPU_KERNEL_ABI_VERSION));
  info.abiVersion = int(*abi);
  auto name = o->getString("name");
  auto sched = o->getString("schedule");
  if (!name || !sched)
    return err("kernel metadata lacks name or schedule");
  info.name = name->str();
  info.schedule = *sched == "band" ? CpuSchedule::Band
                  : *sched == "runtime" ? CpuSchedule::Runtime
                                        : CpuSchedule::Dense;
  for (auto [key, dst] : {std::pair<StringRef, int64_t *>{"q_tile", &info.qTile},
                          {"k_tile", &info.kTile}, {"vector_width", &info.vectorWidth},
                          {"batch", &info.batch}, {"q_heads", &info.qHeads},
                          {"kv_heads", &info.kvHeads}, {"q_len", &info.qLen},
                          {"kv_len", &info.kvLen}, {"head_dim", &info.headDim},
                          {"value_dim", &info.valueDim},
                          {"rel_emb_max_distance", &info.relEmbMaxDistance},
                          {"t5_num_buckets", &info.t5NumBuckets}}) {
    auto x = o->getInteger(key);
    if (!x)
      return err("kernel metadata lacks integer '" + key + "'");
    *dst = *x;
  }
  info.auxUsed = unsigned(o->getInteger("aux").value_or(0));
  info.bottomRight = o->getBoolean("bottom_right").value_or(false);
  info.returnLse = o->getBoolean("return_lse").value_or(false);
  info.scale = float(o->getNumber("scale").value_or(1.0));
  if (const llvm::json::Array *mods = o->getArray("modifiers"))
    for (const llvm::json::Value &m : *mods)
      if (auto s = m.getAsString())
        info.modifiers.push_back(s->str());
  if (const llvm::json::Value *m = o->get("mask")) {
    auto node = maskFromJSON(*m);
    if (!node)
      return node.takeError();
    info.mask = std::move(*node);
  }
  return info;
}
