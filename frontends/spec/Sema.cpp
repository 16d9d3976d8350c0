//===- Sema.cpp - Check .attn specs and build their typed form ------------===//
//
// Walks the generic syntax tree, checks every key against the vocabulary of
// its block, evaluates values (integer arithmetic is checked for 64-bit
// overflow, names refer to other keys of the same or an enclosing block),
// applies the documented defaults and checks the architecture's constraints
// (d_model divisible by heads, heads a multiple of kv_heads, ...). Errors
// point at the exact key or value; checking continues after an error so one
// run reports several problems.
//
//===----------------------------------------------------------------------===//
#include "frontends/spec/Spec.h"

#include "frontends/spec/Diagnostics.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace attnc::spec;
using llvm::ArrayRef;
using llvm::StringRef;

bool MaskSpec::uses(Kind k) const {
  if (kind == k)
    return true;
  return llvm::any_of(members, [&](const MaskSpec &m) { return m.uses(k); });
}

namespace {

/// Sizes are at most 2^31 - 1, so that products of two sizes never overflow
/// and every tensor fits the index types of the code generators.
constexpr int64_t kMaxDim = (int64_t(1) << 31) - 1;

const char *const kModelOnlyKeys[] = {"vocab", "max_positions", "dtype", "head", "softmax"};
const char *const kStackKeys[] = {"layers",     "d_model",  "heads",     "kv_heads",   "head_dim",
                                  "ffn",        "norm",     "norm_eps",  "norm_position", "final_norm",
                                  "activation", "bias",     "positions", "mask",       "softcap",
                                  "dropout",    "memory",   "seq_proj"};
const char *const kLayerKeys[] = {"mask", "softcap", "dropout"};
const char *const kKernelKeys[] = {"q", "k", "v", "dtype", "mask", "modifiers", "scale", "bottom_right"};

const char *const kMaskNames[] = {"none",     "causal",   "padding", "window",  "strided", "block_sparse",
                                  "prefix_lm", "document", "graph",   "local2d", "explicit"};
const char *const kModifierNames[] = {"alibi", "rel_emb", "t5_bias", "softcap", "bias"};
const char *const kPositionNames[] = {"none", "sinusoidal", "learned", "rope", "alibi", "relative", "t5"};
const char *const kActivationNames[] = {"relu", "gelu", "gelu_tanh", "silu", "swiglu"};

std::string joinNames(ArrayRef<const char *> names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i)
      s += i + 1 == names.size() ? " or " : ", ";
    s += names[i];
  }
  return s;
}

/// Lexical scope for names: a block and the blocks around it.
struct Scope {
  const Block *block;
  const Scope *parent;
};

class Sema {
public:
  explicit Sema(DiagEmitter &diag) : diag(diag) {}

  void run(const File &file, SpecModule &out);

private:
  //--- Keys ------------------------------------------------------------------
  void checkKeys(const Block &b, ArrayRef<const char *> allowed, ArrayRef<const char *> allowed2,
                 StringRef where);
  const Entry *find(const Scope *s, StringRef key, const Scope **where = nullptr);

  //--- Values ----------------------------------------------------------------
  std::optional<int64_t> evalInt(const Expr &e, const Scope *s);
  std::optional<double> evalFloat(const Expr &e, const Scope *s);
  std::optional<bool> evalBool(const Expr &e);
  std::optional<unsigned> evalChoice(const Expr &e, ArrayRef<const char *> names, StringRef what,
                                     bool allowCall = false);
  bool bindArgs(const Expr &e, ArrayRef<const char *> params, unsigned numRequired,
                llvm::SmallVectorImpl<const Expr *> &out);
  std::optional<int64_t> argInt(const Expr *arg, const Scope *s, int64_t dflt, int64_t lo, int64_t hi,
                                StringRef what);
  bool checkRange(int64_t v, int64_t lo, int64_t hi, SrcLoc loc, StringRef what);

  /// Integer key with a default (nullopt: the key is required).
  int64_t intKey(const Scope *s, StringRef key, std::optional<int64_t> dflt, int64_t lo, int64_t hi,
                 SrcLoc missingLoc, StringRef owner, bool &ok);
  double floatKey(const Scope *s, StringRef key, double dflt, bool &ok);
  bool boolKey(const Scope *s, StringRef key, bool dflt, bool &ok);

  std::optional<MaskSpec> evalMask(const Expr &e, const Scope *s, bool top);
  std::optional<ModifierSpec> evalModifier(const Expr &e, const Scope *s);
  std::optional<PositionSpec> evalPositions(const Expr &e, const Scope *s);

  //--- Definitions -------------------------------------------------------------
  void kernel(const Block &b, SpecModule &out);
  bool shape(const Scope &s, StringRef key, std::array<DimSpec, 4> &dims, SrcLoc &loc);
  void model(const Block &b, SpecModule &out);
  std::optional<StackSpec> stack(const Block &b, const Scope &modelScope, const ModelSpec &m);

  DiagEmitter &diag;
  llvm::DenseMap<const Entry *, std::optional<int64_t>> nameValues;
  llvm::SmallPtrSet<const Entry *, 8> inProgress;
};

//===----------------------------------------------------------------------===//
// Keys
//===----------------------------------------------------------------------===//

void Sema::checkKeys(const Block &b, ArrayRef<const char *> allowed, ArrayRef<const char *> allowed2,
                     StringRef where) {
  llvm::StringMap<SrcLoc> seen;
  for (const Entry &e : b.entries) {
    bool known = llvm::is_contained(allowed, e.key) || llvm::is_contained(allowed2, e.key);
    if (!known) {
      llvm::SmallVector<const char *> all(allowed.begin(), allowed.end());
      all.append(allowed2.begin(), allowed2.end());
      diag.error(e.loc) << "unknown key '" << e.key << "' in " << where << "; expected one of "
                        << joinNames(all);
      continue;
    }
    auto [it, inserted] = seen.try_emplace(e.key, e.loc);
    if (!inserted)
      diag.error(e.loc) << "duplicate key '" << e.key << "' (first defined at line " << it->second.line
                        << ", column " << it->second.col << ")";
  }
}

const Entry *Sema::find(const Scope *s, StringRef key, const Scope **where) {
  for (; s; s = s->parent)
    for (const Entry &e : s->block->entries)
      if (e.key == key) {
        if (where)
          *where = s;
        return &e;
      }
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

static const char *exprWhat(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Int: return "an integer";
  case Expr::Kind::Float: return "a number with a fraction";
  case Expr::Kind::String: return "a string";
  case Expr::Kind::Ident: return "a name";
  case Expr::Kind::Call: return "a call";
  case Expr::Kind::List: return "a list";
  case Expr::Kind::Neg: return "a negation";
  case Expr::Kind::Binary: return "an operator expression";
  }
  return "a value";
}

std::optional<int64_t> Sema::evalInt(const Expr &e, const Scope *s) {
  switch (e.kind) {
  case Expr::Kind::Int:
    return e.intValue;
  case Expr::Kind::Neg: {
    std::optional<int64_t> v = evalInt(*e.elems[0], s);
    if (!v)
      return std::nullopt;
    if (*v == INT64_MIN) {
      diag.error(e.loc) << "size arithmetic overflows 64 bits";
      return std::nullopt;
    }
    return -*v;
  }
  case Expr::Kind::Binary: {
    if (e.op == '&' || e.op == '|') {
      diag.error(e.loc) << "operator '" << e.op << "' combines masks; expected an integer here";
      return std::nullopt;
    }
    std::optional<int64_t> a = evalInt(*e.elems[0], s);
    std::optional<int64_t> b = evalInt(*e.elems[1], s);
    if (!a || !b)
      return std::nullopt;
    int64_t r = 0;
    bool overflow = false;
    switch (e.op) {
    case '+': overflow = llvm::AddOverflow(*a, *b, r); break;
    case '-': overflow = llvm::SubOverflow(*a, *b, r); break;
    case '*': overflow = llvm::MulOverflow(*a, *b, r); break;
    case '/':
      if (*b == 0) {
        diag.error(e.loc) << "division by zero";
        return std::nullopt;
      }
      if (*a == INT64_MIN && *b == -1)
        overflow = true;
      else
        r = *a / *b;
      break;
    }
    if (overflow) {
      diag.error(e.loc) << "size arithmetic overflows 64 bits";
      return std::nullopt;
    }
    return r;
  }
  case Expr::Kind::Ident: {
    const Scope *where = nullptr;
    const Entry *def = find(s, e.text, &where);
    if (!def) {
      diag.error(e.loc) << "unknown name '" << e.text << "'";
      return std::nullopt;
    }
    // Memoised per definition: `a = b * b`, `b = c * c`, ... stays linear,
    // and a bad definition is reported once, not at every use.
    auto [it, inserted] = nameValues.try_emplace(def, std::nullopt);
    if (!inserted) {
      if (inProgress.contains(def))
        diag.error(e.loc) << "definition of '" << e.text << "' refers to itself";
      return it->second;
    }
    inProgress.insert(def);
    // Evaluated where it is defined, so that `ffn = 4 * d_model` in a model
    // means the model's d_model even when a stack overrides it.
    std::optional<int64_t> v = evalInt(*def->value, where);
    inProgress.erase(def);
    nameValues[def] = v;
    return v;
  }
  default:
    diag.error(e.loc) << "expected an integer, found " << exprWhat(e);
    return std::nullopt;
  }
}

std::optional<double> Sema::evalFloat(const Expr &e, const Scope *s) {
  if (e.kind == Expr::Kind::Float)
    return e.floatValue;
  if (e.kind == Expr::Kind::Neg && e.elems[0]->kind == Expr::Kind::Float)
    return -e.elems[0]->floatValue;
  if (e.kind == Expr::Kind::String || e.kind == Expr::Kind::List || e.kind == Expr::Kind::Call) {
    diag.error(e.loc) << "expected a number, found " << exprWhat(e);
    return std::nullopt;
  }
  std::optional<int64_t> v = evalInt(e, s);
  if (!v)
    return std::nullopt;
  return static_cast<double>(*v);
}

std::optional<bool> Sema::evalBool(const Expr &e) {
  if (e.isIdent("true"))
    return true;
  if (e.isIdent("false"))
    return false;
  diag.error(e.loc) << "expected true or false, found " << exprWhat(e);
  return std::nullopt;
}

std::optional<unsigned> Sema::evalChoice(const Expr &e, ArrayRef<const char *> names, StringRef what,
                                         bool allowCall) {
  bool named = e.kind == Expr::Kind::Ident || (allowCall && e.kind == Expr::Kind::Call);
  if (named) {
    for (unsigned i = 0; i < names.size(); ++i)
      if (e.text == names[i])
        return i;
    diag.error(e.loc) << "unknown " << what << " '" << e.text << "'; expected " << joinNames(names);
    return std::nullopt;
  }
  diag.error(e.loc) << "expected " << what << " (" << joinNames(names) << "), found " << exprWhat(e);
  return std::nullopt;
}

bool Sema::bindArgs(const Expr &e, ArrayRef<const char *> params, unsigned numRequired,
                    llvm::SmallVectorImpl<const Expr *> &out) {
  out.assign(params.size(), nullptr);
  bool ok = true;
  size_t positional = 0;
  for (const Arg &a : e.args) {
    size_t idx;
    if (a.name.empty()) {
      idx = positional++;
      if (idx >= params.size()) {
        diag.error(a.loc) << "'" << e.text << "' takes at most " << params.size() << " argument"
                          << (params.size() == 1 ? "" : "s");
        ok = false;
        continue;
      }
    } else {
      auto it = llvm::find(params, a.name);
      if (it == params.end()) {
        diag.error(a.loc) << "unknown argument '" << a.name << "' of '" << e.text << "'"
                          << (params.empty() ? "; it takes none" : "; expected " + joinNames(params));
        ok = false;
        continue;
      }
      idx = it - params.begin();
    }
    if (out[idx]) {
      diag.error(a.loc) << "argument '" << params[idx] << "' of '" << e.text << "' given twice";
      ok = false;
      continue;
    }
    out[idx] = a.value.get();
  }
  for (unsigned i = 0; i < numRequired; ++i)
    if (!out[i] && ok) {
      diag.error(e.loc) << "'" << e.text << "' needs argument '" << params[i] << "'";
      ok = false;
    }
  return ok;
}

bool Sema::checkRange(int64_t v, int64_t lo, int64_t hi, SrcLoc loc, StringRef what) {
  if (v >= lo && v <= hi)
    return true;
  if (v < 0 && lo >= 0)
    diag.error(loc) << "'" << what << "' must not be negative, got " << v;
  else
    diag.error(loc) << "'" << what << "' must be between " << lo << " and " << hi << ", got " << v;
  return false;
}

std::optional<int64_t> Sema::argInt(const Expr *arg, const Scope *s, int64_t dflt, int64_t lo, int64_t hi,
                                    StringRef what) {
  if (!arg)
    return dflt;
  std::optional<int64_t> v = evalInt(*arg, s);
  if (!v || !checkRange(*v, lo, hi, arg->loc, what))
    return std::nullopt;
  return v;
}

int64_t Sema::intKey(const Scope *s, StringRef key, std::optional<int64_t> dflt, int64_t lo, int64_t hi,
                     SrcLoc missingLoc, StringRef owner, bool &ok) {
  const Scope *where = nullptr;
  const Entry *e = find(s, key, &where);
  if (!e) {
    if (dflt)
      return *dflt;
    diag.error(missingLoc) << owner << " is missing required key '" << key << "'";
    ok = false;
    return std::max<int64_t>(lo, 1);
  }
  std::optional<int64_t> v = evalInt(*e->value, where);
  if (!v || !checkRange(*v, lo, hi, e->value->loc, key)) {
    ok = false;
    return std::max<int64_t>(lo, 1);
  }
  return *v;
}

double Sema::floatKey(const Scope *s, StringRef key, double dflt, bool &ok) {
  const Scope *where = nullptr;
  const Entry *e = find(s, key, &where);
  if (!e)
    return dflt;
  std::optional<double> v = evalFloat(*e->value, where);
  if (!v) {
    ok = false;
    return dflt;
  }
  return *v;
}

bool Sema::boolKey(const Scope *s, StringRef key, bool dflt, bool &ok) {
  const Entry *e = find(s, key);
  if (!e)
    return dflt;
  std::optional<bool> v = evalBool(*e->value);
  if (!v) {
    ok = false;
    return dflt;
  }
  return *v;
}

//===----------------------------------------------------------------------===//
// Masks, modifiers, positions
//===----------------------------------------------------------------------===//

std::optional<MaskSpec> Sema::evalMask(const Expr &e, const Scope *s, bool top) {
  MaskSpec m;
  m.loc = e.loc;
  if (e.kind == Expr::Kind::Binary && (e.op == '&' || e.op == '|')) {
    m.kind = e.op == '&' ? MaskSpec::Kind::And : MaskSpec::Kind::Or;
    bool ok = true;
    for (const ExprPtr &side : e.elems) {
      std::optional<MaskSpec> sub = evalMask(*side, s, /*top=*/false);
      if (!sub) {
        ok = false;
        continue;
      }
      // a & b & c is one #attn.and with three members.
      if (sub->kind == m.kind)
        for (MaskSpec &inner : sub->members)
          m.members.push_back(std::move(inner));
      else
        m.members.push_back(std::move(*sub));
    }
    return ok ? std::optional<MaskSpec>(std::move(m)) : std::nullopt;
  }
  if (e.kind != Expr::Kind::Ident && e.kind != Expr::Kind::Call) {
    diag.error(e.loc) << "expected a mask (" << joinNames(kMaskNames) << "), found " << exprWhat(e);
    return std::nullopt;
  }
  std::optional<unsigned> which = evalChoice(e, kMaskNames, "mask", true);
  if (!which) {
    // evalChoice only accepts plain names; a call to an unknown mask lands here.
    return std::nullopt;
  }
  StringRef name = kMaskNames[*which];
  llvm::SmallVector<const Expr *> a;
  auto bind = [&](ArrayRef<const char *> params, unsigned required) { return bindArgs(e, params, required, a); };
  if (name == "none") {
    if (!top) {
      diag.error(e.loc) << "'none' cannot be combined with other masks";
      return std::nullopt;
    }
    if (!bind({}, 0))
      return std::nullopt;
    m.kind = MaskSpec::Kind::None;
    return m;
  }
  if (name == "causal") {
    m.kind = MaskSpec::Kind::Causal;
    if (!bind({"offset"}, 0))
      return std::nullopt;
    std::optional<int64_t> off = argInt(a[0], s, 0, -kMaxDim, kMaxDim, "offset");
    if (!off)
      return std::nullopt;
    m.offset = *off;
    return m;
  }
  if (name == "window") {
    m.kind = MaskSpec::Kind::Window;
    if (!bind({"left", "right"}, 1))
      return std::nullopt;
    std::optional<int64_t> l = argInt(a[0], s, 0, 0, kMaxDim, "left");
    std::optional<int64_t> r = argInt(a[1], s, 0, 0, kMaxDim, "right");
    if (!l || !r)
      return std::nullopt;
    m.left = *l;
    m.right = *r;
    return m;
  }
  if (name == "strided" || name == "block_sparse") {
    bool strided = name == "strided";
    m.kind = strided ? MaskSpec::Kind::Strided : MaskSpec::Kind::BlockSparse;
    if (!bind({strided ? "stride" : "block"}, 1))
      return std::nullopt;
    std::optional<int64_t> v = argInt(a[0], s, 0, 1, kMaxDim, strided ? "stride" : "block");
    if (!v)
      return std::nullopt;
    (strided ? m.stride : m.block) = *v;
    return m;
  }
  if (name == "local2d") {
    m.kind = MaskSpec::Kind::Local2D;
    if (!bind({"width", "block_h", "block_w", "mem_top", "mem_left", "mem_right", "causal"}, 3))
      return std::nullopt;
    std::optional<int64_t> w = argInt(a[0], s, 0, 1, kMaxDim, "width");
    std::optional<int64_t> bh = argInt(a[1], s, 0, 1, kMaxDim, "block_h");
    std::optional<int64_t> bw = argInt(a[2], s, 0, 1, kMaxDim, "block_w");
    std::optional<int64_t> mt = argInt(a[3], s, 0, 0, kMaxDim, "mem_top");
    std::optional<int64_t> ml = argInt(a[4], s, 0, 0, kMaxDim, "mem_left");
    std::optional<int64_t> mr = argInt(a[5], s, 0, 0, kMaxDim, "mem_right");
    std::optional<bool> c = a[6] ? evalBool(*a[6]) : std::optional<bool>(false);
    if (!w || !bh || !bw || !mt || !ml || !mr || !c)
      return std::nullopt;
    m.width = *w, m.blockH = *bh, m.blockW = *bw, m.memTop = *mt, m.memLeft = *ml, m.memRight = *mr;
    m.causal = *c;
    return m;
  }
  // The data-dependent masks take no parameters: their data is a run-time operand.
  if (!bind({}, 0))
    return std::nullopt;
  m.kind = llvm::StringSwitch<MaskSpec::Kind>(name)
               .Case("padding", MaskSpec::Kind::Padding)
               .Case("prefix_lm", MaskSpec::Kind::PrefixLM)
               .Case("document", MaskSpec::Kind::Document)
               .Case("graph", MaskSpec::Kind::Graph)
               .Default(MaskSpec::Kind::Explicit);
  return m;
}

std::optional<ModifierSpec> Sema::evalModifier(const Expr &e, const Scope *s) {
  if (e.kind != Expr::Kind::Ident && e.kind != Expr::Kind::Call) {
    diag.error(e.loc) << "expected a score modifier (" << joinNames(kModifierNames) << "), found "
                      << exprWhat(e);
    return std::nullopt;
  }
  std::optional<unsigned> which = evalChoice(e, kModifierNames, "score modifier", true);
  if (!which)
    return std::nullopt;
  StringRef name = kModifierNames[*which];
  ModifierSpec m{ModifierSpec::Kind::Alibi, e.loc};
  llvm::SmallVector<const Expr *> a;
  if (name == "rel_emb") {
    m.kind = ModifierSpec::Kind::RelEmb;
    if (!bindArgs(e, {"max_distance"}, 1, a))
      return std::nullopt;
    std::optional<int64_t> d = argInt(a[0], s, 0, 0, kMaxDim / 2 - 1, "max_distance");
    if (!d)
      return std::nullopt;
    m.maxDistance = *d;
    return m;
  }
  if (name == "t5_bias") {
    m.kind = ModifierSpec::Kind::T5Bias;
    if (!bindArgs(e, {"num_buckets", "max_distance", "bidirectional"}, 0, a))
      return std::nullopt;
    std::optional<int64_t> nb = argInt(a[0], s, 32, 2, 1 << 20, "num_buckets");
    std::optional<int64_t> md = argInt(a[1], s, 128, 1, kMaxDim, "max_distance");
    std::optional<bool> bi = a[2] ? evalBool(*a[2]) : std::optional<bool>(true);
    if (!nb || !md || !bi)
      return std::nullopt;
    if (*bi && *nb % 2) {
      diag.error(a[0]->loc) << "bidirectional t5_bias needs an even 'num_buckets', got " << *nb;
      return std::nullopt;
    }
    m.numBuckets = *nb, m.maxDistance = *md, m.bidirectional = *bi;
    return m;
  }
  if (name == "softcap") {
    m.kind = ModifierSpec::Kind::Softcap;
    if (!bindArgs(e, {"cap"}, 1, a))
      return std::nullopt;
    std::optional<double> cap = evalFloat(*a[0], s);
    if (!cap)
      return std::nullopt;
    if (!(*cap > 0) || !std::isfinite(*cap)) {
      diag.error(a[0]->loc) << "'cap' must be positive, got " << *cap;
      return std::nullopt;
    }
    m.cap = *cap;
    return m;
  }
  if (!bindArgs(e, {}, 0, a))
    return std::nullopt;
  m.kind = name == "alibi" ? ModifierSpec::Kind::Alibi : ModifierSpec::Kind::Bias;
  return m;
}

std::optional<PositionSpec> Sema::evalPositions(const Expr &e, const Scope *s) {
  if (e.kind != Expr::Kind::Ident && e.kind != Expr::Kind::Call) {
    diag.error(e.loc) << "expected a position kind (" << joinNames(kPositionNames) << "), found "
                      << exprWhat(e);
    return std::nullopt;
  }
  std::optional<unsigned> which = evalChoice(e, kPositionNames, "position kind", true);
  if (!which)
    return std::nullopt;
  StringRef name = kPositionNames[*which];
  PositionSpec p;
  p.loc = e.loc;
  llvm::SmallVector<const Expr *> a;
  if (name == "rope") {
    p.kind = PositionKind::Rope;
    if (!bindArgs(e, {"theta", "rotary_dim"}, 0, a))
      return std::nullopt;
    if (a[0]) {
      std::optional<double> t = evalFloat(*a[0], s);
      if (!t)
        return std::nullopt;
      if (!(*t > 1.0) || !std::isfinite(*t)) {
        diag.error(a[0]->loc) << "rope 'theta' must be greater than 1, got " << *t;
        return std::nullopt;
      }
      p.theta = *t;
    }
    std::optional<int64_t> rd = argInt(a[1], s, 0, 0, kMaxDim, "rotary_dim");
    if (!rd)
      return std::nullopt;
    if (*rd % 2) {
      diag.error(a[1]->loc) << "rope 'rotary_dim' must be even, got " << *rd;
      return std::nullopt;
    }
    p.rotaryDim = *rd;
    return p;
  }
  if (name == "relative") {
    p.kind = PositionKind::Relative;
    if (!bindArgs(e, {"max_distance"}, 0, a))
      return std::nullopt;
    std::optional<int64_t> d = argInt(a[0], s, -1, 0, kMaxDim / 2 - 1, "max_distance");
    if (!d)
      return std::nullopt;
    p.maxDistance = *d; // -1: max_positions - 1, resolved by the model
    return p;
  }
  if (name == "t5") {
    p.kind = PositionKind::T5;
    if (!bindArgs(e, {"num_buckets", "max_distance", "bidirectional"}, 0, a))
      return std::nullopt;
    std::optional<int64_t> nb = argInt(a[0], s, 32, 2, 1 << 20, "num_buckets");
    std::optional<int64_t> md = argInt(a[1], s, 128, 1, kMaxDim, "max_distance");
    std::optional<bool> bi = a[2] ? evalBool(*a[2]) : std::nullopt;
    if (!nb || !md || (a[2] && !bi))
      return std::nullopt;
    p.numBuckets = *nb, p.maxDistance = *md;
    p.bidirectional = bi; // the stack decides the default
    return p;
  }
  if (!bindArgs(e, {}, 0, a))
    return std::nullopt;
  p.kind = llvm::StringSwitch<PositionKind>(name)
               .Case("none", PositionKind::None)
               .Case("sinusoidal", PositionKind::Sinusoidal)
               .Case("learned", PositionKind::Learned)
               .Default(PositionKind::Alibi);
  return p;
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

bool Sema::shape(const Scope &s, StringRef key, std::array<DimSpec, 4> &dims, SrcLoc &loc) {
  const Entry *e = find(&s, key);
  if (!e) {
    diag.error(s.block->loc) << "kernel '" << s.block->name << "' is missing required key '" << key << "'";
    return false;
  }
  loc = e->value->loc;
  if (e->value->kind != Expr::Kind::List) {
    diag.error(e->value->loc) << "'" << key << "' must be a shape [batch, heads, seq, head_dim], found "
                              << exprWhat(*e->value);
    return false;
  }
  if (e->value->elems.size() != 4) {
    diag.error(e->value->loc) << "'" << key << "' must have 4 dimensions [batch, heads, seq, head_dim], got "
                              << e->value->elems.size();
    return false;
  }
  bool ok = true;
  int64_t elements = 1;
  for (unsigned i = 0; i < 4; ++i) {
    const Expr &d = *e->value->elems[i];
    dims[i].loc = d.loc;
    if (d.kind == Expr::Kind::Ident) {
      dims[i].symbol = d.text;
      continue;
    }
    std::optional<int64_t> v = evalInt(d, &s);
    if (!v || !checkRange(*v, 1, kMaxDim, d.loc, (key + " dimension " + llvm::Twine(i)).str())) {
      ok = false;
      continue;
    }
    dims[i].value = *v;
    if (llvm::MulOverflow(elements, *v, elements)) {
      diag.error(e->value->loc) << "size arithmetic overflows 64 bits: '" << key << "' has too many elements";
      return false;
    }
  }
  return ok;
}

static std::string dimText(const DimSpec &d) {
  return d.isSymbolic() ? "'" + d.symbol + "'" : std::to_string(d.value);
}

void Sema::kernel(const Block &b, SpecModule &out) {
  checkKeys(b, kKernelKeys, {}, "kernel");
  for (const BlockPtr &nested : b.blocks)
    diag.error(nested->loc) << "unexpected block '" << nested->kind << "' in kernel; kernels only have keys";
  Scope s{&b, nullptr};
  KernelSpec k;
  k.name = b.name;
  k.loc = b.loc;
  bool ok = shape(s, "q", k.q, k.qLoc);
  ok &= shape(s, "k", k.k, k.kLoc);
  ok &= shape(s, "v", k.v, k.vLoc);
  static const char *const dimNames[] = {"batch", "heads", "seq", "head_dim"};
  auto agree = [&](const std::array<DimSpec, 4> &x, StringRef xn, const std::array<DimSpec, 4> &y,
                   StringRef yn, unsigned d) {
    if (x[d].sameAs(y[d]))
      return true;
    diag.error(y[d].loc) << dimNames[d] << " of '" << yn << "' (" << dimText(y[d]) << ") differs from '" << xn
                         << "' (" << dimText(x[d]) << ")";
    return false;
  };
  if (ok) {
    ok &= agree(k.q, "q", k.k, "k", 0);
    ok &= agree(k.q, "q", k.v, "v", 0);
    ok &= agree(k.q, "q", k.k, "k", 3);
    ok &= agree(k.k, "k", k.v, "v", 1);
    ok &= agree(k.k, "k", k.v, "v", 2);
    const DimSpec &hq = k.q[1], &hk = k.k[1];
    if (ok && !hq.sameAs(hk)) {
      if (hq.isSymbolic() || hk.isSymbolic()) {
        diag.error(hk.loc) << "heads of 'k' (" << dimText(hk) << ") and 'q' (" << dimText(hq)
                           << ") must be equal or static";
        ok = false;
      } else if (hq.value % hk.value) {
        diag.error(hk.loc) << "query heads (" << hq.value << ") must be a multiple of key/value heads ("
                           << hk.value << ")";
        ok = false;
      }
    }
  }
  if (const Entry *e = find(&s, "dtype"))
    if (std::optional<unsigned> t = evalChoice(*e->value, {"f32", "f16", "bf16"}, "dtype"))
      k.dtype = static_cast<DType>(*t);
  if (const Entry *e = find(&s, "mask")) {
    if (std::optional<MaskSpec> m = evalMask(*e->value, &s, true))
      k.mask = std::move(*m);
    else
      ok = false;
  }
  if (const Entry *e = find(&s, "modifiers")) {
    if (e->value->kind == Expr::Kind::List) {
      for (const ExprPtr &m : e->value->elems)
        if (std::optional<ModifierSpec> mod = evalModifier(*m, &s))
          k.modifiers.push_back(*mod);
        else
          ok = false;
    } else if (std::optional<ModifierSpec> mod = evalModifier(*e->value, &s)) {
      k.modifiers.push_back(*mod);
    } else {
      ok = false;
    }
  }
  if (const Entry *e = find(&s, "scale")) {
    std::optional<double> v = evalFloat(*e->value, &s);
    if (v && (!std::isfinite(*v) || *v == 0 || std::fabs(*v) > 3.4e38)) {
      diag.error(e->value->loc) << "'scale' must be a finite non-zero f32, got " << *v;
      v.reset();
    }
    ok &= v.has_value();
    k.scale = v;
  } else if (ok && k.q[3].isSymbolic()) {
    diag.error(k.q[3].loc) << "head_dim is symbolic, so the default scale 1/sqrt(head_dim) is unknown; "
                              "make it static or give 'scale'";
    ok = false;
  }
  {
    bool bok = true;
    k.bottomRight = boolKey(&s, "bottom_right", false, bok);
    ok &= bok;
  }
  // Data the modifiers need that must be known at compile time.
  for (const ModifierSpec &m : k.modifiers)
    if (m.kind == ModifierSpec::Kind::Alibi && ok && k.q[1].isSymbolic()) {
      diag.error(m.loc) << "alibi needs a static number of query heads to compute its slopes";
      ok = false;
    }
  if (ok)
    out.kernels.push_back(std::move(k));
}

//===----------------------------------------------------------------------===//
// Models
//===----------------------------------------------------------------------===//

std::optional<StackSpec> Sema::stack(const Block &b, const Scope &modelScope, const ModelSpec &m) {
  checkKeys(b, kStackKeys, {}, b.kind);
  Scope s{&b, &modelScope};
  StackSpec st;
  st.isDecoder = b.kind == "decoder";
  st.loc = b.loc;
  bool ok = true;
  std::string owner = "'" + b.kind + "' of model '" + m.name + "'";
  st.layers = intKey(&s, "layers", std::nullopt, 1, 1 << 16, b.loc, owner, ok);
  st.dModel = intKey(&s, "d_model", std::nullopt, 1, kMaxDim, b.loc, owner, ok);
  st.heads = intKey(&s, "heads", std::nullopt, 1, 1 << 16, b.loc, owner, ok);
  st.kvHeads = intKey(&s, "kv_heads", st.heads, 1, 1 << 16, b.loc, owner, ok);
  const Entry *headDim = find(&s, "head_dim");
  if (!headDim && ok && st.dModel % st.heads) {
    const Entry *h = find(&s, "heads");
    diag.error(h ? h->value->loc : b.loc) << "d_model (" << st.dModel << ") is not divisible by heads ("
                                          << st.heads << "); give 'head_dim' explicitly";
    ok = false;
  }
  st.headDim = intKey(&s, "head_dim", st.dModel / st.heads > 0 ? st.dModel / st.heads : 1, 1, 1 << 16, b.loc,
                      owner, ok);
  if (ok && st.heads % st.kvHeads) {
    const Entry *kv = find(&s, "kv_heads");
    diag.error(kv ? kv->value->loc : b.loc) << "heads (" << st.heads << ") is not a multiple of kv_heads ("
                                            << st.kvHeads << ")";
    ok = false;
  }
  int64_t defaultFfn = st.dModel <= kMaxDim / 4 ? 4 * st.dModel : kMaxDim;
  st.ffn = intKey(&s, "ffn", defaultFfn, 1, kMaxDim, b.loc, owner, ok);
  if (int64_t hd; llvm::MulOverflow(st.heads, st.headDim, hd) || hd > kMaxDim) {
    diag.error(b.loc) << "heads * head_dim (" << st.heads << " * " << st.headDim << ") is too large";
    ok = false;
  }

  if (const Entry *e = find(&s, "norm")) {
    if (std::optional<unsigned> v = evalChoice(*e->value, {"layernorm", "rmsnorm"}, "norm"))
      st.norm = static_cast<NormKind>(*v);
    else
      ok = false;
  }
  st.normEps = floatKey(&s, "norm_eps", 1e-5, ok);
  if (!(st.normEps > 0) || !std::isfinite(st.normEps) || st.normEps > 1) {
    const Entry *e = find(&s, "norm_eps");
    diag.error(e ? e->value->loc : b.loc) << "'norm_eps' must be in (0, 1], got " << st.normEps;
    ok = false;
  }
  if (const Entry *e = find(&s, "norm_position")) {
    if (std::optional<unsigned> v = evalChoice(*e->value, {"pre", "post"}, "norm position"))
      st.preNorm = *v == 0;
    else
      ok = false;
  }
  st.finalNorm = boolKey(&s, "final_norm", st.preNorm, ok);
  st.bias = boolKey(&s, "bias", true, ok);
  if (const Entry *e = find(&s, "activation")) {
    if (std::optional<unsigned> v = evalChoice(*e->value, kActivationNames, "activation"))
      st.activation = static_cast<ActivationKind>(*v);
    else
      ok = false;
  }
  if (const Entry *e = find(&s, "dropout")) {
    // Accepted for compatibility with training configs; a no-op at inference.
    if (std::optional<double> p = evalFloat(*e->value, &s); p && !(*p >= 0 && *p < 1)) {
      diag.error(e->value->loc) << "'dropout' must be in [0, 1), got " << *p;
      ok = false;
    }
  }
  if (const Entry *e = find(&s, "positions")) {
    if (std::optional<PositionSpec> p = evalPositions(*e->value, &s))
      st.positions = *p;
    else
      ok = false;
  }
  PositionSpec &pos = st.positions;
  if (pos.kind == PositionKind::Learned && m.maxPositions == 0) {
    diag.error(pos.loc) << "learned positions need 'max_positions'";
    ok = false;
  }
  if (pos.kind == PositionKind::Relative && pos.maxDistance < 0) {
    if (m.maxPositions == 0) {
      diag.error(pos.loc) << "relative positions need 'max_distance' or the model's 'max_positions'";
      ok = false;
    }
    pos.maxDistance = std::max<int64_t>(m.maxPositions - 1, 0);
  }
  if (pos.kind == PositionKind::T5) {
    pos.bidirectional = pos.bidirectional.value_or(!st.isDecoder);
    if (*pos.bidirectional && pos.numBuckets % 2) {
      diag.error(pos.loc) << "bidirectional t5 positions need an even 'num_buckets', got " << pos.numBuckets;
      ok = false;
    }
  }
  if (pos.kind == PositionKind::Rope) {
    int64_t rd = pos.rotaryDim ? pos.rotaryDim : st.headDim;
    if (rd > st.headDim || rd % 2) {
      diag.error(pos.loc) << "rope rotates " << rd << " dimensions but head_dim is " << st.headDim
                          << " (it must be even and at most head_dim)";
      ok = false;
    }
  }

  MaskSpec defaultMask;
  defaultMask.kind = st.isDecoder ? MaskSpec::Kind::Causal : MaskSpec::Kind::None;
  defaultMask.loc = b.loc;
  std::optional<double> softcap;
  if (const Entry *e = find(&s, "mask")) {
    if (std::optional<MaskSpec> mask = evalMask(*e->value, &s, true))
      defaultMask = std::move(*mask);
    else
      ok = false;
  }
  auto readSoftcap = [&](const Scope *sc) -> std::optional<double> {
    const Entry *e = find(sc, "softcap");
    if (!e)
      return std::nullopt;
    std::optional<double> v = evalFloat(*e->value, sc);
    if (v && (!(*v > 0) || !std::isfinite(*v))) {
      diag.error(e->value->loc) << "'softcap' must be positive, got " << *v;
      v.reset();
    }
    if (!v)
      ok = false;
    return v;
  };
  softcap = readSoftcap(&s);
  st.perLayer.assign(st.layers, LayerSpec{defaultMask, softcap, b.loc});

  for (const BlockPtr &lb : b.blocks) {
    if (lb->kind != "layer" || !lb->selector) {
      diag.error(lb->loc) << "unexpected block '" << lb->kind << "' in " << b.kind
                          << "; expected 'layer INDEX { ... }'";
      ok = false;
      continue;
    }
    checkKeys(*lb, kLayerKeys, {}, "layer block");
    for (const BlockPtr &nested : lb->blocks)
      diag.error(nested->loc) << "unexpected block '" << nested->kind << "' in a layer block";
    // Selector: an index, a list of indices, or range(start, stop[, step]).
    llvm::SmallVector<int64_t> indices;
    const Expr &sel = *lb->selector;
    bool selOk = true;
    auto addIndex = [&](const Expr &ix) {
      std::optional<int64_t> v = evalInt(ix, &s);
      if (!v) {
        selOk = false;
      } else if (*v < 0 || *v >= st.layers) {
        diag.error(ix.loc) << "layer index " << *v << " is out of range (the " << b.kind << " has " << st.layers
                           << " layers)";
        selOk = false;
      } else {
        indices.push_back(*v);
      }
    };
    if (sel.kind == Expr::Kind::List) {
      for (const ExprPtr &ix : sel.elems)
        addIndex(*ix);
    } else if (sel.kind == Expr::Kind::Call && sel.text == "range") {
      llvm::SmallVector<const Expr *> a;
      if (bindArgs(sel, {"start", "stop", "step"}, 2, a)) {
        std::optional<int64_t> start = argInt(a[0], &s, 0, 0, st.layers, "start");
        std::optional<int64_t> stop = argInt(a[1], &s, 0, 0, st.layers, "stop");
        std::optional<int64_t> step = argInt(a[2], &s, 1, 1, 1 << 16, "step");
        if (start && stop && step)
          for (int64_t i = *start; i < *stop; i += *step)
            indices.push_back(i);
        else
          selOk = false;
      } else {
        selOk = false;
      }
    } else if (sel.kind == Expr::Kind::Call) {
      diag.error(sel.loc) << "unknown layer selector '" << sel.text << "'; expected an index, a list or range(...)";
      selOk = false;
    } else {
      addIndex(sel);
    }
    Scope ls{lb.get(), &s};
    std::optional<MaskSpec> mask;
    for (const Entry &e : lb->entries)
      if (e.key == "mask") {
        mask = evalMask(*e.value, &ls, true);
        ok &= mask.has_value();
        break;
      }
    std::optional<double> cap;
    bool hasCap = llvm::any_of(lb->entries, [](const Entry &e) { return e.key == "softcap"; });
    if (hasCap)
      cap = readSoftcap(&ls);
    if (!selOk) {
      ok = false;
      continue;
    }
    for (int64_t i : indices) {
      if (mask)
        st.perLayer[i].mask = *mask;
      if (hasCap)
        st.perLayer[i].softcap = cap;
      st.perLayer[i].loc = lb->loc;
    }
  }

  if (const Entry *e = find(&s, "memory")) {
    st.memoryLoc = e->loc;
    st.memory = boolKey(&s, "memory", false, ok);
    if (st.memory && !st.isDecoder) {
      diag.error(e->loc) << "segment recurrence ('memory') is only supported in a decoder";
      ok = false;
    }
    if (st.memory && (pos.kind == PositionKind::Rope || pos.isAbsolute())) {
      diag.error(pos.loc) << "segment recurrence ('memory') needs relative positions (relative, t5, alibi or none)";
      ok = false;
    }
  }
  if (const Entry *e = find(&s, "seq_proj")) {
    st.seqProjLoc = e->loc;
    std::optional<int64_t> v = evalInt(*e->value, &s);
    if (!v || !checkRange(*v, 1, kMaxDim, e->value->loc, "seq_proj")) {
      ok = false;
    } else {
      st.seqProj = *v;
      if (m.maxPositions == 0) {
        diag.error(e->loc) << "Linformer projection ('seq_proj') needs the model's 'max_positions'";
        ok = false;
      }
      for (const LayerSpec &l : st.perLayer)
        if (!l.mask.isNone()) {
          diag.error(l.mask.loc) << "Linformer ('seq_proj') projects keys along the sequence, so only "
                                    "'mask = none' is supported";
          ok = false;
          break;
        }
      if (st.memory) {
        diag.error(e->loc) << "'seq_proj' and 'memory' cannot be combined";
        ok = false;
      }
    }
  }
  if (pos.kind == PositionKind::Relative && st.headDim && st.seqProj) {
    diag.error(pos.loc) << "relative positions cannot be combined with 'seq_proj'";
    ok = false;
  }
  if (!ok)
    return std::nullopt;
  return st;
}

void Sema::model(const Block &b, SpecModule &out) {
  checkKeys(b, kModelOnlyKeys, kStackKeys, "model");
  Scope s{&b, nullptr};
  ModelSpec m;
  m.name = b.name;
  m.loc = b.loc;
  bool ok = true;
  std::string owner = "model '" + b.name + "'";
  m.vocab = intKey(&s, "vocab", std::nullopt, 1, kMaxDim, b.loc, owner, ok);
  m.maxPositions = intKey(&s, "max_positions", 0, 0, kMaxDim, b.loc, owner, ok);
  if (const Entry *e = find(&s, "dtype")) {
    if (std::optional<unsigned> t = evalChoice(*e->value, {"f32", "f16", "bf16"}, "dtype"))
      m.dtype = static_cast<DType>(*t);
    else
      ok = false;
  }
  if (const Entry *e = find(&s, "head")) {
    if (std::optional<unsigned> h = evalChoice(*e->value, {"tied", "untied", "none"}, "output head"))
      m.head = static_cast<HeadKind>(*h);
    else
      ok = false;
  }
  m.softmax = boolKey(&s, "softmax", false, ok);
  if (m.softmax && m.head == HeadKind::None) {
    diag.error(find(&s, "softmax")->loc) << "'softmax' needs an output head";
    ok = false;
  }

  const Block *enc = nullptr, *dec = nullptr;
  for (const BlockPtr &sub : b.blocks) {
    const Block **slot = sub->kind == "encoder" ? &enc : sub->kind == "decoder" ? &dec : nullptr;
    if (!slot || sub->selector || !sub->name.empty()) {
      diag.error(sub->loc) << "unexpected block '" << sub->kind << "' in model; expected 'encoder { ... }' or "
                              "'decoder { ... }'";
      ok = false;
      continue;
    }
    if (*slot) {
      diag.error(sub->loc) << "duplicate '" << sub->kind << "' block (first defined at line " << (*slot)->loc.line
                           << ", column " << (*slot)->loc.col << ")";
      ok = false;
      continue;
    }
    *slot = sub.get();
  }
  if (!enc && !dec) {
    diag.error(b.loc) << "model '" << b.name << "' needs an 'encoder' or a 'decoder' block";
    ok = false;
  }
  if (!ok && diag.shouldStop())
    return;
  if (enc) {
    m.encoder = stack(*enc, s, m);
    ok &= m.encoder.has_value();
  }
  if (dec) {
    m.decoder = stack(*dec, s, m);
    ok &= m.decoder.has_value();
  }
  if (ok && m.encoder && m.decoder) {
    m.decoder->crossAttention = true;
    if (m.encoder->dModel != m.decoder->dModel) {
      diag.error(dec->loc) << "encoder and decoder must share d_model (the embedding is shared), got "
                           << m.encoder->dModel << " and " << m.decoder->dModel;
      ok = false;
    }
    if (m.decoder->memory) {
      diag.error(m.decoder->memoryLoc) << "segment recurrence ('memory') needs a decoder-only model";
      ok = false;
    }
  }
  if (ok)
    out.models.push_back(std::move(m));
}

void Sema::run(const File &file, SpecModule &out) {
  llvm::StringMap<SrcLoc> names;
  const Block *firstModel = nullptr;
  for (const BlockPtr &b : file.blocks) {
    if (diag.shouldStop())
      return;
    bool isModel = b->kind == "model", isKernel = b->kind == "kernel";
    if (!isModel && !isKernel) {
      diag.error(b->loc) << "unknown definition '" << b->kind << "'; expected 'model' or 'kernel'";
      continue;
    }
    if (b->name.empty()) {
      diag.error(b->selector ? b->selector->loc : b->loc) << "expected a name after '" << b->kind << "'";
      continue;
    }
    // A model becomes @forward; kernels become @<name>.
    std::string symbol = isModel ? "forward" : b->name;
    auto [it, inserted] = names.try_emplace(symbol, b->nameLoc);
    if (!inserted) {
      if (isModel && firstModel)
        diag.error(b->loc) << "only one model per file is supported (first defined at line "
                           << firstModel->loc.line << ", column " << firstModel->loc.col << ")";
      else
        diag.error(b->nameLoc) << "duplicate definition of '" << symbol << "' (first defined at line "
                               << it->second.line << ", column " << it->second.col << ")";
      continue;
    }
    if (isModel) {
      firstModel = b.get();
      model(*b, out);
    } else {
      kernel(*b, out);
    }
  }
}

} // namespace

bool attnc::spec::analyzeSpec(const File &file, DiagEmitter &diag, SpecModule &out) {
  unsigned before = diag.numErrors();
  Sema(diag).run(file, out);
  return diag.numErrors() == before;
}
