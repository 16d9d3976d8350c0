//===- Plan.cpp - Executable plan: names, verification, text form ---------===//
//
// The text form is one declaration per line:
//
//   attnc-plan 1
//   value <id> <input|weight|const|temp> ["<name>"] <dtype> [<d0>,<d1>,...] [<hex bytes>]
//   input <id>
//   step <kind> <operand ids or _> -> <result ids or _> [key=value ...]
//   output "<name>" <id>
//
// Attributes: epsilon, activation, num_heads, theta, rotary_dim, scale,
// mask (printMask form), mods (printModifier forms joined by ';'),
// bottom_right, kernel, loc (quoted). Floats print with %.9g, which
// round-trips f32 exactly.
//
//===----------------------------------------------------------------------===//
#include "runtime/model/Plan.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace attnc::rt::model {

namespace {

struct KindInfo {
  StepKind kind;
  const char *name;
  size_t operands;
};

const KindInfo kKinds[] = {
    {StepKind::Linear, "linear", 3},
    {StepKind::LayerNorm, "layer_norm", 3},
    {StepKind::RMSNorm, "rms_norm", 2},
    {StepKind::Activation, "activation", 1},
    {StepKind::GLU, "glu", 2},
    {StepKind::Add, "add", 2},
    {StepKind::Embedding, "embedding", 2},
    {StepKind::Positions, "positions", 3},
    {StepKind::Rope, "rope", 2},
    {StepKind::SplitHeads, "split_heads", 1},
    {StepKind::MergeHeads, "merge_heads", 1},
    {StepKind::ConcatSeq, "concat_seq", 2},
    {StepKind::SeqProject, "seq_project", 2},
    {StepKind::Softmax, "softmax", 1},
    {StepKind::QK, "qk", 2},
    {StepKind::Scale, "scale", 1},
    {StepKind::ScoreMod, "score_mod", 2 + kNumAux},
    {StepKind::Mask, "mask", 1 + kNumAux},
    {StepKind::PV, "pv", 2},
    {StepKind::Attention, "attention", 3 + kNumAux},
};

const char *kAuxNames[kNumAux] = {
    "kv_lengths", "prefix_lengths", "q_segments", "kv_segments", "adjacency",
    "block_layout", "mask_tensor", "bias", "alibi_slopes", "rel_emb", "rel_bias"};

std::string fmtFloat(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::string quote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

const char *valueKindName(ValueKind k) {
  switch (k) {
  case ValueKind::Input:
    return "input";
  case ValueKind::Weight:
    return "weight";
  case ValueKind::Constant:
    return "const";
  case ValueKind::Temp:
    return "temp";
  }
  return "?";
}

std::string printShape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

/// Splits a line into tokens; a quoted string is one token (unescaped,
/// keeping the quotes so callers can tell it was quoted). `key="v"`
/// attributes keep the key: `loc="a b"` is one token.
bool tokenize(const std::string &line, std::vector<std::string> &out) {
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' || line[i] == '\t') {
      ++i;
      continue;
    }
    std::string tok;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      if (line[i] == '"') {
        tok += '"';
        ++i;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            tok += line[i] == 'n' ? '\n' : line[i];
          } else {
            tok += line[i];
          }
          ++i;
        }
        if (i >= line.size())
          return false;
        tok += '"';
        ++i;
        continue;
      }
      tok += line[i++];
    }
    out.push_back(tok);
  }
  return true;
}

bool unquote(const std::string &tok, std::string &out) {
  if (tok.size() < 2 || tok.front() != '"' || tok.back() != '"')
    return false;
  out = tok.substr(1, tok.size() - 2);
  return true;
}

bool parseInt(const std::string &s, int64_t &v) {
  if (s.empty())
    return false;
  char *end = nullptr;
  v = std::strtoll(s.c_str(), &end, 10);
  return *end == '\0';
}

bool parseShape(const std::string &s, std::vector<int64_t> &shape) {
  if (s.size() < 2 || s.front() != '[' || s.back() != ']')
    return false;
  std::string body = s.substr(1, s.size() - 2);
  shape.clear();
  if (body.empty())
    return true;
  std::stringstream ss(body);
  std::string part;
  while (std::getline(ss, part, ',')) {
    int64_t v;
    if (part == "?")
      v = -1;
    else if (!parseInt(part, v) || v < 0)
      return false;
    shape.push_back(v);
  }
  return true;
}

bool parseIds(const std::vector<std::string> &toks, size_t b, size_t e,
              std::vector<int32_t> &ids) {
  for (size_t i = b; i < e; ++i) {
    int64_t v;
    if (toks[i] == "_")
      v = -1;
    else if (!parseInt(toks[i], v) || v < 0 || v > INT32_MAX)
      return false;
    ids.push_back(int32_t(v));
  }
  return true;
}

} // namespace

const char *stepKindName(StepKind k) {
  for (const KindInfo &i : kKinds)
    if (i.kind == k)
      return i.name;
  return "?";
}

bool parseStepKind(const std::string &name, StepKind &out) {
  for (const KindInfo &i : kKinds)
    if (name == i.name) {
      out = i.kind;
      return true;
    }
  return false;
}

size_t stepOperandCount(StepKind kind) {
  for (const KindInfo &i : kKinds)
    if (i.kind == kind)
      return i.operands;
  return 0;
}

const char *auxSlotName(int slot) {
  return slot >= 0 && slot < kNumAux ? kAuxNames[slot] : "?";
}

std::string Plan::describeStep(size_t index) const {
  if (index >= steps.size())
    return "step " + std::to_string(index);
  const Step &s = steps[index];
  std::string d = "step " + std::to_string(index) + " (" + stepKindName(s.kind);
  if (!s.loc.empty())
    d += " at " + s.loc;
  return d + ")";
}

Status Plan::verify() const {
  std::vector<int> defined(values.size(), 0);
  for (size_t i = 0; i < values.size(); ++i) {
    const Value &v = values[i];
    if (v.kind != ValueKind::Temp)
      defined[i] = 1;
    if ((v.kind == ValueKind::Input || v.kind == ValueKind::Weight) && v.name.empty())
      return corrupt("plan: value " + std::to_string(i) + " has no name");
    if (v.kind == ValueKind::Weight)
      for (int64_t d : v.shape)
        if (d < 0)
          return corrupt("plan: weight '" + v.name + "' has a dynamic shape");
    if (v.kind == ValueKind::Constant) {
      int64_t n = 1;
      for (int64_t d : v.shape) {
        if (d < 0)
          return corrupt("plan: constant " + std::to_string(i) + " has a dynamic shape");
        n *= d;
      }
      if (size_t(n) * dtypeSize(v.dtype) != v.data.size())
        return corrupt("plan: constant " + std::to_string(i) + " has " +
                       std::to_string(v.data.size()) + " bytes, its shape needs " +
                       std::to_string(size_t(n) * dtypeSize(v.dtype)));
    }
  }
  for (int32_t id : inputs)
    if (id < 0 || size_t(id) >= values.size() || values[id].kind != ValueKind::Input)
      return corrupt("plan: input " + std::to_string(id) + " is not an input value");
  for (size_t si = 0; si < steps.size(); ++si) {
    const Step &s = steps[si];
    if (s.operands.size() != stepOperandCount(s.kind))
      return corrupt("plan: " + describeStep(si) + " has " +
                     std::to_string(s.operands.size()) + " operands, expected " +
                     std::to_string(stepOperandCount(s.kind)));
    size_t wantResults = s.kind == StepKind::Attention ? 2 : 1;
    if (s.results.size() != wantResults || s.results[0] < 0)
      return corrupt("plan: " + describeStep(si) + " has a bad result list");
    for (size_t oi = 0; oi < s.operands.size(); ++oi) {
      int32_t id = s.operands[oi];
      if (id < 0)
        continue;
      if (size_t(id) >= values.size())
        return corrupt("plan: " + describeStep(si) + " uses unknown value " + std::to_string(id));
      if (!defined[id])
        return corrupt("plan: " + describeStep(si) + " uses value " + std::to_string(id) +
                       " before it is defined");
    }
    for (int32_t id : s.results) {
      if (id < 0)
        continue;
      if (size_t(id) >= values.size() || values[id].kind != ValueKind::Temp)
        return corrupt("plan: " + describeStep(si) + " defines a non-temporary value");
      if (defined[id])
        return corrupt("plan: value " + std::to_string(id) + " is defined twice");
      defined[id] = 1;
    }
    // Operands every kernel indexes unconditionally.
    size_t required = s.operands.size();
    switch (s.kind) {
    case StepKind::Linear:
      required = 2;
      break;
    case StepKind::Positions:
    case StepKind::Rope:
    case StepKind::ScoreMod:
    case StepKind::Mask:
      required = 1;
      break;
    case StepKind::Attention:
      required = 3;
      break;
    default:
      break;
    }
    for (size_t oi = 0; oi < required; ++oi)
      if (s.operands[oi] < 0)
        return corrupt("plan: " + describeStep(si) + " lacks required operand " +
                       std::to_string(oi));
  }
  for (auto &[name, id] : outputs)
    if (id < 0 || size_t(id) >= values.size() || !defined[id])
      return corrupt("plan: output '" + name + "' is not defined");
  return Status::success();
}

std::string printPlan(const Plan &plan) {
  std::string out = "attnc-plan 1\n";
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < plan.values.size(); ++i) {
    const Value &v = plan.values[i];
    out += "value " + std::to_string(i) + " " + valueKindName(v.kind);
    if (v.kind == ValueKind::Input || v.kind == ValueKind::Weight)
      out += " " + quote(v.name);
    out += std::string(" ") + dtypeName(v.dtype) + " " + printShape(v.shape);
    if (v.kind == ValueKind::Constant) {
      out += " 0x";
      for (uint8_t b : v.data) {
        out += hex[b >> 4];
        out += hex[b & 15];
      }
    }
    out += "\n";
  }
  for (int32_t id : plan.inputs)
    out += "input " + std::to_string(id) + "\n";
  for (const Step &s : plan.steps) {
    out += std::string("step ") + stepKindName(s.kind);
    for (int32_t id : s.operands)
      out += " " + (id < 0 ? std::string("_") : std::to_string(id));
    out += " ->";
    for (int32_t id : s.results)
      out += " " + (id < 0 ? std::string("_") : std::to_string(id));
    switch (s.kind) {
    case StepKind::LayerNorm:
    case StepKind::RMSNorm:
      out += " epsilon=" + fmtFloat(s.epsilon);
      break;
    case StepKind::Activation:
    case StepKind::GLU:
      out += std::string(" activation=") + activationName(s.activation);
      break;
    case StepKind::SplitHeads:
      out += " num_heads=" + std::to_string(s.numHeads);
      break;
    case StepKind::Rope:
      out += " theta=" + fmtFloat(s.theta) + " rotary_dim=" + std::to_string(s.rotaryDim);
      break;
    case StepKind::Scale:
      out += " scale=" + fmtFloat(s.attention.scale);
      break;
    case StepKind::Attention:
    case StepKind::ScoreMod:
    case StepKind::Mask: {
      const AttentionSpec &a = s.attention;
      if (s.kind == StepKind::Attention)
        out += " scale=" + fmtFloat(a.scale);
      if (a.hasMask)
        out += " mask=" + printMask(a.mask);
      if (!a.modifiers.empty()) {
        out += " mods=";
        for (size_t i = 0; i < a.modifiers.size(); ++i)
          out += (i ? ";" : "") + printModifier(a.modifiers[i]);
      }
      if (s.kind == StepKind::ScoreMod)
        out += " scale=" + fmtFloat(a.scale);
      if (a.bottomRight)
        out += " bottom_right";
      if (!s.kernel.empty())
        out += " kernel=" + s.kernel;
      break;
    }
    default:
      break;
    }
    if (!s.loc.empty())
      out += " loc=" + quote(s.loc);
    out += "\n";
  }
  for (auto &[name, id] : plan.outputs)
    out += "output " + quote(name) + " " + std::to_string(id) + "\n";
  return out;
}

Result<Plan> parsePlan(const std::string &text, const std::string &sourceName) {
  Plan plan;
  std::stringstream ss(text);
  std::string line;
  int lineNo = 0;
  auto bad = [&](const std::string &why) {
    return corrupt(sourceName + ":" + std::to_string(lineNo) + ": " + why);
  };
  bool sawHeader = false;
  while (std::getline(ss, line)) {
    ++lineNo;
    if (line.empty() || line[0] == '#')
      continue;
    std::vector<std::string> t;
    if (!tokenize(line, t))
      return bad("unterminated string");
    if (!sawHeader) {
      if (t.size() != 2 || t[0] != "attnc-plan")
        return bad("not an attnc plan (expected 'attnc-plan 1')");
      if (t[1] != "1")
        return bad("plan format version " + t[1] + " is not supported (this runtime reads 1)");
      sawHeader = true;
      continue;
    }
    if (t[0] == "value") {
      int64_t id;
      if (t.size() < 5 || !parseInt(t[1], id) || id != int64_t(plan.values.size()))
        return bad("value ids must be consecutive from 0");
      Value v;
      size_t i = 3;
      if (t[2] == "input" || t[2] == "weight") {
        v.kind = t[2] == "input" ? ValueKind::Input : ValueKind::Weight;
        if (!unquote(t[i++], v.name))
          return bad("expected a quoted name");
      } else if (t[2] == "const") {
        v.kind = ValueKind::Constant;
      } else if (t[2] == "temp") {
        v.kind = ValueKind::Temp;
      } else {
        return bad("unknown value kind '" + t[2] + "'");
      }
      if (i >= t.size())
        return bad("truncated value");
      auto dt = parseDType(t[i++]);
      if (!dt)
        return bad("unknown dtype '" + t[i - 1] + "'");
      v.dtype = *dt;
      if (i >= t.size() || !parseShape(t[i++], v.shape))
        return bad("malformed shape");
      if (v.kind == ValueKind::Constant) {
        if (i >= t.size() || t[i].rfind("0x", 0) != 0 || t[i].size() % 2)
          return bad("constant without hex data");
        for (size_t c = 2; c < t[i].size(); c += 2) {
          char *end = nullptr;
          std::string byte = t[i].substr(c, 2);
          long b = std::strtol(byte.c_str(), &end, 16);
          if (*end != '\0')
            return bad("malformed hex data");
          v.data.push_back(uint8_t(b));
        }
        ++i;
      }
      if (i != t.size())
        return bad("unexpected '" + t[i] + "'");
      plan.values.push_back(std::move(v));
    } else if (t[0] == "input") {
      int64_t id;
      if (t.size() != 2 || !parseInt(t[1], id))
        return bad("expected 'input <id>'");
      plan.inputs.push_back(int32_t(id));
    } else if (t[0] == "output") {
      int64_t id;
      std::string name;
      if (t.size() != 3 || !unquote(t[1], name) || !parseInt(t[2], id))
        return bad("expected 'output \"<name>\" <id>'");
      plan.outputs.emplace_back(name, int32_t(id));
    } else if (t[0] == "step") {
      Step s;
      if (t.size() < 2 || !parseStepKind(t[1], s.kind))
        return bad("unknown step kind '" + (t.size() > 1 ? t[1] : "") + "'");
      size_t arrow = 2;
      while (arrow < t.size() && t[arrow] != "->")
        ++arrow;
      if (arrow == t.size())
        return bad("step without '->'");
      size_t attrs = arrow + 1;
      while (attrs < t.size() && t[attrs].find('=') == std::string::npos &&
             t[attrs] != "bottom_right")
        ++attrs;
      if (!parseIds(t, 2, arrow, s.operands) || !parseIds(t, arrow + 1, attrs, s.results))
        return bad("malformed value id");
      s.attention.scale = 1.0f;
      for (size_t i = attrs; i < t.size(); ++i) {
        if (t[i] == "bottom_right") {
          s.attention.bottomRight = true;
          continue;
        }
        size_t eq = t[i].find('=');
        if (eq == std::string::npos)
          return bad("malformed attribute '" + t[i] + "'");
        std::string key = t[i].substr(0, eq), val = t[i].substr(eq + 1);
        int64_t iv;
        if (key == "epsilon")
          s.epsilon = std::strtof(val.c_str(), nullptr);
        else if (key == "theta")
          s.theta = std::strtof(val.c_str(), nullptr);
        else if (key == "scale")
          s.attention.scale = std::strtof(val.c_str(), nullptr);
        else if (key == "num_heads" && parseInt(val, iv))
          s.numHeads = iv;
        else if (key == "rotary_dim" && parseInt(val, iv))
          s.rotaryDim = iv;
        else if (key == "activation") {
          if (!parseActivation(val, s.activation))
            return bad("unknown activation '" + val + "'");
        } else if (key == "mask") {
          if (!parseMask(val, s.attention.mask))
            return bad("malformed mask '" + val + "'");
          s.attention.hasMask = true;
        } else if (key == "mods") {
          std::stringstream ms(val);
          std::string m;
          while (std::getline(ms, m, ';')) {
            Modifier mod;
            if (!parseModifier(m, mod))
              return bad("malformed modifier '" + m + "'");
            s.attention.modifiers.push_back(mod);
          }
        } else if (key == "kernel")
          s.kernel = val;
        else if (key == "loc") {
          if (!unquote(val, s.loc))
            return bad("loc must be quoted");
        } else
          return bad("unknown attribute '" + key + "'");
      }
      plan.steps.push_back(std::move(s));
    } else {
      return bad("unknown declaration '" + t[0] + "'");
    }
  }
  if (!sawHeader)
    return corrupt(sourceName + ": empty plan");
  ATTNC_RT_RETURN_IF_ERROR(plan.verify().withContext(sourceName));
  return plan;
}

} // namespace attnc::rt::model
