//===- HFWeights.cpp - Hugging Face weight files under attnc names --------===//
#include "compiler/API/HFWeights.h"

#include "runtime/core/Tensor.h"
#include "runtime/weights/Safetensors.h"

#include <algorithm>
#include <cmath>
#include <set>

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

} // namespace

llvm::Expected<std::shared_ptr<rtm::WeightMap>> convertHFWeights(const std::string &path,
                                                                 const std::string &arch) {
  return convert(path, arch, nullptr);
}

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
