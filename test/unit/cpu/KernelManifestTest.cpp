//===- KernelManifestTest.cpp - AOT kernel manifest: writer vs reader -----===//
//
// The LLVM-free manifest reader (runtime/cpu/KernelManifest.h) against what
// the compiler writes: kernel metadata from a real JIT compile and from a
// hand-built info that sets every field (nested masks, modifiers), the
// whole manifest from AotKernelWriter, and damaged or foreign files, which
// must be rejected with a message naming the problem.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/JIT.h"
#include "compiler/Codegen/CPU/KernelMetadata.h"
#include "compiler/Plan/AotKernelWriter.h"
#include "runtime/cpu/KernelManifest.h"

#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace attnc;
using rt::CpuKernelInfo;
using rt::CpuMaskKind;
using rt::CpuMaskNode;

namespace {

std::string toJSON(const CpuKernelInfo &info) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << mlir::attn::kernelInfoToJSON(info);
  return s;
}

void expectSameMask(const CpuMaskNode &a, const CpuMaskNode &b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.a, b.a);
  EXPECT_EQ(a.b, b.b);
  ASSERT_EQ(a.members.size(), b.members.size());
  for (size_t i = 0; i < a.members.size(); ++i)
    expectSameMask(a.members[i], b.members[i]);
}

void expectSame(const CpuKernelInfo &a, const CpuKernelInfo &b) {
  EXPECT_EQ(a.abiVersion, b.abiVersion);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.qTile, b.qTile);
  EXPECT_EQ(a.kTile, b.kTile);
  EXPECT_EQ(a.vectorWidth, b.vectorWidth);
  EXPECT_EQ(a.schedule, b.schedule);
  EXPECT_EQ(a.batch, b.batch);
  EXPECT_EQ(a.qHeads, b.qHeads);
  EXPECT_EQ(a.kvHeads, b.kvHeads);
  EXPECT_EQ(a.qLen, b.qLen);
  EXPECT_EQ(a.kvLen, b.kvLen);
  EXPECT_EQ(a.headDim, b.headDim);
  EXPECT_EQ(a.valueDim, b.valueDim);
  EXPECT_EQ(a.bottomRight, b.bottomRight);
  EXPECT_EQ(a.returnLse, b.returnLse);
  EXPECT_EQ(a.scale, b.scale);
  EXPECT_EQ(a.auxUsed, b.auxUsed);
  EXPECT_EQ(a.modifiers, b.modifiers);
  EXPECT_EQ(a.relEmbMaxDistance, b.relEmbMaxDistance);
  EXPECT_EQ(a.t5NumBuckets, b.t5NumBuckets);
  ASSERT_EQ(a.mask.has_value(), b.mask.has_value());
  if (a.mask)
    expectSameMask(*a.mask, *b.mask);
}

CpuKernelInfo everyField() {
  CpuKernelInfo info;
  info.name = "step7_flash_cpu";
  info.qTile = 32;
  info.kTile = 48;
  info.vectorWidth = 8;
  info.schedule = rt::CpuSchedule::Runtime;
  info.batch = 3;
  info.qHeads = 6;
  info.kvHeads = 2;
  info.qLen = -1;
  info.kvLen = 17;
  info.headDim = 24;
  info.valueDim = 40;
  info.bottomRight = true;
  info.returnLse = true;
  info.scale = 0.123456789f;
  info.auxUsed = (1u << ATTNC_AUX_KV_LENGTHS) | (1u << ATTNC_AUX_ALIBI_SLOPES);
  info.modifiers = {"alibi", "softcap", "t5_bias"};
  info.t5NumBuckets = 32;
  CpuMaskNode causal{CpuMaskKind::Causal, -2, 0, {}};
  CpuMaskNode window{CpuMaskKind::Window, 5, 3, {}};
  CpuMaskNode padding{CpuMaskKind::Padding, 0, 0, {}};
  CpuMaskNode orNode{CpuMaskKind::Or, 0, 0, {window, padding}};
  info.mask = CpuMaskNode{CpuMaskKind::And, 0, 0, {causal, orNode}};
  return info;
}

TEST(KernelManifest, EveryFieldRoundTrips) {
  CpuKernelInfo info = everyField();
  rt::Result<CpuKernelInfo> back = rt::parseCpuKernelInfo(toJSON(info));
  ASSERT_TRUE(back.ok()) << back.status().message();
  expectSame(info, *back);
}

TEST(KernelManifest, JitMetadataRoundTrips) {
  std::string t = "tensor<1x2x?x16xf32>";
  std::string ir = "func.func @k(%q: " + t + ", %k: " + t + ", %v: " + t + ") -> " + t + " {\n" +
                   "  %o = attn.flash_attention %q, %k, %v {scale = 0.25 : f32, mask = "
                   "#attn.and<[#attn.causal<>, #attn.window<left = 4, right = 0>]>} : " +
                   t + ", " + t + ", " + t + " -> " + t + "\n  return %o : " + t + "\n}\n";
  auto lib = cpu::compile(ir, cpu::JITOptions());
  ASSERT_TRUE(bool(lib)) << llvm::toString(lib.takeError());
  ASSERT_EQ((*lib)->kernels().size(), 1u);
  const CpuKernelInfo &info = (*lib)->kernels()[0];
  ASSERT_TRUE(info.mask.has_value());
  rt::Result<CpuKernelInfo> back = rt::parseCpuKernelInfo(toJSON(info));
  ASSERT_TRUE(back.ok()) << back.status().message();
  expectSame(info, *back);
}

TEST(KernelManifest, WriterOutputReadsBack) {
  CompiledModel model;
  model.kernelInfos = {everyField(), everyField()};
  model.kernelInfos[1].name = "step9_flash_cpu";
  model.kernelInfos[1].mask.reset();
  std::string text = aotManifestJSON(model, 4321);
  rt::Result<rt::KernelManifest> m = rt::parseKernelManifest(text, "p.kernels.json");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->abiVersion, ATTNC_CPU_KERNEL_ABI_VERSION);
  EXPECT_EQ(m->libraryBytes, 4321u);
  EXPECT_EQ(m->arch, rt::hostArch());
  ASSERT_EQ(m->kernels.size(), 2u);
  expectSame(model.kernelInfos[0], m->kernels[0]);
  expectSame(model.kernelInfos[1], m->kernels[1]);
  ASSERT_NE(m->find("step9_flash_cpu"), nullptr);
  EXPECT_EQ(m->find("step8_flash_cpu"), nullptr);
  // Written on this host, so this host runs it.
  rt::Status st = rt::checkHostRuns(*m);
  EXPECT_TRUE(st.ok()) << st.message();
}

/// The manifest text with the first `from` replaced by `to`.
std::string edit(std::string text, const std::string &from, const std::string &to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos)
    text.replace(at, from.size(), to);
  return text;
}

TEST(KernelManifest, DamagedOrForeignIsAClearError) {
  CompiledModel model;
  model.kernelInfos = {everyField()};
  std::string good = aotManifestJSON(model, 100);
  std::string abi = "\"abi\": " + std::to_string(ATTNC_CPU_KERNEL_ABI_VERSION);
  struct Case {
    std::string text, message;
  } cases[] = {
      {good.substr(0, good.size() / 2), "p.json: not a JSON object"},
      {"[]", "p.json: not a JSON object"},
      {edit(good, "attnc-cpu-kernels", "something-else"), "not an attnc kernel manifest"},
      {edit(good, "\"version\": 1", "\"version\": 99"), "manifest version 99"},
      {edit(good, abi, "\"abi\": 999"), "kernel ABI version 999"},
      {edit(good, "\"library_bytes\": 100", "\"library_bytes\": 0"), "library_bytes"},
      {edit(good, "\"schedule\": \"runtime\"", "\"schedule\": \"sideways\""),
       "unknown schedule 'sideways'"},
      {edit(good, "\"q_tile\": 32", "\"q_tile\": \"32\""), "lacks integer 'q_tile'"},
      {edit(good, "\"kind\": \"window\"", "\"kind\": \"windo\""), "unknown mask kind"},
      {edit(good, "\"features\": [", "\"features\": [3, "), "non-string feature"},
  };
  for (const Case &c : cases) {
    rt::Result<rt::KernelManifest> m = rt::parseKernelManifest(c.text, "p.json");
    ASSERT_FALSE(m.ok()) << c.message;
    EXPECT_NE(m.status().message().find(c.message), std::string::npos)
        << "got: " << m.status().message() << "\nwanted: " << c.message;
  }
  // The kernel-level ABI check (a kernel entry edited on its own).
  std::string kernel = toJSON(everyField());
  rt::Result<CpuKernelInfo> k = rt::parseCpuKernelInfo(edit(kernel, "\"abi\":1", "\"abi\":2"));
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("ABI version 2"), std::string::npos) << k.status().message();
}

TEST(KernelManifest, MissingFeatureOrArchRefusesToRun) {
  rt::KernelManifest m;
  m.arch = rt::hostArch();
  m.cpu = "imaginary";
  m.features = {"not-a-feature"};
  rt::Status st = rt::checkHostRuns(m);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("imaginary CPU"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("lacks: not-a-feature"), std::string::npos) << st.message();
  m.features.clear();
  EXPECT_TRUE(rt::checkHostRuns(m).ok());
  m.arch = "mips";
  st = rt::checkHostRuns(m);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("compiled for mips"), std::string::npos) << st.message();
}

} // namespace
