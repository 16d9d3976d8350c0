//===- HFImport.cpp - attnc import-hf: HF config.json -> .attn -------------===//
//
// spec*: config.json -> .attn text. Every field we read is checked; an
// architecture or a field value we cannot express is an error that names
// it, and a difference we can only approximate is a warning. The weight
// half (HF tensor names and layouts -> attnc's) is compiler/API/HFWeights,
// shared with `attnc run --hf-names` and the C++ API.
//
//===----------------------------------------------------------------------===//
#include "compiler/API/HFWeights.h"
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
    llvm::Expected<std::shared_ptr<rtm::WeightMap>> m = convertHFWeights(weightsIn, modelType);
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
