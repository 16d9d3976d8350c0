//===- ApiTest.cpp - The C++ JIT API: numerics, errors, threads ----------===//
//
// compileKernel/compileString + Kernel::run against the float64 golden
// (fresh seeded inputs, NaN-poisoned outputs), every kind of bad input
// reported as an llvm::Error (never an abort), and the documented thread
// safety: concurrent compiles of one kernel and concurrent runs of one
// Kernel.
//
//===----------------------------------------------------------------------===//
#include "compiler/API/attnc.h"
#include "test/support/Golden.h"
#include "test/unit/transforms/TestSeed.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <thread>

using namespace attnc;

namespace {

/// A cache directory private to this test binary run.
struct TempCacheDir {
  std::string path;
  TempCacheDir() {
    llvm::SmallString<128> d;
    if (!llvm::sys::fs::createUniqueDirectory("attnc-api-test", d))
      path = std::string(d);
  }
  ~TempCacheDir() {
    if (!path.empty())
      (void)llvm::sys::fs::remove_directories(path);
  }
};

Options testOptions() {
  static TempCacheDir dir;
  Options o;
  o.cacheDir = dir.path;
  o.diskCache = !dir.path.empty();
  return o;
}

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
  TensorView view(DType dt = DType::F32) {
    return *TensorView::contiguous(dt, shape, data.data());
  }
};

Tensor randn(std::vector<int64_t> shape, std::mt19937_64 &rng) {
  Tensor t{shape, {}};
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::normal_distribution<float> normal;
  t.data.resize(static_cast<size_t>(n));
  for (float &x : t.data)
    x = normal(rng);
  return t;
}

Tensor poisoned(std::vector<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return Tensor{shape, std::vector<float>(static_cast<size_t>(n), std::numeric_limits<float>::quiet_NaN())};
}

/// max |out - golden| / max(1, max|golden|), NaN when out has a NaN.
double relError(const std::vector<float> &out, const golden::Result &ref) {
  double maxRef = 0, err = 0;
  for (double r : ref.out)
    maxRef = std::max(maxRef, std::fabs(r));
  for (size_t i = 0; i < out.size(); ++i) {
    if (std::isnan(out[i]))
      return std::numeric_limits<double>::quiet_NaN();
    err = std::max(err, std::fabs(double(out[i]) - ref.out[i]));
  }
  return err / std::max(1.0, maxRef);
}

golden::Inputs goldenInputs(const Tensor &q, const Tensor &k, const Tensor &v) {
  golden::Inputs in;
  in.B = q.shape[0], in.Hq = q.shape[1], in.Lq = q.shape[2], in.D = q.shape[3];
  in.Hk = k.shape[1], in.Lk = k.shape[2], in.Dv = v.shape[3];
  in.scale = 1.0 / std::sqrt(double(in.D));
  in.q = q.data, in.k = k.data, in.v = v.data;
  return in;
}

std::string errorText(llvm::Error e) { return llvm::toString(std::move(e)); }

KernelSpec causalGQA() {
  KernelSpec spec;
  spec.name = "gqa_causal";
  spec.q = {"B", 6, "L", 64};
  spec.k = {"B", 2, "L", 64};
  spec.v = {"B", 2, "L", 64};
  spec.mask = Mask::causal();
  return spec;
}

TEST(Api, CompileKernelMatchesGolden) {
  uint64_t seed = test::testSeed();
  SCOPED_TRACE(test::seedTrace(seed));
  std::mt19937_64 rng(seed);
  auto kernel = compileKernel(causalGQA(), testOptions());
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  for (int64_t L : {1, 17, 130}) {
    Tensor q = randn({2, 6, L, 64}, rng), k = randn({2, 2, L, 64}, rng), v = randn({2, 2, L, 64}, rng);
    Tensor out = poisoned({2, 6, L, 64});
    ASSERT_FALSE(bool(kernel->run({{"q", q.view()}, {"k", k.view()}, {"v", v.view()}, {"out", out.view()}})));
    golden::Mask causal;
    golden::Result ref = golden::attention(goldenInputs(q, k, v), causal, {});
    EXPECT_LE(relError(out.data, ref), 1e-4) << "L = " << L;
  }
}

TEST(Api, MasksAndModifiersFromCpp) {
  uint64_t seed = test::testSeed();
  SCOPED_TRACE(test::seedTrace(seed));
  std::mt19937_64 rng(seed);
  KernelSpec spec;
  spec.name = "windowed";
  spec.q = spec.k = spec.v = {1, 2, "L", 32};
  spec.mask = Mask::window(7, 3) & (Mask::padding() | Mask::causal());
  spec.modifiers = {Modifier::softcap(5.0)};
  spec.scale = 0.3;
  EXPECT_NE(spec.toSource().find("mask = window(left = 7, right = 3) & (padding | causal)"), std::string::npos)
      << spec.toSource();
  auto kernel = compileKernel(spec, testOptions());
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  ASSERT_NE(kernel->argument("kv_lengths"), nullptr);
  int64_t L = 45;
  Tensor q = randn({1, 2, L, 32}, rng), k = randn({1, 2, L, 32}, rng), v = randn({1, 2, L, 32}, rng);
  Tensor out = poisoned({1, 2, L, 32});
  std::vector<int32_t> lengths = {20};
  auto lenView = *TensorView::contiguous(DType::I32, {1}, lengths.data());
  ASSERT_FALSE(bool(kernel->run(
      {{"q", q.view()}, {"k", k.view()}, {"v", v.view()}, {"kv_lengths", lenView}, {"out", out.view()}})));
  golden::Inputs in = goldenInputs(q, k, v);
  in.scale = 0.3;
  in.kvLengths = lengths;
  golden::Mask window, padding, causal, anyOf, all;
  window.kind = golden::MaskKind::Window, window.left = 7, window.right = 3;
  padding.kind = golden::MaskKind::Padding;
  causal.kind = golden::MaskKind::Causal;
  anyOf.kind = golden::MaskKind::Or, anyOf.members = {padding, causal};
  all.kind = golden::MaskKind::And, all.members = {window, anyOf};
  golden::Modifier cap;
  cap.kind = golden::ModifierKind::Softcap, cap.cap = 5.0;
  EXPECT_LE(relError(out.data, golden::attention(in, all, {cap})), 1e-4);
}

TEST(Api, HalfPrecisionTensorsComputeInF32) {
  uint64_t seed = test::testSeed();
  SCOPED_TRACE(test::seedTrace(seed));
  std::mt19937_64 rng(seed);
  auto kernel = compileString("kernel h { q = [1, 2, L, 64]\n k = [1, 2, L, 64]\n v = [1, 2, L, 64]\n"
                              " dtype = f16\n mask = causal }",
                              testOptions());
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  EXPECT_EQ(kernel->argument("q")->dtype, DType::F16);
  int64_t L = 33, n = 2 * L * 64;
  Tensor q = randn({1, 2, L, 64}, rng), k = randn({1, 2, L, 64}, rng), v = randn({1, 2, L, 64}, rng);
  std::vector<uint16_t> qh(n), kh(n), vh(n), oh(n, 0x7e00 /* NaN */);
  for (int64_t i = 0; i < n; ++i) {
    qh[i] = rt::floatToHalf(q.data[i]), q.data[i] = rt::halfToFloat(qh[i]);
    kh[i] = rt::floatToHalf(k.data[i]), k.data[i] = rt::halfToFloat(kh[i]);
    vh[i] = rt::floatToHalf(v.data[i]), v.data[i] = rt::halfToFloat(vh[i]);
  }
  auto view = [&](std::vector<uint16_t> &d) { return *TensorView::contiguous(DType::F16, {1, 2, L, 64}, d.data()); };
  ASSERT_FALSE(bool(kernel->run({{"q", view(qh)}, {"k", view(kh)}, {"v", view(vh)}, {"out", view(oh)}})));
  std::vector<float> out(n);
  for (int64_t i = 0; i < n; ++i)
    out[i] = rt::halfToFloat(oh[i]);
  golden::Mask causal;
  // Inputs are exactly representable; only the rounding of the output to
  // f16 (2^-11 relative) separates the kernel from the golden.
  EXPECT_LE(relError(out, golden::attention(goldenInputs(q, k, v), causal, {})), 1e-3);
}

TEST(Api, BadSpecTextIsAnError) {
  auto kernel = compileString("kernel k { q = [1, 2, 3]\n mask = sideways }", testOptions(), "", "bad.attn");
  ASSERT_FALSE(bool(kernel));
  std::string msg = llvm::toString(kernel.takeError());
  EXPECT_NE(msg.find("bad.attn:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("error:"), std::string::npos) << msg;

  auto empty = compileString("", testOptions());
  ASSERT_FALSE(bool(empty));
  EXPECT_NE(llvm::toString(empty.takeError()).find("empty"), std::string::npos);

  auto two = compileString("kernel a { q = [1,1,4,8]\n k = [1,1,4,8]\n v = [1,1,4,8] }\n"
                           "kernel b { q = [1,1,4,8]\n k = [1,1,4,8]\n v = [1,1,4,8] }",
                           testOptions());
  ASSERT_FALSE(bool(two));
  EXPECT_NE(llvm::toString(two.takeError()).find("several kernels (a, b)"), std::string::npos);

  auto missing = compileString("kernel a { q = [1,1,4,8]\n k = [1,1,4,8]\n v = [1,1,4,8] }", testOptions(), "zz");
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(llvm::toString(missing.takeError()).find("no kernel 'zz' (it has: a)"), std::string::npos);

  KernelSpec spec = causalGQA();
  spec.q[3] = Dim(32); // q and k head_dims disagree
  auto bad = compileKernel(spec, testOptions());
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(llvm::toString(bad.takeError()).find("error:"), std::string::npos);

  auto file = compileFile("/nonexistent/k.attn", testOptions());
  ASSERT_FALSE(bool(file));
  EXPECT_NE(llvm::toString(file.takeError()).find("cannot read"), std::string::npos);
}

TEST(Api, BadBindingsAreErrors) {
  std::mt19937_64 rng(1);
  auto kernel = compileKernel(causalGQA(), testOptions());
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  Tensor q = randn({1, 6, 8, 64}, rng), k = randn({1, 2, 8, 64}, rng), v = randn({1, 2, 8, 64}, rng);
  Tensor out = poisoned({1, 6, 8, 64});
  Tensor shortK = randn({1, 2, 9, 64}, rng), wrongD = randn({1, 2, 8, 32}, rng), wrongH = randn({1, 3, 8, 64}, rng);

  std::string e = errorText(kernel->run({{"q", q.view()}, {"k", k.view()}, {"v", v.view()}, {"out", out.view()},
                                         {"bias", q.view()}}));
  EXPECT_NE(e.find("has no argument 'bias' (arguments: q, k, v, out)"), std::string::npos) << e;

  e = errorText(kernel->run({{"q", q.view()}, {"k", k.view()}, {"out", out.view()}}));
  EXPECT_NE(e.find("missing tensor 'v' [B, 2, L, 64] f32"), std::string::npos) << e;

  e = errorText(kernel->run({{"q", q.view()}, {"q", q.view()}, {"k", k.view()}, {"v", v.view()}, {"out", out.view()}}));
  EXPECT_NE(e.find("'q' is bound twice"), std::string::npos) << e;

  e = errorText(kernel->run({{"q", q.view()}, {"k", shortK.view()}, {"v", v.view()}, {"out", out.view()}}));
  EXPECT_NE(e.find("'k' dimension 2 (L) is 9, but q dimension 2 (L) is 8"), std::string::npos) << e;

  e = errorText(kernel->run({{"q", q.view()}, {"k", wrongD.view()}, {"v", v.view()}, {"out", out.view()}}));
  EXPECT_NE(e.find("'k' dimension 3 must be 64"), std::string::npos) << e;

  e = errorText(kernel->run({{"q", q.view()}, {"k", wrongH.view()}, {"v", v.view()}, {"out", out.view()}}));
  EXPECT_NE(e.find("'k' dimension 1 must be 2"), std::string::npos) << e;

  std::vector<int32_t> ints(q.data.size());
  auto intQ = *TensorView::contiguous(DType::I32, q.shape, ints.data());
  e = errorText(kernel->run({{"q", intQ}, {"k", k.view()}, {"v", v.view()}, {"out", out.view()}}));
  EXPECT_NE(e.find("'q' must be f32, got i32"), std::string::npos) << e;

  auto rank3 = *TensorView::contiguous(DType::F32, {6, 8, 64}, q.data.data());
  e = errorText(kernel->run({{"q", rank3}, {"k", k.view()}, {"v", v.view()}, {"out", out.view()}}));
  EXPECT_NE(e.find("'q' must have shape [B, 6, L, 64] f32"), std::string::npos) << e;

  Kernel empty;
  e = errorText(empty.run({}));
  EXPECT_NE(e.find("empty"), std::string::npos) << e;
}

TEST(Api, ConcurrentCompilesAndRuns) {
  uint64_t seed = test::testSeed();
  SCOPED_TRACE(test::seedTrace(seed));
  // Many threads compile the same kernel at once (one compile serves all).
  std::vector<std::thread> threads;
  std::vector<Kernel> kernels(4);
  std::vector<std::string> errors(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      auto k = compileKernel(causalGQA(), testOptions());
      if (k)
        kernels[t] = *k;
      else
        errors[t] = llvm::toString(k.takeError());
    });
  for (auto &t : threads)
    t.join();
  for (int t = 0; t < 4; ++t)
    ASSERT_TRUE(kernels[t].valid()) << errors[t];
  for (int t = 1; t < 4; ++t)
    EXPECT_EQ(kernels[t].cacheKey(), kernels[0].cacheKey());

  // One Kernel runs on several threads at once with its own outputs.
  std::mt19937_64 rng(seed);
  int64_t L = 70;
  Tensor q = randn({1, 6, L, 64}, rng), k = randn({1, 2, L, 64}, rng), v = randn({1, 2, L, 64}, rng);
  golden::Mask causal;
  golden::Result ref = golden::attention(goldenInputs(q, k, v), causal, {});
  std::vector<Tensor> outs(4, poisoned({1, 6, L, 64}));
  std::vector<std::string> runErrors(4);
  threads.clear();
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 5; ++rep)
        if (llvm::Error e = kernels[0].run({{"q", q.view()}, {"k", k.view()}, {"v", v.view()}, {"out", outs[t].view()}}))
          runErrors[t] = llvm::toString(std::move(e));
    });
  for (auto &t : threads)
    t.join();
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(runErrors[t], "");
    EXPECT_LE(relError(outs[t].data, ref), 1e-4) << "thread " << t;
  }
}

TEST(Api, SecondCompileIsACacheHit) {
  KernelSpec spec = causalGQA();
  spec.name = "cache_probe";
  spec.mask = Mask::window(5);
  auto first = compileKernel(spec, testOptions());
  ASSERT_TRUE(bool(first)) << llvm::toString(first.takeError());
  auto second = compileKernel(spec, testOptions());
  ASSERT_TRUE(bool(second)) << llvm::toString(second.takeError());
  EXPECT_TRUE(second->stats().cacheHit);
  EXPECT_EQ(second->stats().codegen, 0.0);
}

} // namespace
