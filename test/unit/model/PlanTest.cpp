//===- PlanTest.cpp - The plan text form and plan verification -------------===//
#include "runtime/model/Plan.h"
#include "TinyModels.h"

#include <gtest/gtest.h>

using namespace attnc::rt;
using namespace attnc::rt::model;
using namespace attnc::rt::model::test;

namespace {

TEST(ModelPlan, PrintParseRoundTrip) {
  TinyConfig c;
  c.llama = true;
  c.kvHeads = 2;
  Plan plan = buildTinyDecoder(c);
  // A constant and attention attributes exercise every field.
  Value k;
  k.kind = ValueKind::Constant;
  k.dtype = DType::F32;
  k.shape = {2};
  float vals[2] = {0.5f, -1.25f};
  k.data.assign(reinterpret_cast<uint8_t *>(vals), reinterpret_cast<uint8_t *>(vals) + 8);
  plan.values.push_back(k);
  for (Step &s : plan.steps)
    if (s.kind == StepKind::Attention) {
      Modifier m;
      m.kind = Modifier::Kind::Softcap;
      m.cap = 30.0;
      s.attention.modifiers.push_back(m);
      s.kernel = "attn_kernel_0";
      s.loc = "model \"x\".attn:3:7";
    }
  std::string text = printPlan(plan);
  Result<Plan> back = parsePlan(text, "test.plan");
  ASSERT_TRUE(back.ok()) << back.status().toString();
  EXPECT_EQ(printPlan(*back), text);
  EXPECT_NE(text.find("mask=causal<offset=0>"), std::string::npos);
  EXPECT_NE(text.find("mods=softcap<cap=30>"), std::string::npos);
  EXPECT_NE(text.find("0x0000003f0000a0bf"), std::string::npos) << text;
}

TEST(ModelPlan, ParseErrorsNameTheLine) {
  Result<Plan> p = parsePlan("attnc-plan 1\nvalue 0 temp f32 [2]\nstep bogus 0 -> 0\n", "x.plan");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("x.plan:3: unknown step kind 'bogus'"), std::string::npos)
      << p.status().message();
  p = parsePlan("attnc-plan 2\n", "x.plan");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("version 2"), std::string::npos);
  p = parsePlan("hello\n", "x.plan");
  EXPECT_FALSE(p.ok());
}

TEST(ModelPlan, VerifyCatchesUseBeforeDefinition) {
  Plan plan;
  Value t;
  t.shape = {2};
  plan.values = {t, t};
  Step s;
  s.kind = StepKind::Activation;
  s.operands = {1};
  s.results = {0};
  plan.steps.push_back(s);
  Status st = plan.verify();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("before it is defined"), std::string::npos) << st.message();
}

} // namespace
