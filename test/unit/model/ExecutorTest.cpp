//===- ExecutorTest.cpp - Plan executor: forward, KV cache, errors --------===//
//
// The KV-cache path is checked against the full forward pass: the logits
// that prefill + step() produce for position t must equal row t of one
// forward pass over the whole sequence (teacher forcing), and greedy
// generation with and without the cache must give the same tokens. The
// independent numeric check of whole models is test/torch (PyTorch).
//
//===----------------------------------------------------------------------===//
#include "runtime/model/Executor.h"
#include "TinyModels.h"

#include <gtest/gtest.h>

using namespace attnc::rt;
using namespace attnc::rt::model;
using namespace attnc::rt::model::test;

namespace {

std::shared_ptr<Model> load(const TinyConfig &c, uint64_t seed) {
  Plan plan = buildTinyDecoder(c);
  auto weights = randomWeights(plan, seed);
  Result<std::shared_ptr<Model>> m = Model::load(std::move(plan), weights);
  EXPECT_TRUE(m.ok()) << m.status().toString();
  return m.ok() ? m.take() : nullptr;
}

std::vector<int32_t> randomTokens(std::mt19937_64 &rng, int64_t n, int64_t vocab) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto &x : t)
    x = int32_t(rng() % uint64_t(vocab));
  return t;
}

void checkCacheMatchesForward(const TinyConfig &c, int64_t batch) {
  uint64_t seed = freshSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto model = load(c, seed);
  ASSERT_TRUE(model);
  ASSERT_TRUE(model->cacheable()) << model->notCacheableReason();
  const int64_t total = 13, prompt = 5;
  std::vector<int32_t> toks = randomTokens(rng, batch * total, c.vocab);
  HostTensor all = ints({batch, total}, toks);
  Session full(model);
  Status st = full.forward({{"tokens", all.view()}});
  ASSERT_TRUE(st.ok()) << st.toString();
  const TensorView *logits = full.output("logits");
  ASSERT_TRUE(logits);
  ASSERT_EQ(logits->shape(), (std::vector<int64_t>{batch, total, c.vocab}));

  std::vector<int32_t> promptToks;
  for (int64_t b = 0; b < batch; ++b)
    promptToks.insert(promptToks.end(), toks.begin() + b * total, toks.begin() + b * total + prompt);
  HostTensor p = ints({batch, prompt}, promptToks);
  Session gen(model);
  st = gen.prefill({{"tokens", p.view()}}, total);
  ASSERT_TRUE(st.ok()) << st.toString();
  ASSERT_TRUE(gen.usingCache());
  for (int64_t t = prompt - 1; t < total; ++t) {
    if (t >= prompt) {
      std::vector<int32_t> next;
      for (int64_t b = 0; b < batch; ++b)
        next.push_back(toks[b * total + t]);
      st = gen.step(next);
      ASSERT_TRUE(st.ok()) << st.toString();
    }
    const TensorView &row = gen.lastLogits();
    std::vector<double> want(size_t(batch * c.vocab));
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t v = 0; v < c.vocab; ++v)
        want[b * c.vocab + v] = logits->dataAs<float>()[(b * total + t) * c.vocab + v];
    EXPECT_LE(relError(row.dataAs<float>(), want.data(), batch * c.vocab), 1e-4) << "position " << t;
  }
  // The cache was sized once: layers x {K, V} x B x Hk x total x head_dim.
  EXPECT_EQ(gen.kvCacheBytes(),
            size_t(c.layers * 2 * batch * c.kvHeads * total * (c.d / c.heads) * 4));
}

TEST(ModelExecutor, GPTStyleCacheMatchesForward) { checkCacheMatchesForward(TinyConfig(), 2); }

TEST(ModelExecutor, LlamaStyleGQACacheMatchesForward) {
  TinyConfig c;
  c.llama = true;
  c.kvHeads = 2;
  checkCacheMatchesForward(c, 1);
}

TEST(ModelExecutor, GreedyGenerationSameWithAndWithoutCache) {
  uint64_t seed = freshSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  TinyConfig c;
  c.llama = true;
  auto model = load(c, seed);
  ASSERT_TRUE(model);
  HostTensor p = ints({1, 4}, {1, 2, 3, 4});
  GenerateOptions o;
  o.maxNewTokens = 12;
  Session a(model), b(model);
  GenerateStats sa, sb;
  auto withCache = a.generate({{"tokens", p.view()}}, o, &sa);
  o.forceNoCache = true;
  auto without = b.generate({{"tokens", p.view()}}, o, &sb);
  ASSERT_TRUE(withCache.ok()) << withCache.status().toString();
  ASSERT_TRUE(without.ok()) << without.status().toString();
  EXPECT_TRUE(sa.usedCache);
  EXPECT_FALSE(sb.usedCache);
  ASSERT_EQ((*withCache)[0].size(), 12u);
  EXPECT_EQ(*withCache, *without);
}

TEST(ModelExecutor, SamplingIsSeeded) {
  auto model = load(TinyConfig(), 11);
  ASSERT_TRUE(model);
  HostTensor p = ints({1, 3}, {5, 6, 7});
  GenerateOptions o;
  o.maxNewTokens = 10;
  o.topK = 5;
  o.temperature = 1.5f;
  o.seed = 42;
  Session a(model), b(model);
  auto x = a.generate({{"tokens", p.view()}}, o);
  auto y = b.generate({{"tokens", p.view()}}, o);
  ASSERT_TRUE(x.ok() && y.ok());
  EXPECT_EQ(*x, *y);
}

TEST(ModelExecutor, ConcatMemoryFallsBackToRecomputation) {
  TinyConfig c;
  c.concatMemory = true;
  auto model = load(c, 3);
  ASSERT_TRUE(model);
  EXPECT_FALSE(model->cacheable());
  EXPECT_NE(model->notCacheableReason().find("concat_seq"), std::string::npos)
      << model->notCacheableReason();
  HostTensor p = ints({1, 3}, {1, 2, 3});
  GenerateOptions o;
  o.maxNewTokens = 4;
  Session s(model);
  GenerateStats st;
  auto out = s.generate({{"tokens", p.view()}}, o, &st);
  ASSERT_TRUE(out.ok()) << out.status().toString();
  EXPECT_FALSE(st.usedCache);
  EXPECT_EQ((*out)[0].size(), 4u);
}

TEST(ModelExecutor, BidirectionalModelCannotGenerate) {
  TinyConfig c;
  c.causal = false;
  auto model = load(c, 3);
  ASSERT_TRUE(model);
  HostTensor p = ints({1, 3}, {1, 2, 3});
  Session s(model);
  auto out = s.generate({{"tokens", p.view()}}, GenerateOptions());
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("cannot generate"), std::string::npos);
}

TEST(ModelExecutor, MissingAndMisshapedWeightsAreNamed) {
  Plan plan = buildTinyDecoder(TinyConfig());
  auto partial = std::make_shared<WeightMap>("w.safetensors");
  std::mt19937_64 rng(1);
  partial->add("embed.weight", randn({37, 32}, rng));
  partial->add("transformer.h.0.attn.c_attn.weight", randn({2}, rng));
  auto m = Model::load(plan, partial);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::NotFound);
  EXPECT_NE(m.status().message().find("missing from w.safetensors: 'decoder.positions.weight'"),
            std::string::npos)
      << m.status().message();
  EXPECT_NE(m.status().message().find("Hugging Face"), std::string::npos);

  auto wrong = randomWeights(plan, 2);
  wrong->add("embed.weight", randn({36, 32}, rng));
  m = Model::load(plan, wrong);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find(
                "weight 'embed.weight' in test weights has shape [36x32] but the model expects [37x32]"),
            std::string::npos)
      << m.status().message();
}

TEST(ModelExecutor, BadInputsAreErrors) {
  auto model = load(TinyConfig(), 4);
  ASSERT_TRUE(model);
  Session s(model);
  HostTensor bad = ints({1, 3}, {1, 99, 2});
  Status st = s.forward({{"tokens", bad.view()}});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("token id 99"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("embedding"), std::string::npos) << st.message();
  st = s.forward({});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("model input 'tokens' was not given"), std::string::npos);
  HostTensor ok = ints({1, 2}, {1, 2});
  st = s.forward({{"tokens", ok.view()}, {"lengths", ok.view()}});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("no input 'lengths'"), std::string::npos);
  // Too long for the 64-row learned position table.
  std::vector<int32_t> many(70, 1);
  HostTensor longer = ints({1, 70}, many);
  st = s.forward({{"tokens", longer.view()}});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("past the learned position table"), std::string::npos);
  // The session stays usable after errors.
  st = s.forward({{"tokens", ok.view()}});
  EXPECT_TRUE(st.ok()) << st.toString();
}

} // namespace
