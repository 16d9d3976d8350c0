//===- Executor.cpp - Run a model plan on the CPU -------------------------===//
//
// The executor walks the plan's steps in order. For each step it infers the
// result shapes from the operands' actual shapes (so symbolic batch and
// sequence sizes resolve here), takes result buffers from the session's
// pool, runs the kernel, and returns operands to the pool after their last
// use. The pool hands out buffers of exactly the requested byte size, so
// the second and later decode steps find every buffer they need and
// allocate nothing; buffers not used by a whole call are released at its
// end, which keeps prefill-sized activations from outliving the prefill.
//
//===----------------------------------------------------------------------===//
#include "runtime/model/Executor.h"

#include "runtime/cpu/ThreadPool.h"
#include "runtime/model/Attention.h"
#include "runtime/model/Kernels.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>

namespace attnc::rt::model {

WeightSource::~WeightSource() = default;

void WeightMap::add(const std::string &name, HostTensor tensor) {
  tensors_[name] = std::move(tensor);
}

Result<TensorView> WeightMap::find(const std::string &name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end())
    return notFound("no tensor '" + name + "' in " + label_);
  return it->second.view();
}

std::vector<std::string> WeightMap::names() const {
  std::vector<std::string> out;
  for (auto &kv : tensors_)
    out.push_back(kv.first);
  return out;
}

namespace {

std::string shapeStr(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

bool causalLike(const MaskNode &m) {
  switch (m.kind) {
  case MaskNode::Kind::Causal:
    return m.p[0] <= 0;
  case MaskNode::Kind::Window:
    return m.p[1] <= 0;
  case MaskNode::Kind::Local2D:
    return m.p[6] != 0;
  case MaskNode::Kind::And:
    for (const MaskNode &s : m.members)
      if (causalLike(s))
        return true;
    return false;
  default:
    return false;
  }
}

/// Masks whose meaning survives moving from (Lq = Lk, shift 0) to (new rows
/// against the cache, bottom_right): pure functions of positions, plus key
/// padding (whose lengths the session keeps current).
bool cacheCompatibleMask(const MaskNode &m) {
  switch (m.kind) {
  case MaskNode::Kind::Causal:
  case MaskNode::Kind::Window:
  case MaskNode::Kind::Padding:
    return true;
  case MaskNode::Kind::And:
    for (const MaskNode &s : m.members)
      if (!cacheCompatibleMask(s))
        return false;
    return true;
  default:
    return false;
  }
}

bool usesPadding(const MaskNode &m) {
  if (m.kind == MaskNode::Kind::Padding)
    return true;
  for (const MaskNode &s : m.members)
    if (usesPadding(s))
      return true;
  return false;
}

int64_t readScalar(const TensorView &t) {
  if (!t.data() || t.numElements() < 1)
    return 0;
  switch (t.dtype()) {
  case DType::I64:
    return *t.dataAs<int64_t>();
  case DType::I32:
    return *t.dataAs<int32_t>();
  default:
    return int64_t(loadAsDouble(t.dtype(), t.data(), 0));
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

Result<std::shared_ptr<Model>>
Model::load(Plan plan, std::shared_ptr<const WeightSource> weights) {
  ATTNC_RT_RETURN_IF_ERROR(plan.verify());
  std::shared_ptr<Model> m(new Model());
  m->plan_ = std::move(plan);
  m->weights_ = std::move(weights);
  ATTNC_RT_RETURN_IF_ERROR(m->bindWeights());
  m->kernels_.resize(m->plan_.steps.size());
  m->analyse();
  return m;
}

void Model::setAttentionKernel(size_t stepIndex, AttentionKernel kernel) {
  if (stepIndex < kernels_.size())
    kernels_[stepIndex] = std::move(kernel);
}

Status Model::bindWeights() {
  bound_.assign(plan_.values.size(), TensorView());
  std::vector<std::string> missing;
  for (size_t i = 0; i < plan_.values.size(); ++i) {
    Value &v = plan_.values[i];
    if (v.kind == ValueKind::Constant) {
      ATTNC_RT_ASSIGN_OR_RETURN(bound_[i],
                                TensorView::contiguous(v.dtype, v.shape, v.data.data()));
      continue;
    }
    if (v.kind != ValueKind::Weight)
      continue;
    if (!weights_)
      return invalidArgument("the model needs weights (e.g. '" + v.name +
                             "') but none were given");
    Result<TensorView> t = weights_->find(v.name);
    if (!t.ok()) {
      if (t.status().code() != StatusCode::NotFound)
        return t.status();
      missing.push_back(v.name);
      continue;
    }
    if (t->shape() != v.shape)
      return invalidArgument("weight '" + v.name + "' in " + weights_->describe() +
                             " has shape " + shapeStr(t->shape()) +
                             " but the model expects " + shapeStr(v.shape));
    if (t->dtype() == DType::F32 && t->isContiguous()) {
      bound_[i] = *t;
    } else if (isFloatingPoint(t->dtype())) {
      // Convert once at load time: the kernels compute in f32.
      ATTNC_RT_ASSIGN_OR_RETURN(HostTensor h, HostTensor::allocate(DType::F32, v.shape));
      ATTNC_RT_ASSIGN_OR_RETURN(HostTensor src, HostTensor::copyOf(*t));
      for (int64_t e = 0; e < h.numElements(); ++e)
        h.dataAs<float>()[e] = float(loadAsDouble(src.dtype(), src.data(), size_t(e)));
      bound_[i] = h.view();
      converted_.push_back(std::move(h));
    } else {
      return invalidArgument("weight '" + v.name + "' in " + weights_->describe() +
                             " has element type " + dtypeName(t->dtype()) +
                             "; expected a floating-point tensor");
    }
    weightBytes_ += bound_[i].sizeInBytes();
  }
  if (!missing.empty()) {
    std::string msg = std::to_string(missing.size()) + " weight" +
                      (missing.size() > 1 ? "s are" : " is") + " missing from " +
                      weights_->describe() + ": ";
    for (size_t i = 0; i < missing.size() && i < 5; ++i)
      msg += (i ? ", '" : "'") + missing[i] + "'";
    if (missing.size() > 5)
      msg += ", ...";
    // A file with Hugging Face names is the most common cause.
    for (const std::string &n : weights_->names())
      if (n.rfind("transformer.h.", 0) == 0 || n.rfind("model.layers.", 0) == 0 ||
          n.rfind("encoder.block.", 0) == 0 || n.rfind("bert.", 0) == 0 ||
          n.rfind("h.0.", 0) == 0) {
        msg += " (the file uses Hugging Face tensor names; convert it with "
               "'attnc import-hf --weights' or pass '--hf-names')";
        break;
      }
    return notFound(msg);
  }
  return Status::success();
}

void Model::analyse() {
  const size_t nv = plan_.values.size(), ns = plan_.steps.size();
  lastUse_.assign(nv, -1);
  for (size_t si = 0; si < ns; ++si)
    for (int32_t id : plan_.steps[si].operands)
      if (id >= 0)
        lastUse_[id] = int32_t(si);
  for (auto &[name, id] : plan_.outputs)
    lastUse_[id] = INT32_MAX;

  auto depsOf = [&](int32_t input) {
    std::vector<uint8_t> dep(nv, 0);
    dep[input] = 1;
    for (const Step &s : plan_.steps) {
      bool any = false;
      for (int32_t id : s.operands)
        any = any || (id >= 0 && dep[id]);
      for (int32_t id : s.results)
        if (id >= 0)
          dep[id] = any;
    }
    return dep;
  };
  auto hasCausalSelfAttention = [&](const std::vector<uint8_t> &dep) {
    for (const Step &s : plan_.steps) {
      bool causal = s.attention.hasMask && causalLike(s.attention.mask);
      if (s.kind == StepKind::Attention && causal && dep[s.operands[0]] &&
          dep[s.operands[1]] && dep[s.operands[2]])
        return true;
      if (s.kind == StepKind::Mask && causal && dep[s.operands[0]])
        return true;
    }
    return false;
  };

  // The stream: the token input feeding causal self-attention. In an
  // encoder-decoder both token inputs reach the decoder's causal
  // self-attention (the source through cross-attention), so prefer the one
  // that no bidirectional self-attention depends on.
  auto hasBidirectionalSelfAttention = [&](const std::vector<uint8_t> &dep) {
    for (const Step &s : plan_.steps)
      if (s.kind == StepKind::Attention && dep[s.operands[0]] && dep[s.operands[1]] &&
          dep[s.operands[2]] && !(s.attention.hasMask && causalLike(s.attention.mask)))
        return true;
    return false;
  };
  for (int pass = 0; pass < 2 && streamInput_ < 0; ++pass)
    for (int32_t in : plan_.inputs) {
      const Value &v = plan_.values[in];
      if (v.dtype != DType::I32 || v.shape.size() != 2)
        continue;
      std::vector<uint8_t> dep = depsOf(in);
      if (hasCausalSelfAttention(dep) && (pass == 1 || !hasBidirectionalSelfAttention(dep))) {
        streamInput_ = in;
        dependsOnStream_ = std::move(dep);
        break;
      }
    }
  attnRole_.assign(ns, AttnRole::Plain);
  if (streamInput_ < 0) {
    notCacheableReason_ = "the model has no causal self-attention over a token input";
    return;
  }

  const std::vector<uint8_t> &dep = dependsOnStream_;
  auto reject = [&](size_t si, const std::string &why) {
    if (notCacheableReason_.empty())
      notCacheableReason_ = plan_.describeStep(si) + " " + why;
  };
  for (size_t si = 0; si < ns; ++si) {
    const Step &s = plan_.steps[si];
    auto d = [&](size_t oi) { return s.operands[oi] >= 0 && dep[s.operands[oi]]; };
    bool any = false;
    for (size_t oi = 0; oi < s.operands.size(); ++oi)
      any = any || d(oi);
    if (!any)
      continue;
    switch (s.kind) {
    case StepKind::Linear:
    case StepKind::LayerNorm:
    case StepKind::RMSNorm:
      for (size_t oi = 1; oi < s.operands.size(); ++oi)
        if (d(oi))
          reject(si, "computes its parameters from the tokens");
      break;
    case StepKind::Activation:
    case StepKind::GLU:
    case StepKind::Softmax:
    case StepKind::Scale:
    case StepKind::SplitHeads:
    case StepKind::MergeHeads:
    case StepKind::Rope:
      break;
    case StepKind::Positions:
      if (d(1))
        reject(si, "reads a position table computed from the tokens");
      break;
    case StepKind::Embedding:
      if (d(0))
        reject(si, "embeds with a table computed from the tokens");
      break;
    case StepKind::Add: {
      // An invariant addend with a sequence dimension would need slicing.
      int32_t other = d(0) ? s.operands[1] : s.operands[0];
      if (!(d(0) && d(1)) && plan_.values[other].shape.size() >= 2)
        reject(si, "adds a sequence-shaped tensor that does not come from the tokens");
      break;
    }
    case StepKind::Attention: {
      const AttentionSpec &a = s.attention;
      bool positional = false, shapeBound = false;
      for (const Modifier &m : a.modifiers) {
        positional = positional || m.kind == Modifier::Kind::Alibi ||
                     m.kind == Modifier::Kind::RelEmb || m.kind == Modifier::Kind::T5Bias;
        shapeBound = shapeBound || m.kind == Modifier::Kind::Bias;
      }
      if (!d(0)) {
        reject(si, "attends from queries that do not come from the tokens");
      } else if (d(1) && d(2)) {
        if (!a.hasMask || !causalLike(a.mask) || !cacheCompatibleMask(a.mask))
          reject(si, "is self-attention whose mask is not causal (or not positional)");
        else if (shapeBound)
          reject(si, "has a bias tensor shaped by the full sequence");
        else {
          attnRole_[si] = AttnRole::CachedSelf;
          ++numCachedLayers_;
          int32_t lens = s.operands[3 + 0];
          if (lens >= 0 && usesPadding(a.mask)) {
            if (plan_.values[lens].kind == ValueKind::Input)
              streamLengthsInput_ = lens;
            else
              reject(si, "computes its key lengths inside the model");
          }
        }
      } else if (!d(1) && !d(2)) {
        bool onlyPadding = !a.hasMask || (a.mask.kind == MaskNode::Kind::Padding);
        if (!onlyPadding || positional || shapeBound)
          reject(si, "attends to fixed keys with a position-dependent mask or bias");
        else
          attnRole_[si] = AttnRole::CrossInvariant;
      } else {
        reject(si, "has keys and values of different origins");
      }
      break;
    }
    default:
      reject(si, "mixes positions in a way the KV cache cannot reproduce");
      break;
    }
  }
  cacheable_ = notCacheableReason_.empty();
  if (!cacheable_)
    attnRole_.assign(ns, AttnRole::Plain);

  // Last-row slicing: walk back from the primary output through row-wise
  // steps whose other operands are invariant (final norm, LM head); the
  // earliest such input only needs its last row when generating.
  if (!plan_.outputs.empty()) {
    int32_t cur = plan_.outputs[0].second;
    std::vector<int32_t> producer(nv, -1);
    std::vector<int> users(nv, 0);
    for (size_t si = 0; si < ns; ++si) {
      for (int32_t id : plan_.steps[si].results)
        if (id >= 0)
          producer[id] = int32_t(si);
      for (int32_t id : plan_.steps[si].operands)
        if (id >= 0)
          ++users[id];
    }
    for (;;) {
      int32_t p = producer[cur];
      if (p < 0)
        break;
      const Step &s = plan_.steps[p];
      bool rowwise = s.kind == StepKind::Linear || s.kind == StepKind::LayerNorm ||
                     s.kind == StepKind::RMSNorm || s.kind == StepKind::Activation ||
                     s.kind == StepKind::Softmax;
      if (!rowwise)
        break;
      bool othersInvariant = true;
      for (size_t oi = 1; oi < s.operands.size(); ++oi)
        if (s.operands[oi] >= 0 && dep[s.operands[oi]])
          othersInvariant = false;
      int32_t in = s.operands[0];
      if (!othersInvariant || users[in] != 1 || plan_.values[in].shape.size() != 3)
        break;
      cur = in;
    }
    if (producer[cur] >= 0 && cur != plan_.outputs[0].second)
      sliceValue_ = cur;
  }
}

//===----------------------------------------------------------------------===//
// Session
//===----------------------------------------------------------------------===//

struct Session::Impl {
  enum class Mode { Full, Prefill, Decode };

  std::shared_ptr<const Model> model;
  ThreadPool &pool;

  std::vector<TensorView> views;   // per value, current
  std::vector<HostTensor> owned;   // per value, when the session owns it
  std::multimap<size_t, HostTensor> freeList;
  std::set<const void *> usedThisCall;

  // Generation state.
  int64_t pos = 0;       // tokens already in the cache
  int64_t capacity = 0;
  int64_t batch = 0;
  std::map<size_t, std::pair<HostTensor, HostTensor>> kvCache; // per step
  std::vector<std::vector<int32_t>> fullTokens; // no-cache generation
  std::vector<std::pair<std::string, HostTensor>> savedInputs;
  HostTensor streamTokens, streamLengths, logitsRow;

  // ATTNC_PROFILE=1: seconds per step kind, printed when the session ends.
  bool profile = std::getenv("ATTNC_PROFILE") != nullptr;
  double stepSeconds[32] = {0};

  Impl(std::shared_ptr<const Model> m, ThreadPool &p) : model(std::move(m)), pool(p) {}
  ~Impl() {
    if (!profile)
      return;
    double total = 0;
    for (double t : stepSeconds)
      total += t;
    std::fprintf(stderr, "attnc profile: %.3f s in steps\n", total);
    for (int k = 0; k <= int(StepKind::Attention); ++k)
      if (stepSeconds[k] > 0)
        std::fprintf(stderr, "  %-12s %8.3f s  %5.1f%%\n", stepKindName(StepKind(k)), stepSeconds[k],
                     100.0 * stepSeconds[k] / total);
  }

  const Plan &plan() const { return model->plan_; }

  Result<TensorView> acquire(int32_t id, DType dtype, const std::vector<int64_t> &shape) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    size_t bytes = std::max<size_t>(size_t(n) * dtypeSize(dtype), 64);
    HostTensor mem;
    auto it = freeList.find(bytes);
    if (it != freeList.end()) {
      mem = std::move(it->second);
      freeList.erase(it);
    } else {
      ATTNC_RT_ASSIGN_OR_RETURN(mem, HostTensor::allocate(DType::U8, {int64_t(bytes)}));
    }
    usedThisCall.insert(mem.data());
    ATTNC_RT_ASSIGN_OR_RETURN(TensorView v, TensorView::contiguous(dtype, shape, mem.data()));
    release(id);
    owned[id] = std::move(mem);
    views[id] = v;
    return v;
  }

  void release(int32_t id) {
    if (owned[id].data()) {
      size_t bytes = owned[id].sizeInBytes();
      freeList.emplace(bytes, std::move(owned[id]));
      owned[id] = HostTensor();
    }
    views[id] = TensorView();
  }

  /// Frees pooled buffers that the call that just finished did not use.
  void trim() {
    for (auto it = freeList.begin(); it != freeList.end();) {
      if (!usedThisCall.count(it->second.data()))
        it = freeList.erase(it);
      else
        ++it;
    }
    usedThisCall.clear();
  }

  void resetValues() {
    views.assign(plan().values.size(), TensorView());
    for (HostTensor &h : owned)
      if (h.data())
        freeList.emplace(h.sizeInBytes(), std::move(h));
    owned.clear();
    owned.resize(plan().values.size());
    for (size_t i = 0; i < plan().values.size(); ++i)
      if (model->bound_[i].data())
        views[i] = model->bound_[i];
  }

  Status bindInputs(const std::vector<std::pair<std::string, TensorView>> &inputs) {
    std::string expected;
    for (int32_t id : plan().inputs) {
      const Value &v = plan().values[id];
      expected += (expected.empty() ? "" : ", ") + v.name + " " + dtypeName(v.dtype) +
                  shapeStr(v.shape);
    }
    for (auto &[name, view] : inputs) {
      bool known = false;
      for (int32_t id : plan().inputs)
        known = known || plan().values[id].name == name;
      if (!known)
        return invalidArgument("the model has no input '" + name + "' (it takes: " +
                               expected + ")");
    }
    for (int32_t id : plan().inputs) {
      const Value &v = plan().values[id];
      const TensorView *given = nullptr;
      for (auto &[name, view] : inputs) {
        if (name != v.name)
          continue;
        if (given)
          return invalidArgument("model input '" + v.name + "' was given twice");
        given = &view;
      }
      if (!given)
        return invalidArgument("model input '" + v.name + "' was not given (it takes: " +
                               expected + ")");
      TensorView t = *given;
      bool scalar = v.shape.empty();
      if (scalar ? t.numElements() != 1 : size_t(t.rank()) != v.shape.size())
        return invalidArgument("model input '" + v.name + "' is " + t.describe() +
                               ", expected " + dtypeName(v.dtype) + shapeStr(v.shape));
      for (size_t d = 0; !scalar && d < v.shape.size(); ++d)
        if (v.shape[d] >= 0 && v.shape[d] != t.dim(int(d)))
          return invalidArgument("model input '" + v.name + "' is " + t.describe() +
                                 ", expected " + dtypeName(v.dtype) + shapeStr(v.shape));
      if (t.dtype() != v.dtype || !t.isContiguous()) {
        bool intToInt = !isFloatingPoint(t.dtype()) && !isFloatingPoint(v.dtype);
        bool floatToFloat = isFloatingPoint(t.dtype()) && isFloatingPoint(v.dtype);
        if (!intToInt && !floatToFloat && t.dtype() != v.dtype)
          return invalidArgument("model input '" + v.name + "' has element type " +
                                 dtypeName(t.dtype()) + ", expected " + dtypeName(v.dtype));
        ATTNC_RT_ASSIGN_OR_RETURN(HostTensor src, HostTensor::copyOf(t));
        std::vector<int64_t> shape = scalar ? std::vector<int64_t>{} : t.shape();
        ATTNC_RT_ASSIGN_OR_RETURN(HostTensor conv, HostTensor::allocate(v.dtype, shape));
        for (int64_t e = 0; e < src.numElements(); ++e) {
          double x = loadAsDouble(src.dtype(), src.data(), size_t(e));
          double lo = v.dtype == DType::I32 ? INT32_MIN : v.dtype == DType::I64 ? -9.2e18
                      : v.dtype == DType::I8 ? -128 : 0;
          double hi = v.dtype == DType::I32 ? INT32_MAX : v.dtype == DType::I64 ? 9.2e18
                      : v.dtype == DType::I8 ? 127 : v.dtype == DType::Bool ? 1 : 255;
          if (!isFloatingPoint(v.dtype) && (x < lo || x > hi))
            return invalidArgument("model input '" + v.name + "' holds " +
                                   std::to_string(int64_t(x)) + ", which does not fit in " + dtypeName(v.dtype));
          storeFromDouble(v.dtype, conv.data(), size_t(e), x);
        }
        views[id] = conv.view();
        owned[id] = std::move(conv);
      } else {
        views[id] = t;
      }
    }
    return Status::success();
  }

  /// Result shapes of step `s` from its operands' current shapes.
  Status inferShapes(size_t si, std::vector<std::vector<int64_t>> &out) {
    const Step &s = plan().steps[si];
    auto sh = [&](size_t oi) { return views[s.operands[oi]].shape(); };
    auto bad = [&](const std::string &why) {
      return invalidArgument(plan().describeStep(si) + ": " + why);
    };
    std::vector<int64_t> x = sh(0);
    out.clear();
    switch (s.kind) {
    case StepKind::Linear: {
      std::vector<int64_t> w = sh(1);
      if (x.empty() || w.size() != 2 || x.back() != w[1])
        return bad("input " + shapeStr(x) + " does not match weight " + shapeStr(w));
      x.back() = w[0];
      out.push_back(x);
      break;
    }
    case StepKind::Embedding: {
      std::vector<int64_t> ids = sh(1);
      ids.push_back(x.size() == 2 ? x[1] : 0);
      out.push_back(ids);
      break;
    }
    case StepKind::SplitHeads: {
      if (x.size() != 3 || s.numHeads <= 0 || x[2] % s.numHeads)
        return bad(shapeStr(x) + " cannot be split into " + std::to_string(s.numHeads) +
                   " heads");
      out.push_back({x[0], s.numHeads, x[1], x[2] / s.numHeads});
      break;
    }
    case StepKind::MergeHeads:
      if (x.size() != 4)
        return bad("expected [B, H, L, D], got " + shapeStr(x));
      out.push_back({x[0], x[2], x[1] * x[3]});
      break;
    case StepKind::ConcatSeq: {
      std::vector<int64_t> r = sh(1);
      if (x.size() != 4 || r.size() != 4 || x[0] != r[0] || x[1] != r[1] || x[3] != r[3])
        return bad("cannot concatenate " + shapeStr(x) + " and " + shapeStr(r));
      out.push_back({x[0], x[1], x[2] + r[2], x[3]});
      break;
    }
    case StepKind::SeqProject: {
      std::vector<int64_t> p = sh(1);
      if (x.size() != 4 || p.size() != 2)
        return bad("bad operand ranks");
      out.push_back({x[0], x[1], p[0], x[3]});
      break;
    }
    case StepKind::QK: {
      std::vector<int64_t> k = sh(1);
      if (x.size() != 4 || k.size() != 4)
        return bad("q and k must be [B, H, L, D]");
      out.push_back({x[0], x[1], x[2], k[2]});
      break;
    }
    case StepKind::PV: {
      std::vector<int64_t> v = sh(1);
      if (x.size() != 4 || v.size() != 4)
        return bad("probs and v must be rank 4");
      out.push_back({x[0], x[1], x[2], v[3]});
      break;
    }
    case StepKind::Attention: {
      std::vector<int64_t> v = sh(2);
      if (x.size() != 4 || v.size() != 4)
        return bad("q, k, v must be [B, H, L, D]");
      out.push_back({x[0], x[1], x[2], v[3]});
      out.push_back({x[0], x[1], x[2]});
      break;
    }
    default:
      out.push_back(x);
      break;
    }
    return Status::success();
  }

  Status checkDeclared(size_t si, size_t ri, const std::vector<int64_t> &shape) {
    const Value &v = plan().values[plan().steps[si].results[ri]];
    bool ok = v.shape.size() == shape.size();
    for (size_t d = 0; ok && d < shape.size(); ++d)
      ok = v.shape[d] < 0 || v.shape[d] == shape[d];
    if (!ok)
      return invalidArgument(plan().describeStep(si) + ": the inputs give a result of shape " +
                             shapeStr(shape) + " but the model declares " +
                             shapeStr(v.shape) + "; check the input sizes");
    return Status::success();
  }

  const TensorView *opt(const Step &s, size_t oi) {
    int32_t id = s.operands[oi];
    return id >= 0 ? &views[id] : nullptr;
  }

  AttentionAux auxOf(const Step &s, size_t first) {
    AttentionAux a;
    TensorView *slots[kNumAux] = {&a.kvLengths, &a.prefixLengths, &a.qSegments,
                                  &a.kvSegments, &a.adjacency, &a.blockLayout,
                                  &a.maskTensor, &a.bias, &a.alibiSlopes,
                                  &a.relEmb, &a.relBias};
    for (int i = 0; i < kNumAux; ++i)
      if (s.operands[first + i] >= 0)
        *slots[i] = views[s.operands[first + i]];
    return a;
  }

  Status runAttention(size_t si, Mode mode, const TensorView &out, const TensorView *lse) {
    const Step &s = plan().steps[si];
    TensorView q = views[s.operands[0]], k = views[s.operands[1]], v = views[s.operands[2]];
    AttentionAux aux = auxOf(s, 3);
    Model::AttnRole role = mode == Mode::Full ? Model::AttnRole::Plain : model->attnRole_[si];
    if (role == Model::AttnRole::CachedSelf) {
      int64_t b = k.dim(0), hk = k.dim(1), l = k.dim(2), d = k.dim(3), dv = v.dim(3);
      auto it = kvCache.find(si);
      if (it == kvCache.end()) {
        ATTNC_RT_ASSIGN_OR_RETURN(HostTensor kc, HostTensor::allocate(DType::F32, {b, hk, capacity, d}));
        ATTNC_RT_ASSIGN_OR_RETURN(HostTensor vc, HostTensor::allocate(DType::F32, {b, hk, capacity, dv}));
        it = kvCache.emplace(si, std::make_pair(std::move(kc), std::move(vc))).first;
      }
      if (pos + l > capacity)
        return invalidArgument("the KV cache holds " + std::to_string(capacity) +
                               " tokens; cannot add " + std::to_string(l) + " at position " +
                               std::to_string(pos));
      TensorView kc = it->second.first.view(), vc = it->second.second.view();
      auto window = [&](const TensorView &c, int64_t begin, int64_t len) {
        return TensorView::strided(DType::F32, {b, hk, len, c.dim(3)}, c.strides(),
                                   c.dataAs<float>() + begin * c.dim(3));
      };
      ATTNC_RT_ASSIGN_OR_RETURN(TensorView kdst, window(kc, pos, l));
      ATTNC_RT_ASSIGN_OR_RETURN(TensorView vdst, window(vc, pos, l));
      ATTNC_RT_RETURN_IF_ERROR(copyElements(k, kdst));
      ATTNC_RT_RETURN_IF_ERROR(copyElements(v, vdst));
      ATTNC_RT_ASSIGN_OR_RETURN(k, window(kc, 0, pos + l));
      ATTNC_RT_ASSIGN_OR_RETURN(v, window(vc, 0, pos + l));
      AttentionSpec spec = s.attention;
      spec.bottomRight = true;
      if (aux.kvLengths.data() && usesPadding(spec.mask)) {
        std::vector<int32_t> &lens = cachedLengths;
        lens.assign(size_t(b), int32_t(pos + l));
        ATTNC_RT_ASSIGN_OR_RETURN(aux.kvLengths,
                                  TensorView::contiguous(DType::I32, {b}, lens.data()));
      }
      if (pos > 0 && !lse)
        return attentionDecode(spec, q, k, v, aux, out, pool);
      // The prefill is the op as compiled (Lq == Lk): its JIT kernel applies,
      // reading K/V from the cache.
      if (pos == 0 && model->kernels_[si])
        return model->kernels_[si](s, q, k, v, aux, out, lse);
      return attentionForward(spec, q, k, v, aux, out, lse, pool);
    }
    if (model->kernels_[si])
      return model->kernels_[si](s, q, k, v, aux, out, lse);
    return attentionForward(s.attention, q, k, v, aux, out, lse, pool);
  }
  std::vector<int32_t> cachedLengths;

  Status runStep(size_t si, Mode mode, const std::vector<TensorView> &res) {
    const Step &s = plan().steps[si];
    const TensorView &x = views[s.operands[0]];
    const TensorView &y = res[0];
    int64_t offsetBase = mode == Mode::Full ? 0 : pos;
    switch (s.kind) {
    case StepKind::Linear:
      return linear(x, views[s.operands[1]], opt(s, 2), y, pool);
    case StepKind::LayerNorm:
      return layerNorm(x, views[s.operands[1]], views[s.operands[2]], s.epsilon, y, pool);
    case StepKind::RMSNorm:
      return rmsNorm(x, views[s.operands[1]], s.epsilon, y, pool);
    case StepKind::Activation:
      return activation(x, s.activation, y, pool);
    case StepKind::GLU:
      return glu(x, views[s.operands[1]], s.activation, y, pool);
    case StepKind::Add:
      return add(x, views[s.operands[1]], y, pool);
    case StepKind::Embedding:
      return embedding(x, views[s.operands[1]], y, pool);
    case StepKind::Positions: {
      int64_t off = offsetBase + (opt(s, 2) ? readScalar(*opt(s, 2)) : 0);
      return positions(x, opt(s, 1), off, y, pool);
    }
    case StepKind::Rope: {
      int64_t off = offsetBase + (opt(s, 1) ? readScalar(*opt(s, 1)) : 0);
      return rope(x, off, s.theta, s.rotaryDim, y, pool);
    }
    case StepKind::SplitHeads:
      return splitHeads(x, y, pool);
    case StepKind::MergeHeads:
      return mergeHeads(x, y, pool);
    case StepKind::ConcatSeq:
      return concatSeq(x, views[s.operands[1]], y, pool);
    case StepKind::SeqProject:
      return seqProject(x, views[s.operands[1]], y, pool);
    case StepKind::Softmax:
      return softmax(x, y, pool);
    case StepKind::QK:
      return qk(x, views[s.operands[1]], y, pool);
    case StepKind::Scale:
      return scale(x, s.attention.scale, y, pool);
    case StepKind::PV:
      return pv(x, views[s.operands[1]], y, pool);
    case StepKind::ScoreMod: {
      ATTNC_RT_RETURN_IF_ERROR(copyElements(x, y));
      AttentionAux aux = auxOf(s, 2);
      return applyScoreMods(s.attention.modifiers, s.attention.bottomRight, opt(s, 1), aux,
                            s.attention.scale, y, pool);
    }
    case StepKind::Mask: {
      ATTNC_RT_RETURN_IF_ERROR(copyElements(x, y));
      return applyMask(s.attention.mask, s.attention.bottomRight, auxOf(s, 1), y, pool);
    }
    case StepKind::Attention:
      return runAttention(si, mode, y, res.size() > 1 && res[1].data() ? &res[1] : nullptr);
    }
    return internalError("unknown step kind");
  }

  bool keep(int32_t id, Mode mode) const {
    if (mode == Mode::Full)
      return false;
    return !model->dependsOnStream_[id];
  }

  Status run(Mode mode, bool sliceLast) {
    const Plan &p = plan();
    std::vector<std::vector<int64_t>> shapes;
    std::vector<TensorView> res;
    for (size_t si = 0; si < p.steps.size(); ++si) {
      const Step &s = p.steps[si];
      bool invariant = mode == Mode::Decode && !model->dependsOnStream_[s.results[0]];
      if (invariant)
        continue;
      ATTNC_RT_RETURN_IF_ERROR(inferShapes(si, shapes));
      res.assign(s.results.size(), TensorView());
      for (size_t ri = 0; ri < s.results.size(); ++ri) {
        int32_t id = s.results[ri];
        if (id < 0)
          continue;
        if (mode == Mode::Full && !sliceLast)
          ATTNC_RT_RETURN_IF_ERROR(checkDeclared(si, ri, shapes[ri]));
        ATTNC_RT_ASSIGN_OR_RETURN(res[ri], acquire(id, p.values[id].dtype, shapes[ri]));
      }
      auto stepStart = std::chrono::steady_clock::now();
      Status st = runStep(si, mode, res);
      if (profile)
        stepSeconds[size_t(s.kind)] +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - stepStart).count();
      if (!st.ok())
        return st.code() == StatusCode::InvalidArgument || st.code() == StatusCode::Unsupported
                   ? st.withContext(p.describeStep(si))
                   : st;
      if (sliceLast && s.results[0] == model->sliceValue_ && res[0].rank() == 3 &&
          res[0].dim(1) > 1) {
        int32_t id = s.results[0];
        int64_t b = res[0].dim(0), l = res[0].dim(1), d = res[0].dim(2);
        HostTensor full = std::move(owned[id]);
        owned[id] = HostTensor();
        ATTNC_RT_ASSIGN_OR_RETURN(TensorView last, acquire(id, DType::F32, {b, 1, d}));
        for (int64_t bi = 0; bi < b; ++bi)
          std::memcpy(last.dataAs<float>() + bi * d,
                      full.dataAs<float>() + (bi * l + l - 1) * d, sizeof(float) * size_t(d));
        freeList.emplace(full.sizeInBytes(), std::move(full));
      }
      for (int32_t id : s.operands)
        if (id >= 0 && model->lastUse_[id] == int32_t(si) &&
            p.values[id].kind == ValueKind::Temp && !keep(id, mode))
          release(id);
    }
    return Status::success();
  }

  Status extractLastLogits(TensorView &outView) {
    const TensorView &lg = views[plan().outputs[0].second];
    if (lg.rank() != 3)
      return invalidArgument("generation needs the model's first output to be logits [B, L, V], "
                             "got " + lg.describe());
    int64_t b = lg.dim(0), l = lg.dim(1), vocab = lg.dim(2);
    ATTNC_RT_ASSIGN_OR_RETURN(logitsRow, HostTensor::allocate(DType::F32, {b, vocab}));
    for (int64_t bi = 0; bi < b; ++bi)
      std::memcpy(logitsRow.dataAs<float>() + bi * vocab,
                  lg.dataAs<float>() + (bi * l + l - 1) * vocab, sizeof(float) * size_t(vocab));
    outView = logitsRow.view();
    return Status::success();
  }

  Status setStreamLengths(int64_t len) {
    int32_t id = model->streamLengthsInput_;
    if (id < 0)
      return Status::success();
    ATTNC_RT_ASSIGN_OR_RETURN(streamLengths, HostTensor::allocate(DType::I32, {batch}));
    for (int64_t b = 0; b < batch; ++b)
      streamLengths.dataAs<int32_t>()[b] = int32_t(len);
    views[id] = streamLengths.view();
    return Status::success();
  }

  Status rebuildStream() {
    int64_t len = int64_t(fullTokens[0].size());
    ATTNC_RT_ASSIGN_OR_RETURN(streamTokens, HostTensor::allocate(DType::I32, {batch, len}));
    for (int64_t b = 0; b < batch; ++b)
      std::memcpy(streamTokens.dataAs<int32_t>() + b * len, fullTokens[b].data(),
                  sizeof(int32_t) * size_t(len));
    std::vector<std::pair<std::string, TensorView>> ins;
    for (auto &[name, t] : savedInputs)
      ins.emplace_back(name, t.view());
    ins.emplace_back(plan().values[model->streamInput_].name, streamTokens.view());
    resetValues();
    ATTNC_RT_RETURN_IF_ERROR(bindInputs(ins));
    return setStreamLengths(len);
  }
};

Session::Session(std::shared_ptr<const Model> model)
    : Session(std::move(model), ThreadPool::global()) {}
Session::Session(std::shared_ptr<const Model> model, ThreadPool &pool)
    : impl_(std::make_unique<Impl>(std::move(model), pool)) {}
Session::~Session() = default;

Status Session::forward(const std::vector<std::pair<std::string, TensorView>> &inputs) {
  Impl &m = *impl_;
  m.kvCache.clear();
  m.resetValues();
  ATTNC_RT_RETURN_IF_ERROR(m.bindInputs(inputs));
  Status st = m.run(Impl::Mode::Full, /*sliceLast=*/false);
  m.trim();
  return st;
}

const TensorView *Session::output(const std::string &name) const {
  for (auto &[n, id] : impl_->plan().outputs)
    if (n == name)
      return impl_->views[id].data() ? &impl_->views[id] : nullptr;
  return nullptr;
}

const TensorView *Session::output(size_t index) const {
  if (index >= impl_->plan().outputs.size())
    return nullptr;
  const TensorView &v = impl_->views[impl_->plan().outputs[index].second];
  return v.data() ? &v : nullptr;
}

size_t Session::kvCacheBytes() const {
  size_t n = 0;
  for (auto &kv : impl_->kvCache)
    n += kv.second.first.sizeInBytes() + kv.second.second.sizeInBytes();
  return n;
}

Status Session::prefill(const std::vector<std::pair<std::string, TensorView>> &inputs,
                        int64_t capacity, bool useCache) {
  Impl &m = *impl_;
  const Model &model = *m.model;
  if (model.streamInput_ < 0)
    return unsupported("this model cannot generate: " + model.notCacheableReason_);
  if (m.plan().outputs.empty())
    return unsupported("this model has no output to generate from");
  useCache_ = useCache && model.cacheable_;
  m.kvCache.clear();
  m.resetValues();
  ATTNC_RT_RETURN_IF_ERROR(m.bindInputs(inputs));
  const TensorView &toks = m.views[model.streamInput_];
  m.batch = toks.dim(0);
  int64_t len = toks.dim(1);
  if (len < 1)
    return invalidArgument("generation needs at least one prompt token");
  m.capacity = std::max(capacity, len);
  m.pos = 0;
  ATTNC_RT_RETURN_IF_ERROR(m.setStreamLengths(len));
  if (!useCache_) {
    m.fullTokens.assign(size_t(m.batch), {});
    for (int64_t b = 0; b < m.batch; ++b)
      m.fullTokens[b].assign(toks.dataAs<int32_t>() + b * len,
                             toks.dataAs<int32_t>() + (b + 1) * len);
    m.savedInputs.clear();
    for (auto &[name, t] : inputs)
      if (name != m.plan().values[model.streamInput_].name) {
        ATTNC_RT_ASSIGN_OR_RETURN(HostTensor c, HostTensor::copyOf(t));
        m.savedInputs.emplace_back(name, std::move(c));
      }
    Status st = m.run(Impl::Mode::Full, /*sliceLast=*/true);
    m.trim();
    ATTNC_RT_RETURN_IF_ERROR(st);
    return m.extractLastLogits(lastLogits_);
  }
  Status st = m.run(Impl::Mode::Prefill, /*sliceLast=*/true);
  m.trim();
  ATTNC_RT_RETURN_IF_ERROR(st);
  m.pos = len;
  return m.extractLastLogits(lastLogits_);
}

Status Session::step(const std::vector<int32_t> &tokens) {
  Impl &m = *impl_;
  if (int64_t(tokens.size()) != m.batch)
    return invalidArgument("step() needs one token per sequence (" + std::to_string(m.batch) +
                           "), got " + std::to_string(tokens.size()));
  if (!useCache_) {
    for (int64_t b = 0; b < m.batch; ++b)
      m.fullTokens[b].push_back(tokens[b]);
    ATTNC_RT_RETURN_IF_ERROR(m.rebuildStream());
    Status st = m.run(Impl::Mode::Full, /*sliceLast=*/true);
    m.trim();
    ATTNC_RT_RETURN_IF_ERROR(st);
    return m.extractLastLogits(lastLogits_);
  }
  if (m.pos + 1 > m.capacity)
    return invalidArgument("the KV cache is full (" + std::to_string(m.capacity) + " tokens)");
  ATTNC_RT_ASSIGN_OR_RETURN(m.streamTokens, HostTensor::allocate(DType::I32, {m.batch, 1}));
  std::memcpy(m.streamTokens.data(), tokens.data(), sizeof(int32_t) * tokens.size());
  m.views[m.model->streamInput_] = m.streamTokens.view();
  ATTNC_RT_RETURN_IF_ERROR(m.setStreamLengths(m.pos + 1));
  Status st = m.run(Impl::Mode::Decode, /*sliceLast=*/true);
  ATTNC_RT_RETURN_IF_ERROR(st);
  m.pos += 1;
  return m.extractLastLogits(lastLogits_);
}

namespace {

int32_t pickToken(const float *logits, int64_t vocab, const GenerateOptions &o,
                  std::mt19937_64 &rng) {
  if (o.topK == 1 || o.temperature <= 0) {
    int64_t best = 0;
    for (int64_t i = 1; i < vocab; ++i)
      if (logits[i] > logits[best]) // first maximum wins, like torch.argmax
        best = i;
    return int32_t(best);
  }
  int64_t k = o.topK <= 0 ? vocab : std::min(o.topK, vocab);
  std::vector<int32_t> idx(static_cast<size_t>(vocab));
  for (int64_t i = 0; i < vocab; ++i)
    idx[i] = int32_t(i);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  std::vector<double> w(static_cast<size_t>(k));
  double mx = logits[idx[0]] / o.temperature, sum = 0;
  for (int64_t i = 0; i < k; ++i) {
    w[i] = std::exp(logits[idx[i]] / o.temperature - mx);
    sum += w[i];
  }
  double r = std::uniform_real_distribution<double>(0.0, sum)(rng);
  for (int64_t i = 0; i < k; ++i) {
    r -= w[i];
    if (r <= 0)
      return idx[i];
  }
  return idx[k - 1];
}

} // namespace

Result<std::vector<std::vector<int32_t>>>
Session::generate(const std::vector<std::pair<std::string, TensorView>> &inputs,
                  const GenerateOptions &options, GenerateStats *stats) {
  using Clock = std::chrono::steady_clock;
  if (options.maxNewTokens < 0)
    return invalidArgument("the number of tokens to generate must not be negative");
  Impl &m = *impl_;
  int64_t promptLen = 0;
  for (auto &[name, t] : inputs)
    if (m.model->streamInput_ >= 0 && name == m.plan().values[m.model->streamInput_].name &&
        t.rank() == 2)
      promptLen = t.dim(1);
  auto t0 = Clock::now();
  ATTNC_RT_RETURN_IF_ERROR(prefill(inputs, promptLen + options.maxNewTokens,
                                   !options.forceNoCache));
  auto t1 = Clock::now();
  std::mt19937_64 rng(options.seed);
  int64_t batch = lastLogits_.dim(0), vocab = lastLogits_.dim(1);
  std::vector<std::vector<int32_t>> out(static_cast<size_t>(batch));
  std::vector<bool> done(size_t(batch), false);
  for (int64_t t = 0; t < options.maxNewTokens; ++t) {
    std::vector<int32_t> next(static_cast<size_t>(batch));
    bool allDone = true;
    for (int64_t b = 0; b < batch; ++b) {
      next[b] = pickToken(lastLogits_.dataAs<float>() + b * vocab, vocab, options, rng);
      if (!done[b])
        out[b].push_back(next[b]);
      if (next[b] == options.eosToken)
        done[b] = true;
      allDone = allDone && done[b];
    }
    if (allDone || t + 1 == options.maxNewTokens)
      break;
    ATTNC_RT_RETURN_IF_ERROR(step(next));
  }
  auto t2 = Clock::now();
  if (stats) {
    stats->prefillSeconds = std::chrono::duration<double>(t1 - t0).count();
    stats->decodeSeconds = std::chrono::duration<double>(t2 - t1).count();
    stats->promptTokens = promptLen;
    stats->generatedTokens = out.empty() ? 0 : int64_t(out[0].size());
    stats->usedCache = useCache_;
    stats->kvCacheBytes = kvCacheBytes();
  }
  return out;
}

} // namespace attnc::rt::model
