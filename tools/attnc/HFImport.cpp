//===- HFImport.cpp - Hugging Face configs and weights -> attnc -----------===//
//
// Two halves per architecture, kept side by side so they cannot drift:
//  * specFor*: config.json -> .attn text (every field we read is checked;
//    an architecture or a field value we cannot express is an error that
//    names it, and a difference we can only approximate is a warning);
//  * rules*: how each attnc weight (docs/weights.md) is made from HF
//    tensors: renamed, transposed (GPT-2's Conv1D stores [in, out]), a slice
//    of a fused projection (GPT-2's c_attn), scaled (T5 does not scale
//    scores by 1/sqrt(d_kv), attnc does, so q absorbs sqrt(d_kv)), or a sum
//    (BERT's token-type-0 embedding folds into the position table).
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/HFImport.h"
#include "tools/attnc/Commands.h"

#include "runtime/core/Tensor.h"
#include "runtime/weights/Safetensors.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <set>

using llvm::formatv;
namespace rtm = attnc::rt::model;

namespace attnc {
namespace {

llvm::Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

//===----------------------------------------------------------------------===//
// Weight rules
//===----------------------------------------------------------------------===//

/// How one attnc tensor is made: out = scale * slice(transpose?(src)) (+ add).
struct Rule {
  std::string out, src;
  bool transpose = false;
  int parts = 1, part = 0; // slice `part` of `parts` along dim 0 (after transpose)
  float scale = 1.0f;
  std::string addRow0; // BERT: add row 0 of this tensor to every row
};

using Rules = std::vector<Rule>;
using P = std::pair<const char *, const char *>;

/// Architecture dimensions the rules need, from config.json or, for
/// --hf-names, from the tensors themselves.
struct Dims {
  int64_t layers = 0, decoderLayers = 0, dKV = 0, dModel = 0;
  bool tied = true;
};

Rules rulesGPT2(const Dims &d, const std::string &p) {
  Rules r = {{"tok_emb.weight", p + "wte.weight"},
             {"pos_emb.weight", p + "wpe.weight"},
             {"decoder.norm.weight", p + "ln_f.weight"},
             {"decoder.norm.bias", p + "ln_f.bias"}};
  for (int64_t l = 0; l < d.layers; ++l) {
    std::string h = p + "h." + std::to_string(l) + ".", o = "decoder.layers." + std::to_string(l) + ".";
    for (auto [ours, theirs] : {P{"norm1", "ln_1"}, P{"norm2", "ln_2"}}) {
      r.push_back({o + ours + ".weight", h + theirs + ".weight"});
      r.push_back({o + ours + ".bias", h + theirs + ".bias"});
    }
    const char *qkv[3] = {"q_proj", "k_proj", "v_proj"};
    for (int i = 0; i < 3; ++i) {
      r.push_back({o + "self_attn." + qkv[i] + ".weight", h + "attn.c_attn.weight", true, 3, i});
      r.push_back({o + "self_attn." + qkv[i] + ".bias", h + "attn.c_attn.bias", false, 3, i});
    }
    r.push_back({o + "self_attn.o_proj.weight", h + "attn.c_proj.weight", true});
    r.push_back({o + "self_attn.o_proj.bias", h + "attn.c_proj.bias"});
    r.push_back({o + "ffn.fc1.weight", h + "mlp.c_fc.weight", true});
    r.push_back({o + "ffn.fc1.bias", h + "mlp.c_fc.bias"});
    r.push_back({o + "ffn.fc2.weight", h + "mlp.c_proj.weight", true});
    r.push_back({o + "ffn.fc2.bias", h + "mlp.c_proj.bias"});
  }
  return r;
}

Rules rulesLlama(const Dims &d) {
  Rules r = {{"tok_emb.weight", "model.embed_tokens.weight"},
             {"decoder.norm.weight", "model.norm.weight"}};
  if (!d.tied)
    r.push_back({"lm_head.weight", "lm_head.weight"});
  for (int64_t l = 0; l < d.layers; ++l) {
    std::string h = "model.layers." + std::to_string(l) + ".", o = "decoder.layers." + std::to_string(l) + ".";
    r.push_back({o + "norm1.weight", h + "input_layernorm.weight"});
    r.push_back({o + "norm2.weight", h + "post_attention_layernorm.weight"});
    for (const char *n : {"q_proj", "k_proj", "v_proj", "o_proj"})
      r.push_back({o + "self_attn." + n + ".weight", h + "self_attn." + n + ".weight"});
    for (const char *n : {"gate_proj", "up_proj", "down_proj"})
      r.push_back({o + "ffn." + n + ".weight", h + "mlp." + n + ".weight"});
  }
  return r;
}

Rules rulesBERT(const Dims &d, const std::string &p) {
  Rules r = {{"tok_emb.weight", p + "embeddings.word_embeddings.weight"}};
  Rule pos{"pos_emb.weight", p + "embeddings.position_embeddings.weight"};
  pos.addRow0 = p + "embeddings.token_type_embeddings.weight";
  r.push_back(pos);
  for (int64_t l = 0; l < d.layers; ++l) {
    std::string h = p + "encoder.layer." + std::to_string(l) + ".", o = "encoder.layers." + std::to_string(l) + ".";
    for (auto [ours, theirs] : {P{"q_proj", "attention.self.query"}, P{"k_proj", "attention.self.key"},
                                P{"v_proj", "attention.self.value"}, P{"o_proj", "attention.output.dense"}}) {
      r.push_back({o + "self_attn." + ours + ".weight", h + theirs + ".weight"});
      r.push_back({o + "self_attn." + ours + ".bias", h + theirs + ".bias"});
    }
    for (auto [ours, theirs] : {P{"norm1", "attention.output.LayerNorm"}, P{"norm2", "output.LayerNorm"},
                                P{"ffn.fc1", "intermediate.dense"}, P{"ffn.fc2", "output.dense"}}) {
      r.push_back({o + ours + ".weight", h + theirs + ".weight"});
      r.push_back({o + ours + ".bias", h + theirs + ".bias"});
    }
  }
  return r;
}

Rules rulesT5(const Dims &d) {
  Rules r = {{"tok_emb.weight", "shared.weight"},
             {"encoder.rel_bias.weight", "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"},
             {"decoder.rel_bias.weight", "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"},
             {"encoder.norm.weight", "encoder.final_layer_norm.weight"},
             {"decoder.norm.weight", "decoder.final_layer_norm.weight"}};
  // A tied T5 scales the decoder output by d_model^-0.5 before the shared
  // embedding; an untied attnc head absorbs it.
  Rule head{"lm_head.weight", d.tied ? "shared.weight" : "lm_head.weight"};
  if (d.tied)
    head.scale = float(1.0 / std::sqrt(double(d.dModel)));
  r.push_back(head);
  float qScale = float(std::sqrt(double(d.dKV)));
  auto attn = [&](const std::string &o, const std::string &h) {
    for (auto [ours, theirs] : {P{"q_proj", "q"}, P{"k_proj", "k"}, P{"v_proj", "v"}, P{"o_proj", "o"}}) {
      Rule rule{o + "." + ours + ".weight", h + "." + theirs + ".weight"};
      if (std::string(ours) == "q_proj")
        rule.scale = qScale;
      r.push_back(rule);
    }
  };
  for (int64_t l = 0; l < d.layers; ++l) {
    std::string h = "encoder.block." + std::to_string(l) + ".layer.", o = "encoder.layers." + std::to_string(l) + ".";
    attn(o + "self_attn", h + "0.SelfAttention");
    r.push_back({o + "norm1.weight", h + "0.layer_norm.weight"});
    r.push_back({o + "ffn.fc1.weight", h + "1.DenseReluDense.wi.weight"});
    r.push_back({o + "ffn.fc2.weight", h + "1.DenseReluDense.wo.weight"});
    r.push_back({o + "norm2.weight", h + "1.layer_norm.weight"});
  }
  for (int64_t l = 0; l < d.decoderLayers; ++l) {
    std::string h = "decoder.block." + std::to_string(l) + ".layer.", o = "decoder.layers." + std::to_string(l) + ".";
    attn(o + "self_attn", h + "0.SelfAttention");
    r.push_back({o + "norm1.weight", h + "0.layer_norm.weight"});
    attn(o + "cross_attn", h + "1.EncDecAttention");
    r.push_back({o + "norm2.weight", h + "1.layer_norm.weight"});
    r.push_back({o + "ffn.fc1.weight", h + "2.DenseReluDense.wi.weight"});
    r.push_back({o + "ffn.fc2.weight", h + "2.DenseReluDense.wo.weight"});
    r.push_back({o + "norm3.weight", h + "2.layer_norm.weight"});
  }
  return r;
}

/// Counts `prefix<N>.` layers among the tensor names.
int64_t countLayers(const rt::SafetensorsFile &f, const std::string &prefix) {
  int64_t n = 0;
  for (const rt::SafetensorsEntry &e : f.tensors()) {
    if (e.name.rfind(prefix, 0) != 0)
      continue;
    int64_t idx;
    llvm::StringRef rest = llvm::StringRef(e.name).drop_front(prefix.size());
    if (!rest.split('.').first.getAsInteger(10, idx))
      n = std::max(n, idx + 1);
  }
  return n;
}

llvm::Expected<Rules> rulesFor(const std::string &arch, const rt::SafetensorsFile &f) {
  Dims d;
  auto has = [&](const std::string &n) { return f.find(n) != nullptr; };
  if (arch == "gpt2") {
    std::string p = has("transformer.wte.weight") ? "transformer." : "";
    d.layers = countLayers(f, p + "h.");
    return rulesGPT2(d, p);
  }
  if (arch == "llama" || arch == "mistral") {
    d.layers = countLayers(f, "model.layers.");
    d.tied = !has("lm_head.weight");
    return rulesLlama(d);
  }
  if (arch == "bert") {
    std::string p = has("bert.embeddings.word_embeddings.weight") ? "bert." : "";
    d.layers = countLayers(f, p + "encoder.layer.");
    return rulesBERT(d, p);
  }
  if (arch == "t5") {
    d.layers = countLayers(f, "encoder.block.");
    d.decoderLayers = countLayers(f, "decoder.block.");
    d.tied = !has("lm_head.weight");
    const rt::SafetensorsEntry *rel = f.find("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
    const rt::SafetensorsEntry *q = f.find("encoder.block.0.layer.0.SelfAttention.q.weight");
    if (!rel || !q || rel->shape.size() != 2 || q->shape.size() != 2 || rel->shape[1] <= 0)
      return err("the file does not look like a T5 checkpoint (no encoder.block.0 attention tensors)");
    d.dKV = q->shape[0] / rel->shape[1];
    d.dModel = q->shape[1];
    return rulesT5(d);
  }
  return err("unknown Hugging Face architecture '" + arch + "' (known: gpt2, bert, llama, mistral, t5)");
}

/// Applies `rule` to the HF file, giving an f32 tensor.
llvm::Expected<rt::HostTensor> applyRule(const Rule &rule, const rt::SafetensorsFile &f) {
  auto load = [&](const std::string &name) -> llvm::Expected<rt::HostTensor> {
    rt::Result<rt::HostTensor> t = f.load(name);
    if (!t.ok())
      return err("'" + rule.out + "' needs the Hugging Face tensor '" + name + "': " + t.status().message());
    rt::Result<rt::HostTensor> c = rt::HostTensor::allocate(rt::DType::F32, t->shape());
    if (!c.ok())
      return err(c.status().message());
    for (int64_t i = 0; i < t->numElements(); ++i)
      c->dataAs<float>()[i] = float(rt::loadAsDouble(t->dtype(), t->data(), size_t(i)));
    return c.take();
  };
  llvm::Expected<rt::HostTensor> src = load(rule.src);
  if (!src)
    return src.takeError();
  std::vector<int64_t> shape = src->shape();
  if (rule.transpose) {
    if (shape.size() != 2)
      return err("'" + rule.src + "' should be a matrix to transpose");
    std::swap(shape[0], shape[1]);
  }
  if (shape.empty() || shape[0] % rule.parts)
    return err("'" + rule.src + "' cannot be split into " + std::to_string(rule.parts) + " parts");
  int64_t rows = shape[0] / rule.parts, cols = shape.size() == 2 ? shape[1] : 1;
  shape[0] = rows;
  rt::Result<rt::HostTensor> out = rt::HostTensor::allocate(rt::DType::F32, shape);
  if (!out.ok())
    return err(out.status().message());
  const float *s = src->dataAs<float>();
  int64_t srcCols = rule.transpose ? src->shape()[0] : cols;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      int64_t r = rule.part * rows + i; // row in the (transposed) source
      float v = rule.transpose ? s[j * src->shape()[1] + r] : s[r * srcCols + j];
      out->dataAs<float>()[i * cols + j] = v * rule.scale;
    }
  if (!rule.addRow0.empty()) {
    llvm::Expected<rt::HostTensor> add = load(rule.addRow0);
    if (!add)
      return add.takeError();
    if (add->rank() != 2 || add->shape()[1] != cols)
      return err("'" + rule.addRow0 + "' does not match '" + rule.src + "'");
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        out->dataAs<float>()[i * cols + j] += add->dataAs<float>()[j];
  }
  return out.take();
}

/// Converts the tensors `rules` produce (only those in `wanted`, when given).
llvm::Expected<std::shared_ptr<rtm::WeightMap>>
convert(const std::string &path, const std::string &arch, const std::set<std::string> *wanted) {
  rt::Result<rt::SafetensorsFile> f = rt::SafetensorsFile::open(path);
  if (!f.ok())
    return err(f.status().message());
  llvm::Expected<Rules> rules = rulesFor(arch, *f);
  if (!rules)
    return rules.takeError();
  auto map = std::make_shared<rtm::WeightMap>(path + " (" + arch + " names)");
  for (const Rule &r : *rules) {
    if (wanted && !wanted->count(r.out))
      continue;
    llvm::Expected<rt::HostTensor> t = applyRule(r, *f);
    if (!t)
      return t.takeError();
    map->add(r.out, std::move(*t));
  }
  return map;
}

//===----------------------------------------------------------------------===//
// Specs
//===----------------------------------------------------------------------===//

struct Config {
  const llvm::json::Object &o;
  std::string file;
  std::vector<std::string> warnings;

  llvm::Expected<int64_t> integer(llvm::StringRef key, std::optional<int64_t> dflt = std::nullopt) const {
    const llvm::json::Value *v = o.get(key);
    if (!v || v->kind() == llvm::json::Value::Null) {
      if (dflt)
        return *dflt;
      return err(file + ": missing field '" + key + "'");
    }
    if (std::optional<int64_t> i = v->getAsInteger(); i && *i > 0)
      return *i;
    return err(file + ": field '" + key + "' must be a positive integer");
  }
  double number(llvm::StringRef key, double dflt) const {
    if (const llvm::json::Value *v = o.get(key))
      if (std::optional<double> d = v->getAsNumber())
        return *d;
    return dflt;
  }
  std::string string(llvm::StringRef key, const std::string &dflt) const {
    if (std::optional<llvm::StringRef> s = o.getString(key))
      return s->str();
    return dflt;
  }
  bool boolean(llvm::StringRef key, bool dflt) const {
    if (std::optional<bool> b = o.getBoolean(key))
      return *b;
    return dflt;
  }
};

#define TRY(var, expr)                                                                             \
  auto var##OrErr = (expr);                                                                        \
  if (!var##OrErr)                                                                                 \
    return var##OrErr.takeError();                                                                 \
  int64_t var = *var##OrErr

std::string fmtDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

llvm::Expected<std::string> activationOf(const Config &c, llvm::StringRef key, const std::string &dflt) {
  std::string a = c.string(key, dflt);
  if (a == "gelu_new" || a == "gelu_pytorch_tanh" || a == "gelu_fast")
    return std::string("gelu_tanh");
  if (a == "gelu" || a == "relu" || a == "silu")
    return a;
  return err(c.file + ": activation '" + a + "' (field '" + key + "') has no .attn equivalent");
}

llvm::Expected<std::string> specGPT2(Config &c, const std::string &name) {
  TRY(vocab, c.integer("vocab_size"));
  TRY(pos, c.integer("n_positions", 1024));
  TRY(d, c.integer("n_embd"));
  TRY(h, c.integer("n_head"));
  TRY(layers, c.integer("n_layer"));
  TRY(ffn, c.integer("n_inner", 4 * d));
  auto act = activationOf(c, "activation_function", "gelu_new");
  if (!act)
    return act.takeError();
  return formatv("model {0} {\n  vocab = {1}\n  max_positions = {2}\n  d_model = {3}\n  heads = {4}\n"
                 "  ffn = {5}\n  norm = layernorm\n  norm_eps = {6}\n  activation = {7}\n"
                 "  positions = learned\n  head = tied\n\n  decoder {\n    layers = {8}\n    mask = causal\n"
                 "  }\n}\n",
                 name, vocab, pos, d, h, ffn, fmtDouble(c.number("layer_norm_epsilon", 1e-5)), *act, layers)
      .str();
}

llvm::Expected<std::string> specLlama(Config &c, const std::string &name, bool mistral) {
  TRY(vocab, c.integer("vocab_size"));
  TRY(d, c.integer("hidden_size"));
  TRY(h, c.integer("num_attention_heads"));
  TRY(kv, c.integer("num_key_value_heads", h));
  TRY(ffn, c.integer("intermediate_size"));
  TRY(layers, c.integer("num_hidden_layers"));
  std::string act = c.string("hidden_act", "silu");
  if (act != "silu")
    return err(c.file + ": hidden_act '" + act + "' is not supported (attnc's SwiGLU uses silu)");
  if (c.o.get("rope_scaling") && c.o.get("rope_scaling")->kind() != llvm::json::Value::Null)
    c.warnings.push_back("rope_scaling is ignored: attnc's rope has no scaled variants");
  std::string mask = "causal";
  if (const llvm::json::Value *sw = c.o.get("sliding_window"); sw && sw->kind() != llvm::json::Value::Null) {
    std::optional<int64_t> w = sw->getAsInteger();
    if (!w || *w <= 0)
      return err(c.file + ": sliding_window must be a positive integer or null");
    mask = formatv("causal & window(left = {0})", *w - 1).str();
  } else if (mistral) {
    c.warnings.push_back("sliding_window is null: full causal attention");
  }
  bool tied = c.boolean("tie_word_embeddings", false);
  return formatv("model {0} {\n  vocab = {1}\n  d_model = {2}\n  heads = {3}\n  kv_heads = {4}\n"
                 "  ffn = {5}\n  norm = rmsnorm\n  norm_eps = {6}\n  activation = swiglu\n  bias = false\n"
                 "  positions = rope(theta = {7})\n  head = {8}\n\n  decoder {\n    layers = {9}\n"
                 "    mask = {10}\n  }\n}\n",
                 name, vocab, d, h, kv, ffn, fmtDouble(c.number("rms_norm_eps", 1e-6)),
                 fmtDouble(c.number("rope_theta", 10000.0)), tied ? "tied" : "untied", layers, mask)
      .str();
}

llvm::Expected<std::string> specBERT(Config &c, const std::string &name) {
  TRY(vocab, c.integer("vocab_size"));
  TRY(d, c.integer("hidden_size"));
  TRY(h, c.integer("num_attention_heads"));
  TRY(ffn, c.integer("intermediate_size"));
  TRY(layers, c.integer("num_hidden_layers"));
  TRY(pos, c.integer("max_position_embeddings", 512));
  auto act = activationOf(c, "hidden_act", "gelu");
  if (!act)
    return act.takeError();
  c.warnings.push_back("BERT's embedding LayerNorm and its MLM head transform have no .attn "
                       "counterpart: the imported model omits them (token type 0 is folded "
                       "into the position embeddings)");
  return formatv("model {0} {\n  vocab = {1}\n  max_positions = {2}\n  d_model = {3}\n  heads = {4}\n"
                 "  ffn = {5}\n  activation = {6}\n  norm_position = post\n  norm_eps = {7}\n"
                 "  positions = learned\n  head = tied\n\n  encoder {\n    layers = {8}\n"
                 "    mask = padding\n  }\n}\n",
                 name, vocab, pos, d, h, ffn, *act, fmtDouble(c.number("layer_norm_eps", 1e-12)), layers)
      .str();
}

llvm::Expected<std::string> specT5(Config &c, const std::string &name) {
  TRY(vocab, c.integer("vocab_size"));
  TRY(d, c.integer("d_model"));
  TRY(dkv, c.integer("d_kv"));
  TRY(ffn, c.integer("d_ff"));
  TRY(h, c.integer("num_heads"));
  TRY(layers, c.integer("num_layers"));
  TRY(decLayers, c.integer("num_decoder_layers", layers));
  TRY(buckets, c.integer("relative_attention_num_buckets", 32));
  TRY(maxDist, c.integer("relative_attention_max_distance", 128));
  std::string ff = c.string("feed_forward_proj", "relu");
  if (ff != "relu")
    return err(c.file + ": feed_forward_proj '" + ff +
               "' is not supported (gated T5 feed-forwards have no .attn equivalent; 'relu' is)");
  return formatv("model {0} {\n  vocab = {1}\n  d_model = {2}\n  heads = {3}\n  head_dim = {4}\n"
                 "  ffn = {5}\n  norm = rmsnorm\n  norm_eps = {6}\n  activation = relu\n  bias = false\n"
                 "  positions = t5(num_buckets = {7}, max_distance = {8})\n  head = untied\n\n"
                 "  encoder { layers = {9}  mask = padding }\n  decoder { layers = {10} }\n}\n",
                 name, vocab, d, h, dkv, ffn, fmtDouble(c.number("layer_norm_epsilon", 1e-6)), buckets,
                 maxDist, layers, decLayers)
      .str();
}

} // namespace

llvm::Expected<std::shared_ptr<rtm::WeightSource>>
mapHFWeightFile(const std::string &path, const std::string &arch, const rtm::Plan &plan) {
  std::set<std::string> wanted;
  for (const rtm::Value &v : plan.values)
    if (v.kind == rtm::ValueKind::Weight)
      wanted.insert(v.name);
  llvm::Expected<std::shared_ptr<rtm::WeightMap>> m = convert(path, arch, &wanted);
  if (!m)
    return m.takeError();
  return std::shared_ptr<rtm::WeightSource>(*m);
}

} // namespace attnc

int attnc::runImportHFCommand(int argc, char **argv) {
  namespace cl = llvm::cl;
  cl::OptionCategory category("attnc import-hf options");
  cl::opt<std::string> configPath(cl::Positional, cl::desc("<config.json>"), cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("Output .attn spec"), cl::value_desc("file"), cl::cat(category));
  cl::opt<std::string> name("name", cl::desc("Model name in the spec (default: from model_type)"),
                            cl::cat(category));
  cl::opt<std::string> arch("arch", cl::desc("Architecture of --weights when no config is given"),
                            cl::cat(category));
  cl::opt<std::string> weightsIn("weights", cl::desc("Hugging Face .safetensors to convert"),
                                 cl::value_desc("file"), cl::cat(category));
  cl::opt<std::string> weightsOut("weights-out", cl::desc("Converted weights (attnc names)"),
                                  cl::value_desc("file"), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "attnc import-hf: Hugging Face config.json -> .attn spec, and HF weights -> attnc names\n\n"
      "  attnc import-hf config.json -o model.attn [--weights model.safetensors --weights-out w.safetensors]\n");
  auto fail = [](const std::string &m) {
    llvm::errs() << "attnc import-hf: " << m << "\n";
    return 1;
  };
  std::string modelType = arch;
  if (!configPath.empty()) {
    auto buf = llvm::MemoryBuffer::getFile(configPath);
    if (!buf)
      return fail("cannot read '" + configPath + "': " + buf.getError().message());
    llvm::Expected<llvm::json::Value> json = llvm::json::parse((*buf)->getBuffer());
    if (!json)
      return fail(configPath + ": not valid JSON: " + llvm::toString(json.takeError()));
    const llvm::json::Object *obj = json->getAsObject();
    if (!obj)
      return fail(configPath + ": expected a JSON object");
    Config c{*obj, configPath, {}};
    modelType = c.string("model_type", "");
    std::string specName = name.empty() ? (modelType.empty() ? "imported" : modelType) : name;
    for (char &ch : specName)
      if (!llvm::isAlnum(ch))
        ch = '_';
    auto make = [&]() -> llvm::Expected<std::string> {
      if (modelType == "gpt2")
        return specGPT2(c, specName);
      if (modelType == "llama")
        return specLlama(c, specName, false);
      if (modelType == "mistral")
        return specLlama(c, specName, true);
      if (modelType == "bert")
        return specBERT(c, specName);
      if (modelType == "t5")
        return specT5(c, specName);
      return err(configPath + ": model_type '" + modelType +
                 "' is not supported (supported: gpt2, bert, llama, mistral, t5)");
    };
    llvm::Expected<std::string> spec = make();
    if (!spec)
      return fail(llvm::toString(spec.takeError()));
    for (const std::string &w : c.warnings)
      llvm::errs() << "attnc import-hf: warning: " << w << "\n";
    std::string text = "# Imported by `attnc import-hf` from " + configPath + "\n" + *spec;
    if (output.empty() || output == "-") {
      llvm::outs() << text;
    } else {
      std::error_code ec;
      llvm::raw_fd_ostream os(output, ec);
      if (ec)
        return fail("cannot write '" + output + "': " + ec.message());
      os << text;
    }
  }
  if (!weightsIn.empty()) {
    if (weightsOut.empty())
      return fail("--weights needs --weights-out");
    if (modelType.empty())
      return fail("--weights needs a config.json or --arch");
    llvm::Expected<std::shared_ptr<rtm::WeightMap>> m = convert(weightsIn, modelType, nullptr);
    if (!m)
      return fail(llvm::toString(m.takeError()));
    std::vector<std::pair<std::string, rt::TensorView>> views;
    for (const std::string &n : (*m)->names()) {
      rt::Result<rt::TensorView> v = (*m)->find(n);
      if (!v.ok())
        return fail(v.status().message());
      views.emplace_back(n, *v);
    }
    rt::Status st = rt::writeSafetensors(weightsOut, views, {{"attnc.converted_from", weightsIn}});
    if (!st.ok())
      return fail(st.message());
    llvm::outs() << "converted " << views.size() << " tensors to " << weightsOut << "\n";
  }
  if (configPath.empty() && weightsIn.empty())
    return fail("nothing to do: give a config.json and/or --weights");
  return 0;
}
