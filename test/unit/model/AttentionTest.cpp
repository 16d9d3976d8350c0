//===- AttentionTest.cpp - Runtime attention kernels vs the golden --------===//
//
// attentionForward and attentionDecode against test/support's float64
// golden for every mask and score modifier the runtime kernels implement,
// grouped-query heads, Lq != Lk with bottom_right, and fully masked rows
// (exactly 0, lse -inf). Decode is also checked with tiny key chunks so the
// split-K combine runs across many chunks.
//
//===----------------------------------------------------------------------===//
#include "runtime/cpu/ThreadPool.h"
#include "runtime/model/Attention.h"
#include "test/support/Golden.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <functional>

using namespace attnc::rt;
using namespace attnc::rt::model;
using namespace attnc::rt::model::test;
namespace g = attnc::golden;

namespace {

struct Case {
  std::string name;
  int64_t B = 2, Hq = 4, Hk = 2, Lq = 17, Lk = 17, D = 32, Dv = 32;
  bool bottomRight = false;
  std::function<void(MaskNode &, g::Mask &)> mask; // null: no mask
  std::vector<std::pair<Modifier, g::Modifier>> mods;
};

g::Mask goldenOf(const MaskNode &m) {
  g::Mask o;
  o.kind = g::MaskKind(int(m.kind)); // both enums follow the dialect's order
  switch (m.kind) {
  case MaskNode::Kind::Causal:
    o.offset = m.p[0];
    break;
  case MaskNode::Kind::Window:
    o.left = m.p[0], o.right = m.p[1];
    break;
  case MaskNode::Kind::Strided:
    o.stride = m.p[0];
    break;
  case MaskNode::Kind::BlockSparse:
    o.block = m.p[0];
    break;
  case MaskNode::Kind::Local2D:
    o.width = m.p[0], o.blockH = m.p[1], o.blockW = m.p[2], o.memTop = m.p[3],
    o.memLeft = m.p[4], o.memRight = m.p[5], o.causal = m.p[6];
    break;
  default:
    break;
  }
  for (const MaskNode &s : m.members)
    o.members.push_back(goldenOf(s));
  return o;
}

MaskNode node(MaskNode::Kind k, std::initializer_list<int64_t> ps = {},
              std::vector<MaskNode> members = {}) {
  MaskNode n;
  n.kind = k;
  int i = 0;
  for (int64_t p : ps)
    n.p[i++] = p;
  n.members = std::move(members);
  return n;
}

void runCase(const Case &c) {
  uint64_t seed = freshSeed();
  SCOPED_TRACE(c.name + ", seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  g::Inputs in;
  in.B = c.B, in.Hq = c.Hq, in.Hk = c.Hk, in.Lq = c.Lq, in.Lk = c.Lk, in.D = c.D, in.Dv = c.Dv;
  in.scale = 1.0 / std::sqrt(double(c.D));
  in.bottomRight = c.bottomRight;
  HostTensor q = randn({c.B, c.Hq, c.Lq, c.D}, rng), k = randn({c.B, c.Hk, c.Lk, c.D}, rng),
             v = randn({c.B, c.Hk, c.Lk, c.Dv}, rng);
  in.q.assign(q.dataAs<float>(), q.dataAs<float>() + q.numElements());
  in.k.assign(k.dataAs<float>(), k.dataAs<float>() + k.numElements());
  in.v.assign(v.dataAs<float>(), v.dataAs<float>() + v.numElements());

  AttentionSpec spec;
  spec.scale = float(in.scale);
  spec.bottomRight = c.bottomRight;
  std::optional<g::Mask> gm;
  AttentionAux aux;
  // Auxiliary data: lengths with a zero (fully masked batch entry), prefixes,
  // segments, an explicit mask, a bias, slopes, relative tables.
  HostTensor lens = ints({c.B}, {0, int32_t(c.Lk - 3)});
  HostTensor prefix = ints({c.B}, {3, 0});
  std::vector<int32_t> seg(size_t(c.B * c.Lq));
  for (int64_t i = 0; i < c.B * c.Lq; ++i)
    seg[i] = int32_t((i % c.Lq) / 5);
  HostTensor segs = ints({c.B, c.Lq}, seg);
  Result<HostTensor> explicitMask = HostTensor::allocate(DType::I8, {1, c.Hq, c.Lq, c.Lk});
  ASSERT_TRUE(explicitMask.ok());
  std::bernoulli_distribution coin(0.6);
  for (int64_t i = 0; i < explicitMask->numElements(); ++i)
    explicitMask->dataAs<int8_t>()[i] = coin(rng);
  HostTensor bias = randn({c.B, 1, c.Lq, c.Lk}, rng);
  HostTensor slopes = randn({c.Hq}, rng, 0.3f);
  HostTensor relEmb = randn({2 * 4 + 1, c.D}, rng);
  HostTensor relBias = randn({32, c.Hq}, rng);
  aux.kvLengths = lens.view();
  aux.prefixLengths = prefix.view();
  aux.qSegments = segs.view();
  aux.maskTensor = explicitMask->view();
  aux.bias = bias.view();
  aux.alibiSlopes = slopes.view();
  aux.relEmb = relEmb.view();
  aux.relBias = relBias.view();
  in.kvLengths = {0, int32_t(c.Lk - 3)};
  in.prefixLengths = {3, 0};
  in.qSegments = seg;
  in.maskTensor.assign(explicitMask->dataAs<int8_t>(),
                       explicitMask->dataAs<int8_t>() + explicitMask->numElements());
  in.maskB = 1, in.maskH = c.Hq;
  in.bias.assign(bias.dataAs<float>(), bias.dataAs<float>() + bias.numElements());
  in.biasB = c.B, in.biasH = 1;
  in.alibiSlopes.assign(slopes.dataAs<float>(), slopes.dataAs<float>() + c.Hq);
  in.relEmb.assign(relEmb.dataAs<float>(), relEmb.dataAs<float>() + relEmb.numElements());
  in.relBias.assign(relBias.dataAs<float>(), relBias.dataAs<float>() + relBias.numElements());
  if (c.mask) {
    spec.hasMask = true;
    g::Mask unused;
    c.mask(spec.mask, unused);
    gm = goldenOf(spec.mask);
  }
  std::vector<g::Modifier> gmods;
  for (auto &[m, gmod] : c.mods) {
    spec.modifiers.push_back(m);
    gmods.push_back(gmod);
  }
  g::Result want = g::attention(in, gm, gmods);

  HostTensor out = poisoned({c.B, c.Hq, c.Lq, c.Dv}), lse = poisoned({c.B, c.Hq, c.Lq});
  TensorView lseView = lse.view();
  Status st = attentionForward(spec, q.view(), k.view(), v.view(), aux, out.view(), &lseView,
                               ThreadPool::global());
  ASSERT_TRUE(st.ok()) << st.toString();
  int64_t n = out.numElements();
  EXPECT_LE(relError(out.dataAs<float>(), want.out.data(), n), 1e-4);
  for (int64_t i = 0; i < lse.numElements(); ++i) {
    if (std::isinf(want.lse[i])) {
      EXPECT_TRUE(std::isinf(lse.dataAs<float>()[i]) && lse.dataAs<float>()[i] < 0) << "row " << i;
      for (int64_t e = 0; e < c.Dv; ++e)
        ASSERT_EQ(out.dataAs<float>()[i * c.Dv + e], 0.0f) << "fully masked row " << i;
    } else {
      EXPECT_NEAR(lse.dataAs<float>()[i], want.lse[i], 1e-4 * std::max(1.0, std::fabs(want.lse[i])));
    }
  }
  // Split-K decode: default chunking and tiny chunks (many partials).
  for (int64_t chunk : {int64_t(0), int64_t(3)}) {
    HostTensor dec = poisoned({c.B, c.Hq, c.Lq, c.Dv});
    st = attentionDecode(spec, q.view(), k.view(), v.view(), aux, dec.view(),
                         ThreadPool::global(), chunk);
    ASSERT_TRUE(st.ok()) << st.toString();
    EXPECT_LE(relError(dec.dataAs<float>(), want.out.data(), n), 1e-4) << "decode chunk " << chunk;
  }
}

using K = MaskNode::Kind;

TEST(RuntimeAttention, Unmasked) { runCase({"none"}); }

TEST(RuntimeAttention, CausalGQA) {
  Case c{"causal"};
  c.mask = [](MaskNode &m, g::Mask &) { m = node(K::Causal, {0}); };
  runCase(c);
}

TEST(RuntimeAttention, CausalBottomRightDecodeShapes) {
  for (int64_t lq : {1, 3, 17}) {
    Case c{"causal bottom_right lq=" + std::to_string(lq)};
    c.Lq = lq, c.Lk = 113, c.bottomRight = true, c.Hq = 6, c.Hk = 2, c.D = 80, c.Dv = 80;
    c.mask = [](MaskNode &m, g::Mask &) { m = node(K::Causal, {0}); };
    runCase(c);
  }
}

TEST(RuntimeAttention, CausalMoreQueriesThanKeysHasEmptyRows) {
  Case c{"causal lq > lk"};
  c.Lq = 9, c.Lk = 4, c.bottomRight = true;
  c.mask = [](MaskNode &m, g::Mask &) { m = node(K::Causal, {0}); };
  runCase(c);
}

TEST(RuntimeAttention, WindowAndPadding) {
  Case c{"and(window, padding)"};
  c.Lq = 23, c.Lk = 23;
  c.mask = [](MaskNode &m, g::Mask &) {
    m = node(K::And, {}, {node(K::Window, {4, 0}), node(K::Padding)});
  };
  runCase(c);
}

TEST(RuntimeAttention, DataDependentMasks) {
  for (auto [name, mk] : std::vector<std::pair<std::string, MaskNode>>{
           {"padding", node(K::Padding)},
           {"strided", node(K::Strided, {4})},
           {"prefix_lm", node(K::PrefixLM)},
           {"document", node(K::Document)},
           {"explicit", node(K::Explicit)},
           {"or(window, explicit)",
            node(K::Or, {}, {node(K::Window, {2, 2}), node(K::Explicit)})},
           {"local2d", node(K::Local2D, {5, 2, 2, 1, 1, 1, 1})}}) {
    Case c{name};
    MaskNode copy = mk;
    c.mask = [copy](MaskNode &m, g::Mask &) { m = copy; };
    runCase(c);
  }
}

TEST(RuntimeAttention, ScoreModifiers) {
  auto mod = [](Modifier::Kind k) {
    Modifier m;
    m.kind = k;
    return m;
  };
  Modifier t5 = mod(Modifier::Kind::T5Bias);
  t5.numBuckets = 32, t5.maxDistance = 20, t5.bidirectional = true;
  g::Modifier gt5{g::ModifierKind::T5Bias, 20, 32, 1, 1.0};
  Modifier t5c = t5;
  t5c.bidirectional = false;
  g::Modifier gt5c{g::ModifierKind::T5Bias, 20, 32, 0, 1.0};
  Modifier rel = mod(Modifier::Kind::RelEmb);
  rel.maxDistance = 4;
  g::Modifier grel{g::ModifierKind::RelEmb, 4, 32, 1, 1.0};
  Modifier cap = mod(Modifier::Kind::Softcap);
  cap.cap = 2.5;
  g::Modifier gcap{g::ModifierKind::Softcap, 0, 32, 1, 2.5};
  Modifier alibi = mod(Modifier::Kind::Alibi);
  g::Modifier galibi{g::ModifierKind::Alibi, 0, 32, 1, 1.0};
  Modifier bias = mod(Modifier::Kind::Bias);
  g::Modifier gbias{g::ModifierKind::Bias, 0, 32, 1, 1.0};

  Case a{"t5 bidirectional + softcap"};
  a.Lq = 40, a.Lk = 40;
  a.mods = {{t5, gt5}, {cap, gcap}};
  runCase(a);
  Case b{"causal t5 + alibi, bottom_right"};
  b.Lq = 5, b.Lk = 47, b.bottomRight = true;
  b.mask = [](MaskNode &m, g::Mask &) { m = node(K::Causal, {0}); };
  b.mods = {{t5c, gt5c}, {alibi, galibi}};
  runCase(b);
  Case r{"rel_emb + bias"};
  r.mods = {{rel, grel}, {bias, gbias}};
  runCase(r);
}

TEST(RuntimeAttention, MissingOperandIsAnError) {
  std::mt19937_64 rng(1);
  HostTensor q = randn({1, 2, 3, 4}, rng), out = poisoned({1, 2, 3, 4});
  AttentionSpec spec;
  spec.hasMask = true;
  spec.mask.kind = MaskNode::Kind::Padding;
  Status st = attentionForward(spec, q.view(), q.view(), q.view(), AttentionAux(), out.view(),
                               nullptr, ThreadPool::global());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'kv_lengths'"), std::string::npos) << st.message();
}

TEST(RuntimeAttention, T5BucketsMatchTransformers) {
  // Values of transformers' _relative_position_bucket (32 buckets, 128).
  EXPECT_EQ(t5Bucket(0, 32, 128, true), 0);
  EXPECT_EQ(t5Bucket(-1, 32, 128, true), 1);
  EXPECT_EQ(t5Bucket(1, 32, 128, true), 17);
  EXPECT_EQ(t5Bucket(-7, 32, 128, true), 7);
  EXPECT_EQ(t5Bucket(-8, 32, 128, true), 8);
  EXPECT_EQ(t5Bucket(-20, 32, 128, true), 10);
  EXPECT_EQ(t5Bucket(-1000, 32, 128, true), 15);
  EXPECT_EQ(t5Bucket(1000, 32, 128, true), 31);
  EXPECT_EQ(t5Bucket(5, 32, 128, false), 0);
  EXPECT_EQ(t5Bucket(-20, 32, 128, false), 17); // 16 + floor(log(20/16) / log(8) * 16)
}

TEST(RuntimeAttention, MaskTextRoundTrips) {
  MaskNode m = node(K::And, {}, {node(K::Causal, {0}), node(K::Window, {128, 0}),
                                 node(K::Or, {}, {node(K::Padding), node(K::Strided, {4})})});
  std::string text = printMask(m);
  EXPECT_EQ(text, "and[causal<offset=0>,window<left=128,right=0>,or[padding,strided<stride=4>]]");
  MaskNode back;
  ASSERT_TRUE(parseMask(text, back));
  EXPECT_EQ(printMask(back), text);
  EXPECT_FALSE(parseMask("causal<offset=>", back));
  EXPECT_FALSE(parseMask("and[]", back));
  EXPECT_FALSE(parseMask("nonsense", back));
  Modifier mod;
  ASSERT_TRUE(parseModifier("t5_bias<num_buckets=32,max_distance=128,bidirectional=0>", mod));
  EXPECT_EQ(mod.numBuckets, 32);
  EXPECT_FALSE(mod.bidirectional);
  EXPECT_EQ(printModifier(mod), "t5_bias<num_buckets=32,max_distance=128,bidirectional=0>");
}

} // namespace
