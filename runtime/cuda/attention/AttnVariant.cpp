//===- AttnVariant.cpp - Kernel variant description and its text form -----===//
//
// The text form is deliberately tiny (names, integers, parentheses) so that
// the LLVM-free runtime can parse it without a JSON or MLIR parser; every
// parse error says where it happened.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/attention/AttnVariant.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace attnc::rt::gpu {

const char *elemTypeName(ElemType t) {
  switch (t) {
  case ElemType::F32: return "f32";
  case ElemType::F16: return "f16";
  case ElemType::BF16: return "bf16";
  }
  return "?";
}

std::optional<ElemType> parseElemType(std::string_view s) {
  if (s == "f32") return ElemType::F32;
  if (s == "f16") return ElemType::F16;
  if (s == "bf16") return ElemType::BF16;
  return std::nullopt;
}

const char *scheduleName(Schedule s) {
  switch (s) {
  case Schedule::Dense: return "dense";
  case Schedule::Band: return "band";
  case Schedule::Runtime: return "runtime";
  }
  return "?";
}

const char *auxBufferName(AuxBuffer a) {
  static const char *const names[kNumAuxBuffers] = {
      "kv_lengths", "prefix_lengths", "q_segments", "kv_segments", "adjacency", "block_layout",
      "mask_tensor", "bias", "alibi_slopes", "rel_emb", "rel_bias"};
  return names[static_cast<unsigned>(a)];
}

namespace {
unsigned bit(AuxBuffer a) { return 1u << static_cast<unsigned>(a); }

unsigned maskAux(const MaskNode &m, bool kvSegments) {
  switch (m.kind) {
  case MaskKind::Padding: return bit(AuxBuffer::KvLengths);
  case MaskKind::BlockSparse: return bit(AuxBuffer::BlockLayout);
  case MaskKind::PrefixLM: return bit(AuxBuffer::PrefixLengths);
  case MaskKind::Document:
    return bit(AuxBuffer::QSegments) | (kvSegments ? bit(AuxBuffer::KvSegments) : 0u);
  case MaskKind::Graph: return bit(AuxBuffer::Adjacency);
  case MaskKind::Explicit: return bit(AuxBuffer::MaskTensor);
  case MaskKind::And:
  case MaskKind::Or: {
    unsigned s = 0;
    for (const MaskNode &c : m.children)
      s |= maskAux(c, kvSegments);
    return s;
  }
  default: return 0;
  }
}

bool anyNode(const MaskNode &m, bool (*pred)(MaskKind)) {
  if (pred(m.kind))
    return true;
  for (const MaskNode &c : m.children)
    if (anyNode(c, pred))
      return true;
  return false;
}

bool exactBand(const MaskNode &m, std::optional<int64_t> &lo, std::optional<int64_t> &hi) {
  auto meetLo = [&](int64_t v) { lo = lo ? std::max(*lo, v) : v; };
  auto meetHi = [&](int64_t v) { hi = hi ? std::min(*hi, v) : v; };
  switch (m.kind) {
  case MaskKind::Causal: meetHi(m.ints.empty() ? 0 : m.ints[0]); return true;
  case MaskKind::Window:
    if (m.ints.size() != 2)
      return false;
    meetLo(-m.ints[0]);
    meetHi(m.ints[1]);
    return true;
  case MaskKind::And:
    for (const MaskNode &c : m.children)
      if (!exactBand(c, lo, hi))
        return false;
    return true;
  default: return false;
  }
}

struct Parser {
  std::string_view text;
  size_t pos = 0;
  std::string &error;

  bool fail(const std::string &msg) {
    if (error.empty())
      error = msg + " at offset " + std::to_string(pos) + " in '" + std::string(text) + "'";
    return false;
  }
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'))
      ++pos;
  }
  bool consume(char c) {
    skipSpace();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  std::string_view ident() {
    skipSpace();
    size_t b = pos;
    while (pos < text.size() && ((text[pos] >= 'a' && text[pos] <= 'z') || text[pos] == '_' ||
                                 (text[pos] >= '0' && text[pos] <= '9')))
      ++pos;
    return text.substr(b, pos - b);
  }
  bool number(double &out) {
    skipSpace();
    std::string buf;
    while (pos < text.size() && std::string_view("+-.0123456789eEinfaINFA").find(text[pos]) != std::string_view::npos)
      buf += text[pos++];
    if (buf.empty())
      return fail("expected a number");
    char *end = nullptr;
    errno = 0;
    out = std::strtod(buf.c_str(), &end);
    if (*end != '\0' || errno != 0)
      return fail("malformed number '" + buf + "'");
    return true;
  }
  bool integer(int64_t &out) {
    skipSpace();
    size_t b = pos;
    if (pos < text.size() && (text[pos] == '-' || text[pos] == '+'))
      ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
      ++pos;
    std::string buf(text.substr(b, pos - b));
    if (buf.empty() || buf == "-" || buf == "+")
      return fail("expected an integer");
    errno = 0;
    char *end = nullptr;
    long long v = std::strtoll(buf.c_str(), &end, 10);
    if (errno != 0)
      return fail("integer out of range '" + buf + "'");
    out = v;
    return true;
  }
  bool intArgs(std::vector<int64_t> &ints, size_t n, std::string_view name) {
    if (n == 0)
      return true;
    if (!consume('('))
      return fail("expected '(' after " + std::string(name));
    for (size_t k = 0; k < n; ++k) {
      int64_t v;
      if (k && !consume(','))
        return fail("expected ',' in " + std::string(name));
      if (!integer(v))
        return false;
      ints.push_back(v);
    }
    if (!consume(')'))
      return fail("expected ')' closing " + std::string(name) + " (it takes " + std::to_string(n) + " integers)");
    return true;
  }
  bool mask(MaskNode &out, int depth) {
    if (depth > 64)
      return fail("mask nested too deeply");
    std::string_view name = ident();
    struct Entry { const char *name; MaskKind kind; size_t ints; };
    static const Entry table[] = {
        {"causal", MaskKind::Causal, 1},      {"window", MaskKind::Window, 2},
        {"padding", MaskKind::Padding, 0},    {"strided", MaskKind::Strided, 1},
        {"block_sparse", MaskKind::BlockSparse, 1}, {"prefix_lm", MaskKind::PrefixLM, 0},
        {"document", MaskKind::Document, 0},  {"graph", MaskKind::Graph, 0},
        {"local2d", MaskKind::Local2D, 7},    {"explicit", MaskKind::Explicit, 0}};
    if (name == "and" || name == "or") {
      out.kind = name == "and" ? MaskKind::And : MaskKind::Or;
      if (!consume('('))
        return fail("expected '(' after " + std::string(name));
      do {
        out.children.emplace_back();
        if (!mask(out.children.back(), depth + 1))
          return false;
      } while (consume(','));
      if (!consume(')'))
        return fail("expected ')' closing " + std::string(name));
      return true;
    }
    for (const Entry &e : table)
      if (name == e.name) {
        out.kind = e.kind;
        return intArgs(out.ints, e.ints, name);
      }
    return fail("unknown mask '" + std::string(name) + "'");
  }
  bool atEnd() {
    skipSpace();
    return pos == text.size();
  }
};

void printMaskTo(const MaskNode &m, std::string &out) {
  static const char *const names[] = {"causal", "window", "padding", "strided", "block_sparse", "prefix_lm",
                                      "document", "graph", "local2d", "explicit", "and", "or"};
  out += names[static_cast<unsigned>(m.kind)];
  if (m.kind == MaskKind::And || m.kind == MaskKind::Or) {
    out += '(';
    for (size_t k = 0; k < m.children.size(); ++k) {
      if (k)
        out += ',';
      printMaskTo(m.children[k], out);
    }
    out += ')';
    return;
  }
  if (m.ints.empty())
    return;
  out += '(';
  for (size_t k = 0; k < m.ints.size(); ++k) {
    if (k)
      out += ',';
    out += std::to_string(m.ints[k]);
  }
  out += ')';
}
} // namespace

unsigned AttnVariant::requiredAux() const {
  unsigned s = mask ? maskAux(*mask, hasKvSegments) : 0u;
  for (const Modifier &m : modifiers) {
    switch (m.kind) {
    case ModKind::Alibi: s |= bit(AuxBuffer::AlibiSlopes); break;
    case ModKind::RelEmb: s |= bit(AuxBuffer::RelEmb); break;
    case ModKind::T5Bias: s |= bit(AuxBuffer::RelBias); break;
    case ModKind::Bias: s |= bit(AuxBuffer::Bias); break;
    case ModKind::Softcap: break;
    }
  }
  return s;
}

bool AttnVariant::maskDependsOnBatch() const {
  return mask && anyNode(*mask, [](MaskKind k) {
           return k == MaskKind::Padding || k == MaskKind::PrefixLM || k == MaskKind::Document ||
                  k == MaskKind::Graph || k == MaskKind::Explicit;
         });
}

bool AttnVariant::maskDependsOnHead() const {
  return mask && anyNode(*mask, [](MaskKind k) { return k == MaskKind::BlockSparse || k == MaskKind::Explicit; });
}

bool AttnVariant::maskIsExactBand(std::optional<int64_t> *lo, std::optional<int64_t> *hi) const {
  std::optional<int64_t> l, h;
  if (mask && !exactBand(*mask, l, h))
    return false;
  if (lo)
    *lo = l;
  if (hi)
    *hi = h;
  return true;
}

std::string printMask(const MaskNode &mask) {
  std::string s;
  printMaskTo(mask, s);
  return s;
}

std::optional<MaskNode> parseMask(std::string_view text, std::string &error) {
  Parser p{text, 0, error};
  MaskNode m;
  if (!p.mask(m, 0))
    return std::nullopt;
  if (!p.atEnd()) {
    p.fail("trailing characters after mask");
    return std::nullopt;
  }
  return m;
}

std::string printModifiers(const std::vector<Modifier> &mods) {
  std::string s;
  for (size_t k = 0; k < mods.size(); ++k) {
    if (k)
      s += ';';
    const Modifier &m = mods[k];
    switch (m.kind) {
    case ModKind::Alibi: s += "alibi"; break;
    case ModKind::Bias: s += "bias"; break;
    case ModKind::RelEmb:
    case ModKind::T5Bias: {
      s += m.kind == ModKind::RelEmb ? "rel_emb(" : "t5_bias(";
      for (size_t k = 0; k < m.ints.size(); ++k)
        s += (k ? "," : "") + std::to_string(m.ints[k]);
      s += ")";
      break;
    }
    case ModKind::Softcap: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "softcap(%.17g)", m.value);
      s += buf;
      break;
    }
    }
  }
  return s;
}

std::optional<std::vector<Modifier>> parseModifiers(std::string_view text, std::string &error) {
  Parser p{text, 0, error};
  std::vector<Modifier> mods;
  if (p.atEnd())
    return mods;
  do {
    Modifier m;
    std::string_view name = p.ident();
    bool ok = true;
    if (name == "alibi")
      m.kind = ModKind::Alibi;
    else if (name == "bias")
      m.kind = ModKind::Bias;
    else if (name == "rel_emb") {
      m.kind = ModKind::RelEmb;
      ok = p.intArgs(m.ints, 1, name);
    } else if (name == "t5_bias") {
      m.kind = ModKind::T5Bias;
      ok = p.intArgs(m.ints, 3, name);
    } else if (name == "softcap") {
      m.kind = ModKind::Softcap;
      ok = p.consume('(') && p.number(m.value) && p.consume(')');
      if (!ok)
        p.fail("expected softcap(<cap>)");
    } else {
      p.fail("unknown score modifier '" + std::string(name) + "'");
      return std::nullopt;
    }
    if (!ok)
      return std::nullopt;
    mods.push_back(m);
  } while (p.consume(';'));
  if (!p.atEnd()) {
    p.fail("trailing characters after modifiers");
    return std::nullopt;
  }
  return mods;
}

std::string describe(const AttnVariant &v) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%s d=%lld dv=%lld tile=%lldx%lld %s", elemTypeName(v.dtype),
                (long long)v.headDim, (long long)v.headDimV, (long long)v.qTile, (long long)v.kTile,
                scheduleName(v.schedule));
  std::string s = buf;
  if (v.diagLo)
    s += " lo=" + std::to_string(*v.diagLo);
  if (v.diagHi)
    s += " hi=" + std::to_string(*v.diagHi);
  std::snprintf(buf, sizeof(buf), " scale=%.9g", (double)v.scale);
  s += buf;
  if (v.bottomRight)
    s += " bottom_right";
  if (v.returnLse)
    s += " lse";
  s += " mask=" + (v.mask ? printMask(*v.mask) : std::string("none"));
  s += " mods=" + printModifiers(v.modifiers);
  if (v.hasKvSegments)
    s += " kv_segments";
  if (v.requiredAux() & bit(AuxBuffer::Bias))
    s += std::string(" bias:") + elemTypeName(v.biasType);
  if (v.requiredAux() & bit(AuxBuffer::RelEmb))
    s += std::string(" rel_emb:") + elemTypeName(v.relEmbType);
  return s;
}

} // namespace attnc::rt::gpu
