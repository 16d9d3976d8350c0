//===- ModelAPITest.cpp - compiler/API/Model.h: load and run a spec -------===//
//
// loadModel on the README's tiny GPT: JIT and runtime attention give the
// same logits, generation with the API matches `forward` teacher-forced
// argmax, and bad weights / specs are llvm::Errors with readable messages.
//
//===----------------------------------------------------------------------===//
#include "compiler/API/Model.h"

#include "runtime/weights/Safetensors.h"
#include "TinyModels.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

using namespace attnc;
using namespace attnc::rt::model::test;
namespace rt = attnc::rt;

namespace {

const std::string kSpec = std::string(ATTNC_SOURCE_DIR) + "/examples/tiny-gpt.attn";

/// Random weights for every name the tiny GPT needs, in a temp file.
std::string writeTinyWeights(uint64_t seed) {
  llvm::SmallString<128> path;
  EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("tiny-gpt", "safetensors", path));
  std::mt19937_64 rng(seed);
  std::vector<std::pair<std::string, rt::HostTensor>> owned;
  auto add = [&](const std::string &name, std::vector<int64_t> shape) {
    owned.emplace_back(name, randn(shape, rng, 0.2f));
  };
  add("tok_emb.weight", {256, 64});
  add("pos_emb.weight", {128, 64});
  for (int l = 0; l < 2; ++l) {
    std::string p = "decoder.layers." + std::to_string(l) + ".";
    for (const char *n : {"norm1", "norm2"}) {
      add(p + n + ".weight", {64});
      add(p + n + ".bias", {64});
    }
    for (const char *n : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
      add(p + "self_attn." + n + ".weight", {64, 64});
      add(p + "self_attn." + n + ".bias", {64});
    }
    add(p + "ffn.fc1.weight", {256, 64});
    add(p + "ffn.fc1.bias", {256});
    add(p + "ffn.fc2.weight", {64, 256});
    add(p + "ffn.fc2.bias", {64});
  }
  add("decoder.norm.weight", {64});
  add("decoder.norm.bias", {64});
  std::vector<std::pair<std::string, rt::TensorView>> views;
  for (auto &[n, t] : owned)
    views.emplace_back(n, t.view());
  EXPECT_TRUE(rt::writeSafetensors(path.str().str(), views).ok());
  return path.str().str();
}

TEST(ModelAPI, JitAndRuntimeAttentionAgreeAndGenerationFollowsArgmax) {
  uint64_t seed = freshSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::string weights = writeTinyWeights(seed);
  llvm::Expected<LoadedModel> jit = loadModel(kSpec, weights);
  ASSERT_TRUE(bool(jit)) << llvm::toString(jit.takeError());
  ModelOptions noJit;
  noJit.jit = false;
  llvm::Expected<LoadedModel> plain = loadModel(kSpec, weights, noJit);
  ASSERT_TRUE(bool(plain)) << llvm::toString(plain.takeError());

  rt::HostTensor toks = ints({1, 9}, {3, 1, 4, 1, 5, 9, 2, 6, 5});
  rt::model::Session a = jit->session(), b = plain->session();
  ASSERT_TRUE(a.forward({{"tokens", toks.view()}}).ok());
  ASSERT_TRUE(b.forward({{"tokens", toks.view()}}).ok());
  const rt::TensorView *la = a.output("logits"), *lb = b.output("logits");
  ASSERT_TRUE(la && lb);
  std::vector<double> want(lb->dataAs<float>(), lb->dataAs<float>() + lb->numElements());
  EXPECT_LE(relError(la->dataAs<float>(), want.data(), la->numElements()), 1e-5);

  // Greedy generation of one token is the argmax of the last logits row
  // (read before generate() reuses the session's buffers).
  const float *last = la->dataAs<float>() + 8 * 256;
  int32_t best = int32_t(std::max_element(last, last + 256) - last);
  rt::model::GenerateOptions g;
  g.maxNewTokens = 1;
  auto out = a.generate({{"tokens", toks.view()}}, g);
  ASSERT_TRUE(out.ok()) << out.status().toString();
  EXPECT_EQ((*out)[0], std::vector<int32_t>{best});
  llvm::sys::fs::remove(weights);
}

TEST(ModelAPI, ErrorsAreReadable) {
  llvm::Expected<LoadedModel> m = loadModel(kSpec, "/nonexistent/w.safetensors");
  ASSERT_FALSE(bool(m));
  EXPECT_NE(llvm::toString(m.takeError()).find("/nonexistent/w.safetensors"), std::string::npos);
  ModelOptions o;
  o.overrides = {"no_such_key=3"};
  m = loadModel(kSpec, "/nonexistent/w.safetensors", o);
  ASSERT_FALSE(bool(m));
  EXPECT_NE(llvm::toString(m.takeError()).find("the spec never sets 'no_such_key'"), std::string::npos);
}

} // namespace
