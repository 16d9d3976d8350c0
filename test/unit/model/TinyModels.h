//===- TinyModels.h - Hand-built plans of small transformers -----*- C++ -*-===//
//
// The executor tests need whole models without the frontend: these build
// the plan a GPT-2-style or Llama-style decoder compiles to, step by step,
// plus random weights for it. Kept apart from the tests so that the plan
// shapes stay readable.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TEST_UNIT_MODEL_TINYMODELS_H
#define ATTNC_TEST_UNIT_MODEL_TINYMODELS_H

#include "runtime/model/Executor.h"
#include "runtime/model/Plan.h"
#include "TestUtil.h"

#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <string>

namespace attnc::rt::model::test {

struct TinyConfig {
  bool llama = false;   // RMSNorm, RoPE, SwiGLU, GQA, no biases
  int64_t vocab = 37, maxPos = 64, d = 32, heads = 4, kvHeads = 4, ffn = 48, layers = 2;
  bool causal = true;
  bool concatMemory = false; // a concat_seq that defeats the KV cache
};

class PlanBuilder {
public:
  Plan plan;
  int32_t value(ValueKind kind, const std::string &name, DType dt, std::vector<int64_t> shape) {
    Value v;
    v.kind = kind;
    v.name = name;
    v.dtype = dt;
    v.shape = std::move(shape);
    plan.values.push_back(std::move(v));
    return int32_t(plan.values.size() - 1);
  }
  int32_t input(const std::string &name, DType dt, std::vector<int64_t> shape) {
    int32_t id = value(ValueKind::Input, name, dt, std::move(shape));
    plan.inputs.push_back(id);
    return id;
  }
  int32_t weight(const std::string &name, std::vector<int64_t> shape) {
    return value(ValueKind::Weight, name, DType::F32, std::move(shape));
  }
  int32_t step(StepKind kind, std::vector<int32_t> operands, std::vector<int64_t> shape,
               const std::function<void(Step &)> &attrs = nullptr) {
    Step s;
    s.kind = kind;
    s.operands = std::move(operands);
    s.operands.resize(stepOperandCount(kind), -1);
    int32_t r = value(ValueKind::Temp, "", DType::F32, std::move(shape));
    s.results = {r};
    if (kind == StepKind::Attention)
      s.results.push_back(-1);
    if (attrs)
      attrs(s);
    plan.steps.push_back(std::move(s));
    return r;
  }
};

/// The plan of a small decoder-only LM; weight names follow docs/weights.md.
inline Plan buildTinyDecoder(const TinyConfig &c) {
  PlanBuilder b;
  const int64_t D = c.d, H = c.heads, Hk = c.kvHeads, hd = D / H;
  int32_t tokens = b.input("tokens", DType::I32, {-1, -1});
  int32_t wte = b.weight("embed.weight", {c.vocab, D});
  int32_t x = b.step(StepKind::Embedding, {wte, tokens}, {-1, -1, D});
  if (!c.llama) {
    int32_t wpe = b.weight("decoder.positions.weight", {c.maxPos, D});
    x = b.step(StepKind::Positions, {x, wpe}, {-1, -1, D});
  }
  auto norm = [&](int32_t in, const std::string &p) {
    int32_t g = b.weight(p + ".weight", {D});
    if (c.llama)
      return b.step(StepKind::RMSNorm, {in, g}, {-1, -1, D}, [](Step &s) { s.epsilon = 1e-6f; });
    int32_t bb = b.weight(p + ".bias", {D});
    return b.step(StepKind::LayerNorm, {in, g, bb}, {-1, -1, D}, [](Step &s) { s.epsilon = 1e-5f; });
  };
  auto lin = [&](int32_t in, const std::string &p, int64_t out, int64_t inDim) {
    int32_t w = b.weight(p + ".weight", {out, inDim});
    int32_t bias = c.llama ? -1 : b.weight(p + ".bias", {out});
    return b.step(StepKind::Linear, {in, w, bias}, {-1, -1, out});
  };
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = "decoder.layers." + std::to_string(l);
    int32_t h = norm(x, p + ".attn_norm");
    int32_t q = lin(h, p + ".attn.q_proj", D, D);
    int32_t k = lin(h, p + ".attn.k_proj", Hk * hd, D);
    int32_t v = lin(h, p + ".attn.v_proj", Hk * hd, D);
    int32_t qh = b.step(StepKind::SplitHeads, {q}, {-1, H, -1, hd}, [&](Step &s) { s.numHeads = H; });
    int32_t kh = b.step(StepKind::SplitHeads, {k}, {-1, Hk, -1, hd}, [&](Step &s) { s.numHeads = Hk; });
    int32_t vh = b.step(StepKind::SplitHeads, {v}, {-1, Hk, -1, hd}, [&](Step &s) { s.numHeads = Hk; });
    if (c.llama) {
      auto rope = [&](Step &s) { s.theta = 10000.0f; };
      qh = b.step(StepKind::Rope, {qh}, {-1, H, -1, hd}, rope);
      kh = b.step(StepKind::Rope, {kh}, {-1, Hk, -1, hd}, rope);
    }
    if (c.concatMemory) {
      int32_t mem = b.weight(p + ".memory", {1, Hk, 2, hd});
      kh = b.step(StepKind::ConcatSeq, {mem, kh}, {-1, Hk, -1, hd});
      vh = b.step(StepKind::ConcatSeq, {mem, vh}, {-1, Hk, -1, hd});
    }
    int32_t a = b.step(StepKind::Attention, {qh, kh, vh}, {-1, H, -1, hd}, [&](Step &s) {
      s.attention.scale = float(1.0 / std::sqrt(double(hd)));
      s.attention.hasMask = c.causal;
      s.attention.mask.kind = MaskNode::Kind::Causal;
      s.attention.bottomRight = c.concatMemory;
    });
    int32_t m = b.step(StepKind::MergeHeads, {a}, {-1, -1, D});
    int32_t o = lin(m, p + ".attn.o_proj", D, D);
    x = b.step(StepKind::Add, {x, o}, {-1, -1, D});
    h = norm(x, p + ".mlp_norm");
    int32_t f;
    if (c.llama) {
      int32_t gate = lin(h, p + ".mlp.gate_proj", c.ffn, D);
      int32_t up = lin(h, p + ".mlp.up_proj", c.ffn, D);
      f = b.step(StepKind::GLU, {gate, up}, {-1, -1, c.ffn},
                 [](Step &s) { s.activation = Activation::SiLU; });
    } else {
      f = lin(h, p + ".mlp.fc1", c.ffn, D);
      f = b.step(StepKind::Activation, {f}, {-1, -1, c.ffn},
                 [](Step &s) { s.activation = Activation::GELUTanh; });
    }
    f = lin(f, p + ".mlp.fc2", D, c.ffn);
    x = b.step(StepKind::Add, {x, f}, {-1, -1, D});
  }
  x = norm(x, "decoder.final_norm");
  int32_t logits = b.step(StepKind::Linear, {x, wte, -1}, {-1, -1, c.vocab});
  b.plan.outputs.push_back({"logits", logits});
  return b.plan;
}

/// N(0, 0.2) weights (larger than real init so that logits differ clearly),
/// norm gains around 1.
inline std::shared_ptr<WeightMap> randomWeights(const Plan &plan, uint64_t seed) {
  auto w = std::make_shared<WeightMap>("test weights");
  std::mt19937_64 rng(seed);
  for (const Value &v : plan.values) {
    if (v.kind != ValueKind::Weight)
      continue;
    HostTensor t = randn(v.shape, rng, 0.2f);
    if (v.name.find("norm.weight") != std::string::npos)
      for (int64_t i = 0; i < t.numElements(); ++i)
        t.dataAs<float>()[i] += 1.0f;
    w->add(v.name, std::move(t));
  }
  return w;
}

} // namespace attnc::rt::model::test

#endif // ATTNC_TEST_UNIT_MODEL_TINYMODELS_H
