//===- attnc.cpp - The attnc C++ JIT API ----------------------------------===//
//
// compileString is the one real compile path: .attn text -> frontend (with
// the kernel's dtype set to f32, the CPU's compute type) -> the fusion
// pipeline, run here so that each operand of the fused attn.flash_attention
// can be traced back to a named function argument or a constant (ALiBi
// slopes) -> the CPU JIT (compiler/Codegen/CPU/JIT.h), whose cache makes a
// repeated compile a load. compileKernel renders a KernelSpec as .attn text
// and compiles that, so both forms share one set of checks and messages.
//
// Kernel::run checks the bindings against the argument table built here
// (names, dtypes, static sizes, equal symbolic sizes) before the runtime's
// dispatcher checks what it knows (mask data shapes, broadcasting).
//
//===----------------------------------------------------------------------===//
#include "compiler/API/attnc.h"

#include "compiler/Codegen/CPU/JIT.h"
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Registration.h"
#include "dialects/Attn/IR/AttnOps.h"
#include "frontends/spec/Diagnostics.h"
#include "frontends/spec/MLIRGen.h"
#include "frontends/spec/Parser.h"
#include "frontends/spec/Spec.h"
#include "runtime/cache/KernelCache.h"
#include "runtime/cpu/Dispatch.h"
#include "runtime/cpu/ThreadPool.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <chrono>
#include <cmath>
#include <map>

using namespace attnc;
using namespace mlir;

//===----------------------------------------------------------------------===//
// Masks, modifiers and KernelSpec -> .attn text
//===----------------------------------------------------------------------===//

namespace {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// A number the .attn lexer reads back exactly.
std::string formatNumber(double v) {
  std::string s = llvm::formatv("{0}", llvm::format("%.17g", v)).str();
  if (llvm::StringRef(s).find_first_of(".eEn") == llvm::StringRef::npos)
    s += ".0";
  return s;
}

std::string formatDim(const Dim &d) { return d.symbol.empty() ? std::to_string(d.value) : d.symbol; }

} // namespace

Mask Mask::causal(int64_t offset) {
  return Mask(offset == 0 ? "causal" : "causal(offset = " + std::to_string(offset) + ")");
}
Mask Mask::window(int64_t left, int64_t right) {
  return Mask("window(left = " + std::to_string(left) + ", right = " + std::to_string(right) + ")");
}
Mask Mask::strided(int64_t stride) { return Mask("strided(stride = " + std::to_string(stride) + ")"); }
Mask Mask::blockSparse(int64_t block) {
  return Mask("block_sparse(block = " + std::to_string(block) + ")");
}
Mask Mask::local2d(int64_t width, int64_t blockH, int64_t blockW, int64_t memTop, int64_t memLeft,
                   int64_t memRight, bool causal) {
  return Mask(llvm::formatv("local2d(width = {0}, block_h = {1}, block_w = {2}, mem_top = {3}, "
                            "mem_left = {4}, mem_right = {5}, causal = {6})",
                            width, blockH, blockW, memTop, memLeft, memRight, causal ? "true" : "false")
                  .str());
}
Mask attnc::operator&(const Mask &a, const Mask &b) {
  // `&` binds tighter than `|`: parenthesise unions.
  auto operand = [](const Mask &m) { return m.isOr ? "(" + m.text + ")" : m.text; };
  return Mask(operand(a) + " & " + operand(b));
}
Mask attnc::operator|(const Mask &a, const Mask &b) { return Mask(a.text + " | " + b.text, true); }

Modifier Modifier::relEmb(int64_t maxDistance) {
  return Modifier("rel_emb(max_distance = " + std::to_string(maxDistance) + ")");
}
Modifier Modifier::t5Bias(int64_t numBuckets, int64_t maxDistance, bool bidirectional) {
  return Modifier(llvm::formatv("t5_bias(num_buckets = {0}, max_distance = {1}, bidirectional = {2})",
                                numBuckets, maxDistance, bidirectional ? "true" : "false")
                      .str());
}
Modifier Modifier::softcap(double cap) { return Modifier("softcap(" + formatNumber(cap) + ")"); }

std::string KernelSpec::toSource() const {
  std::string s = "kernel " + name + " {\n";
  auto shape = [&](const char *key, const std::array<Dim, 4> &dims) {
    s += std::string("  ") + key + " = [";
    for (size_t i = 0; i < dims.size(); ++i)
      s += (i ? ", " : "") + formatDim(dims[i]);
    s += "]\n";
  };
  shape("q", q);
  shape("k", k);
  shape("v", v);
  if (dtype != DType::F32)
    s += std::string("  dtype = ") + rt::dtypeName(dtype) + "\n";
  s += "  mask = " + mask.str() + "\n";
  if (!modifiers.empty()) {
    s += "  modifiers = [";
    for (size_t i = 0; i < modifiers.size(); ++i)
      s += (i ? ", " : "") + modifiers[i].str();
    s += "]\n";
  }
  if (scale)
    s += "  scale = " + formatNumber(*scale) + "\n";
  if (bottomRight)
    s += "  bottom_right = true\n";
  return s + "}\n";
}

//===----------------------------------------------------------------------===//
// Kernel
//===----------------------------------------------------------------------===//

struct Kernel::Impl {
  std::string name;
  std::vector<Argument> args;
  /// Argument indices of q, k, v, out.
  int qArg = -1, kArg = -1, vArg = -1, outArg = -1;
  /// Per auxiliary slot: the argument that feeds it, or -1.
  std::array<int, ATTNC_NUM_AUX> auxArg;
  /// Per auxiliary slot: a constant of the spec (ALiBi slopes).
  std::array<rt::HostTensor, ATTNC_NUM_AUX> auxConst;
  /// dtype of q, k, v, out as the caller sees them (the kernel computes f32).
  DType ioType = DType::F32;

  std::shared_ptr<cpu::KernelLibrary> library;
  const rt::CpuKernelInfo *info = nullptr;
  AttncCpuKernelFn entry = nullptr;
  std::unique_ptr<rt::ThreadPool> pool;
  mutable rt::LiveTileCache tiles;
  CompileStats stats;
  std::string key;

  Impl() { auxArg.fill(-1); }
  llvm::Error run(llvm::ArrayRef<Binding> bindings) const;
};

const std::string &Kernel::name() const { return impl->name; }
llvm::ArrayRef<Argument> Kernel::arguments() const { return impl->args; }
const CompileStats &Kernel::stats() const { return impl->stats; }
const std::string &Kernel::cacheKey() const { return impl->key; }

const Argument *Kernel::argument(llvm::StringRef name) const {
  for (const Argument &a : impl->args)
    if (a.name == name)
      return &a;
  return nullptr;
}

llvm::Expected<std::vector<int64_t>> Kernel::outputShape(llvm::ArrayRef<Binding> inputs) const {
  if (!impl)
    return makeError("the kernel is empty (compile one first)");
  const TensorView *q = nullptr, *v = nullptr;
  for (const Binding &b : inputs) {
    if (b.name == "q")
      q = &b.view;
    if (b.name == "v")
      v = &b.view;
  }
  if (!q || !v)
    return makeError("the output shape needs 'q' and 'v'");
  if (q->rank() != 4 || v->rank() != 4)
    return makeError("'q' and 'v' must have rank 4 [B, H, L, D], got " + q->describe() + " and " +
                     v->describe());
  return std::vector<int64_t>{q->dim(0), q->dim(1), q->dim(2), v->dim(3)};
}

llvm::Error Kernel::run(llvm::ArrayRef<Binding> bindings) const {
  if (!impl)
    return makeError("the kernel is empty (compile one first)");
  return impl->run(bindings);
}

namespace {

std::string argumentList(const std::vector<Argument> &args) {
  std::string s;
  for (const Argument &a : args)
    s += (s.empty() ? "" : ", ") + a.name;
  return s;
}

std::string describeArgument(const Argument &a) {
  std::string s = "[";
  for (size_t i = 0; i < a.shape.size(); ++i) {
    s += i ? ", " : "";
    s += !a.dims[i].empty() ? a.dims[i] : a.shape[i] < 0 ? "?" : std::to_string(a.shape[i]);
  }
  return s + "] " + rt::dtypeName(a.dtype);
}

llvm::Error toError(const rt::Status &st) {
  return st.ok() ? llvm::Error::success() : makeError(st.message());
}

/// Converts between views of any dtype with equal shapes (strided both
/// sides), element by element through double: only used for f16/bf16 I/O.
void convertElements(const TensorView &src, const TensorView &dst) {
  int64_t n = src.numElements();
  std::array<int64_t, rt::kMaxRank> idx{};
  for (int64_t e = 0; e < n; ++e) {
    double x = rt::loadAsDouble(src.dtype(), src.data(), size_t(src.offsetOf(idx.data())));
    rt::storeFromDouble(dst.dtype(), dst.data(), size_t(dst.offsetOf(idx.data())), x);
    for (int d = src.rank() - 1; d >= 0; --d) {
      if (++idx[d] < src.dim(d))
        break;
      idx[d] = 0;
    }
  }
}

} // namespace

llvm::Error Kernel::Impl::run(llvm::ArrayRef<Binding> bindings) const {
  std::vector<const TensorView *> bound(args.size(), nullptr);
  for (const Binding &b : bindings) {
    auto it = llvm::find_if(args, [&](const Argument &a) { return a.name == b.name; });
    if (it == args.end())
      return makeError("kernel '" + name + "' has no argument '" + b.name +
                       "' (arguments: " + argumentList(args) + ")");
    size_t i = size_t(it - args.begin());
    if (bound[i])
      return makeError("'" + b.name + "' is bound twice");
    bound[i] = &b.view;
  }
  // Names, dtypes, ranks, static sizes, then equal symbolic sizes.
  std::map<std::string, std::pair<int64_t, std::string>> symbols;
  for (size_t i = 0; i < args.size(); ++i) {
    const Argument &a = args[i];
    const TensorView *t = bound[i];
    if (!t || !t->data())
      return makeError("missing tensor '" + a.name + "' " + describeArgument(a) + " of kernel '" +
                       name + "'");
    if (t->dtype() != a.dtype)
      return makeError("'" + a.name + "' must be " + rt::dtypeName(a.dtype) + ", got " + t->describe());
    if (t->rank() != int(a.shape.size()))
      return makeError("'" + a.name + "' must have shape " + describeArgument(a) + ", got " +
                       t->describe());
    for (int d = 0; d < t->rank(); ++d) {
      if (a.shape[d] >= 0 && t->dim(d) != a.shape[d])
        return makeError(llvm::formatv("'{0}' dimension {1} must be {2} (shape {3}), got {4}", a.name, d,
                                       a.shape[d], describeArgument(a), t->describe())
                             .str());
      if (a.dims[d].empty())
        continue;
      auto [it, inserted] =
          symbols.try_emplace(a.dims[d], t->dim(d), a.name + " dimension " + std::to_string(d));
      if (!inserted && it->second.first != t->dim(d))
        return makeError(llvm::formatv("'{0}' dimension {1} ({2}) is {3}, but {4} ({2}) is {5}", a.name, d,
                                       a.dims[d], t->dim(d), it->second.second, it->second.first)
                             .str());
    }
  }

  rt::CpuAttentionArgs cargs;
  cargs.q = *bound[qArg];
  cargs.k = *bound[kArg];
  cargs.v = *bound[vArg];
  cargs.out = *bound[outArg];
  for (int s = 0; s < ATTNC_NUM_AUX; ++s) {
    if (auxArg[s] >= 0)
      cargs.aux[s] = *bound[auxArg[s]];
    else if (auxConst[s].data())
      cargs.aux[s] = auxConst[s].view();
  }

  // f16/bf16 callers: widen the inputs, compute in f32, round the output.
  rt::HostTensor wide[4];
  if (ioType != DType::F32) {
    TensorView *views[4] = {&cargs.q, &cargs.k, &cargs.v, &cargs.out};
    for (int i = 0; i < 4; ++i) {
      auto t = rt::HostTensor::allocate(DType::F32, views[i]->shape());
      if (!t.ok())
        return toError(t.status());
      wide[i] = std::move(t.value());
      if (i < 3)
        convertElements(*views[i], wide[i].view());
      *views[i] = wide[i].view();
    }
  }

  rt::CpuRunOptions ropts;
  ropts.pool = pool.get();
  ropts.tileCache = &tiles;
  rt::Status st = rt::runCpuAttention(*info, entry, cargs, ropts);
  if (!st.ok())
    return makeError("kernel '" + name + "': " + st.message());
  if (ioType != DType::F32)
    convertElements(wide[3].view(), *bound[outArg]);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Compilation
//===----------------------------------------------------------------------===//

namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::optional<DType> dtypeOf(Type t) {
  if (t.isF32())
    return DType::F32;
  if (t.isF16())
    return DType::F16;
  if (t.isBF16())
    return DType::BF16;
  if (t.isInteger(32))
    return DType::I32;
  if (t.isInteger(8))
    return DType::I8;
  return std::nullopt;
}

DType specDType(spec::DType t) {
  switch (t) {
  case spec::DType::F32: return DType::F32;
  case spec::DType::F16: return DType::F16;
  case spec::DType::BF16: return DType::BF16;
  }
  return DType::F32;
}

/// Symbolic names of an argument's dimensions, from the spec's q/k/v shapes
/// (only where the generated layout says which size a dimension is).
std::vector<std::string> dimNames(llvm::StringRef arg, const spec::KernelSpec &k, size_t rank) {
  auto sym = [](const spec::DimSpec &d) { return d.symbol; };
  std::vector<std::string> out(rank);
  auto set = [&](std::initializer_list<std::string> names) {
    if (names.size() == rank)
      out.assign(names.begin(), names.end());
  };
  std::string B = sym(k.q[0]), Hq = sym(k.q[1]), Lq = sym(k.q[2]), Lk = sym(k.k[2]);
  if (arg == "q")
    set({sym(k.q[0]), sym(k.q[1]), sym(k.q[2]), sym(k.q[3])});
  else if (arg == "k")
    set({sym(k.k[0]), sym(k.k[1]), sym(k.k[2]), sym(k.k[3])});
  else if (arg == "v")
    set({sym(k.v[0]), sym(k.v[1]), sym(k.v[2]), sym(k.v[3])});
  else if (arg == "out")
    set({B, Hq, Lq, sym(k.v[3])});
  else if (arg == "kv_lengths" || arg == "prefix_lengths")
    set({B});
  else if (arg == "q_segments")
    set({B, Lq});
  else if (arg == "kv_segments")
    set({B, Lk});
  else if (arg == "adjacency")
    set({B, Lq, Lk});
  // block_layout sizes are derived (ceil), mask and bias broadcast: the
  // dispatcher checks those.
  return out;
}

int64_t blockSizeOf(const spec::MaskSpec &m) {
  if (m.kind == spec::MaskSpec::Kind::BlockSparse)
    return m.block;
  for (const spec::MaskSpec &c : m.members)
    if (int64_t b = blockSizeOf(c))
      return b;
  return 0;
}

/// Copies a dense constant (ALiBi slopes) into a host tensor.
llvm::Expected<rt::HostTensor> constantTensor(DenseElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  std::optional<DType> dt = dtypeOf(type.getElementType());
  if (!dt || (*dt != DType::F32 && *dt != DType::I32 && *dt != DType::I8))
    return makeError("unsupported constant operand type");
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  auto t = rt::HostTensor::allocate(*dt, shape);
  if (!t.ok())
    return makeError(t.status().message());
  int64_t i = 0;
  if (*dt == DType::F32) {
    for (float x : attr.getValues<float>())
      t.value().dataAs<float>()[i++] = x;
  } else {
    for (const llvm::APInt &x : attr.getValues<llvm::APInt>()) {
      if (*dt == DType::I32)
        t.value().dataAs<int32_t>()[i++] = int32_t(x.getSExtValue());
      else
        t.value().dataAs<int8_t>()[i++] = int8_t(x.getSExtValue());
    }
  }
  return std::move(t.value());
}

/// One process-wide cache directory per path, so concurrent compiles share
/// the in-memory layer of the JIT's cache.
std::string resolveCacheDir(const Options &o) {
  if (!o.diskCache)
    return "";
  return o.cacheDir.empty() ? rt::KernelCache::defaultCacheDirectory() : o.cacheDir;
}

/// The typed spec of `source` (errors formatted with the source line).
struct Frontend {
  llvm::SourceMgr sourceMgr;
  MLIRContext ctx{MLIRContext::Threading::DISABLED};
  std::string diagText;
  llvm::raw_string_ostream diagOS{diagText};
  SourceMgrDiagnosticHandler handler{sourceMgr, &ctx, diagOS};
  spec::SpecModule typed;

  Frontend() {
    DialectRegistry registry;
    attnc::registerAllDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  llvm::Error load(llvm::StringRef source, llvm::StringRef bufferName) {
    sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(source, bufferName), llvm::SMLoc());
    spec::DiagEmitter diag(&ctx, bufferName);
    spec::File file;
    bool parsed = spec::parseSpec(source, diag, file);
    if (file.blocks.empty() && parsed)
      diag.error({1, 1}) << "expected a 'kernel' definition; the spec is empty";
    if (file.blocks.empty() || !spec::analyzeSpec(file, diag, typed) || !parsed)
      return makeError(diagText.empty() ? "invalid spec" : llvm::StringRef(diagText).rtrim());
    return llvm::Error::success();
  }
};

} // namespace

llvm::Expected<std::vector<std::string>> attnc::listKernels(llvm::StringRef source,
                                                            llvm::StringRef bufferName) {
  Frontend fe;
  if (llvm::Error e = fe.load(source, bufferName))
    return std::move(e);
  std::vector<std::string> names;
  for (const spec::KernelSpec &k : fe.typed.kernels)
    names.push_back(k.name);
  return names;
}

llvm::Expected<Kernel> attnc::compileString(llvm::StringRef source, const Options &options,
                                            llvm::StringRef kernelName, llvm::StringRef bufferName) {
  auto tStart = Clock::now();
  Frontend fe;
  if (llvm::Error e = fe.load(source, bufferName))
    return std::move(e);
  spec::SpecModule &typed = fe.typed;

  // Pick the kernel.
  const spec::KernelSpec *chosen = nullptr;
  std::string names;
  for (const spec::KernelSpec &k : typed.kernels) {
    names += (names.empty() ? "" : ", ") + k.name;
    if (k.name == kernelName || (kernelName.empty() && typed.kernels.size() == 1))
      chosen = &k;
  }
  if (!chosen) {
    if (typed.kernels.empty())
      return makeError(bufferName + " defines no kernel" +
                       (typed.models.empty() ? "" : " (it defines a model: use `attnc run` for models)"));
    if (kernelName.empty())
      return makeError(bufferName + " defines several kernels (" + names + "); name one");
    return makeError(bufferName + " has no kernel '" + kernelName + "' (it has: " + names + ")");
  }
  spec::KernelSpec kspec = *chosen;
  auto impl = std::make_shared<Kernel::Impl>();
  impl->name = kspec.name;
  impl->ioType = specDType(kspec.dtype);
  spec::SpecModule one;
  one.kernels.push_back(kspec);
  one.kernels.back().dtype = spec::DType::F32; // the CPU computes in f32

  spec::DiagEmitter diag(&fe.ctx, bufferName);
  OwningOpRef<ModuleOp> module = spec::generateMLIR(one, diag);
  if (!module)
    return makeError(llvm::StringRef(fe.diagText).rtrim());
  auto fn = *module->getOps<func::FuncOp>().begin();

  // The argument table.
  FunctionType fty = fn.getFunctionType();
  auto addArg = [&](Type type, DictionaryAttr attrs, bool isOutput) -> llvm::Error {
    auto tt = dyn_cast<RankedTensorType>(type);
    auto nameAttr = attrs ? attrs.getAs<StringAttr>(spec::kNameAttr) : StringAttr();
    std::optional<DType> dt = tt ? dtypeOf(tt.getElementType()) : std::nullopt;
    if (!tt || !nameAttr || !dt)
      return makeError("internal: unexpected argument in the generated function");
    Argument a;
    a.name = nameAttr.str();
    a.dtype = (a.name == "q" || a.name == "k" || a.name == "v" || a.name == "out") ? impl->ioType : *dt;
    for (int64_t d : tt.getShape())
      a.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    a.dims = dimNames(a.name, kspec, a.shape.size());
    if (a.name == "block_layout")
      a.blockSize = blockSizeOf(kspec.mask);
    a.isOutput = isOutput;
    impl->args.push_back(std::move(a));
    return llvm::Error::success();
  };
  for (unsigned i = 0; i < fty.getNumInputs(); ++i)
    if (llvm::Error e = addArg(fty.getInput(i), fn.getArgAttrDict(i), false))
      return std::move(e);
  for (unsigned i = 0; i < fty.getNumResults(); ++i)
    if (llvm::Error e = addArg(fty.getResult(i), fn.getResultAttrDict(i), true))
      return std::move(e);

  // Fuse and tile exactly as the CPU pipeline will, to read the operands.
  int64_t lanes = options.vectorWidth > 0 ? options.vectorWidth : mlir::attn::hostVectorWidth();
  {
    PassManager pm(&fe.ctx);
    PipelineOptions popts;
    popts.target = lanes >= 16 ? "cpu-x86-avx512" : "cpu-x86-avx2";
    popts.qTile = options.qTile;
    popts.kTile = options.kTile;
    popts.explainFusion = true;
    buildAttnFusionPipeline(pm, popts);
    if (failed(pm.run(*module)))
      return makeError("kernel '" + kspec.name + "': the fusion pipeline failed:\n" +
                       llvm::StringRef(fe.diagText).rtrim());
  }
  SmallVector<attn::FlashAttentionOp> flash;
  fn.walk([&](attn::FlashAttentionOp op) { flash.push_back(op); });
  if (flash.size() != 1)
    return makeError("kernel '" + kspec.name + "' did not fuse into one attn.flash_attention:\n" +
                     llvm::StringRef(fe.diagText).rtrim());
  attn::FlashAttentionOp op = flash.front();
  auto argIndexOf = [&](Value v) -> int {
    auto ba = dyn_cast<BlockArgument>(v);
    return ba && ba.getOwner()->getParentOp() == fn.getOperation() ? int(ba.getArgNumber()) : -1;
  };
  impl->qArg = argIndexOf(op.getQ());
  impl->kArg = argIndexOf(op.getK());
  impl->vArg = argIndexOf(op.getV());
  impl->outArg = int(fty.getNumInputs());
  if (impl->qArg < 0 || impl->kArg < 0 || impl->vArg < 0)
    return makeError("internal: q, k, v of kernel '" + kspec.name + "' are not its arguments");
  attn::AuxOperands aux = attn::AuxOperands::of(op);
  for (int s = 0; s < ATTNC_NUM_AUX; ++s) {
    Value v = aux.values[s];
    if (!v)
      continue;
    impl->auxArg[s] = argIndexOf(v);
    if (impl->auxArg[s] >= 0)
      continue;
    DenseElementsAttr dense;
    if (auto c = v.getDefiningOp<arith::ConstantOp>())
      dense = dyn_cast<DenseElementsAttr>(c.getValue());
    if (!dense)
      return makeError("internal: an operand of kernel '" + kspec.name +
                       "' is neither an argument nor a constant");
    auto t = constantTensor(dense);
    if (!t)
      return t.takeError();
    impl->auxConst[s] = std::move(*t);
  }
  double frontendMs = msSince(tStart);

  // The JIT: keyed on the fused IR, so equal kernels share an object.
  std::string ir;
  {
    llvm::raw_string_ostream os(ir);
    module->print(os);
  }
  cpu::JITOptions jopts;
  jopts.cacheDir = resolveCacheDir(options);
  jopts.vectorWidth = lanes;
  jopts.qTile = options.qTile;
  jopts.kTile = options.kTile;
  auto lib = cpu::compile(ir, jopts);
  if (!lib)
    return makeError("kernel '" + kspec.name + "': " + llvm::toString(lib.takeError()));
  impl->library = std::move(*lib);
  std::string prefix = fn.getSymName().str() + "_flash_cpu";
  for (const rt::CpuKernelInfo &k : impl->library->kernels())
    if (llvm::StringRef(k.name).starts_with(prefix))
      impl->info = &k;
  if (!impl->info || !(impl->entry = impl->library->lookup(impl->info->name)))
    return makeError("internal: the JIT produced no kernel for '" + kspec.name + "'");
  if (options.threads > 0)
    impl->pool = std::make_unique<rt::ThreadPool>(options.threads);

  const cpu::CompileTimings &t = impl->library->timings();
  impl->stats.cacheHit = t.cacheHit;
  impl->stats.frontend = frontendMs;
  impl->stats.passes = t.parse + t.kernelPipeline + t.toLLVMDialect;
  impl->stats.codegen = t.translate + t.optimize + t.codegen;
  impl->stats.load = t.total - impl->stats.passes - impl->stats.codegen;
  impl->stats.total = msSince(tStart);
  impl->key = impl->library->cacheKey();

  Kernel kernel;
  kernel.impl = std::move(impl);
  return kernel;
}

llvm::Expected<Kernel> attnc::compileFile(llvm::StringRef path, const Options &options,
                                          llvm::StringRef kernel) {
  auto buf = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buf)
    return makeError("cannot read '" + path + "': " + buf.getError().message());
  return compileString((*buf)->getBuffer(), options, kernel, path == "-" ? "<stdin>" : path);
}

llvm::Expected<Kernel> attnc::compileKernel(const KernelSpec &spec, const Options &options) {
  return compileString(spec.toSource(), options, spec.name, "<KernelSpec " + spec.name + ">");
}
