//===- AttentionCommand.cpp - attnc-run attention / artifact-info ---------===//
//
// `attention ARTIFACT` runs a compiled GPU attention artifact on random,
// seeded inputs (including the run-time operands its mask and modifiers
// read), with the output poisoned (NaN) before the kernel runs.
//   --check   compares against the float64 golden (test/support/Golden.h)
//             with /work/shared/NUMERICS.md's rule: f32 within
//             1e-4 * max(1, max|golden|) (2e-4 from 4096 keys on), bf16/f16
//             within 2 * max|ref_lp - golden| + 1e-3 * max|golden|, where
//             ref_lp is the naive algorithm in the low precision
//             (test/support/LowPrecisionReference.h); rows with no visible
//             key must be exactly 0 with lse -inf, and nothing may be NaN.
//   --bench N times N launches with CUDA events after a warm-up and prints
//             the median (machine-readable `bench:` line for bench/gpu).
// Without a usable GPU it exits 1 saying why, after checking the artifact
// and the shapes (so those errors are testable anywhere).
//
// `artifact-info ARTIFACT` prints what the artifact holds.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc-run/Command.h"

#include "runtime/core/DType.h"
#include "runtime/cuda/attention/Launcher.h"
#include "test/support/Golden.h"
#include "test/support/LowPrecisionReference.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

using namespace attnc::rt;
using namespace attnc::rt::gpu;
namespace golden = attnc::golden;

namespace {

struct Options {
  std::string artifact;
  std::optional<int64_t> b, hq, hk, lq, lk;
  uint64_t seed = 0;
  bool seedGiven = false;
  bool check = false;
  int bench = 0, warmup = 3;
  int docs = 4;
  int device = 0;
  bool largeLogits = false; // q ~ N(0, 5^2), k ~ N(0, 3^2)
  bool evenDocs = false;    // documents of equal length (benchmarks)
};

const char *kUsage = "usage: attnc-run attention ARTIFACT [--b N] [--hq N] [--hk N] [--lq N] [--lk N] "
                     "[--seed S] [--check] [--bench N] [--warmup N] [--docs N] [--even-docs] [--large-logits] [--device N]";

int usage(const std::string &msg) {
  std::fprintf(stderr, "attnc-run: error: %s\n%s\n", msg.c_str(), kUsage);
  return 2;
}

bool parseInt(const std::string &s, int64_t lo, int64_t hi, int64_t &out) {
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end || errno || v < lo || v > hi)
    return false;
  out = v;
  return true;
}

//===--- Inputs ------------------------------------------------------------===//

/// Host inputs: the float values the golden sees and the raw bytes the GPU
/// gets (the floats are the low-precision values, so both see the same).
struct HostData {
  golden::Inputs in;
  std::vector<uint8_t> q, k, v, bias, relEmb;
  std::vector<int8_t> adjacency, blockLayout, maskTensor;
  HostOperands ops;
};

uint16_t toBits(ElemType t, float x) {
  return t == ElemType::BF16 ? floatToBFloat16(x) : floatToHalf(x);
}
float fromBits(ElemType t, uint16_t b) { return t == ElemType::BF16 ? bfloat16ToFloat(b) : halfToFloat(b); }

/// Rounds `vals` to `t` in place and returns the device bytes.
std::vector<uint8_t> encode(ElemType t, std::vector<float> &vals) {
  std::vector<uint8_t> bytes(vals.size() * elemSize(t));
  for (size_t i = 0; i < vals.size(); ++i) {
    if (t == ElemType::F32) {
      std::memcpy(&bytes[4 * i], &vals[i], 4);
      continue;
    }
    uint16_t b = toBits(t, vals[i]);
    vals[i] = fromBits(t, b);
    std::memcpy(&bytes[2 * i], &b, 2);
  }
  return bytes;
}

std::vector<float> decode(ElemType t, const std::vector<uint8_t> &bytes) {
  std::vector<float> vals(bytes.size() / elemSize(t));
  for (size_t i = 0; i < vals.size(); ++i) {
    if (t == ElemType::F32) {
      std::memcpy(&vals[i], &bytes[4 * i], 4);
    } else {
      uint16_t b;
      std::memcpy(&b, &bytes[2 * i], 2);
      vals[i] = fromBits(t, b);
    }
  }
  return vals;
}

/// `docs` contiguous documents of random (or equal) lengths over `len`
/// positions.
void documents(std::mt19937_64 &rng, int64_t len, int docs, bool even, int32_t *ids) {
  std::vector<int64_t> cuts;
  std::uniform_int_distribution<int64_t> pos(1, std::max<int64_t>(len - 1, 1));
  for (int d = 1; d < docs; ++d)
    cuts.push_back(even ? d * len / docs : pos(rng));
  std::sort(cuts.begin(), cuts.end());
  int32_t id = 0;
  for (int64_t i = 0, c = 0; i < len; ++i) {
    while (c < int64_t(cuts.size()) && cuts[size_t(c)] <= i)
      ++c, ++id;
    ids[i] = id;
  }
}

std::optional<golden::Mask> goldenMask(const MaskNode &m) {
  golden::Mask g;
  auto at = [&](size_t i) { return i < m.ints.size() ? m.ints[i] : 0; };
  switch (m.kind) {
  case MaskKind::Causal: g.kind = golden::MaskKind::Causal; g.offset = at(0); break;
  case MaskKind::Window: g.kind = golden::MaskKind::Window; g.left = at(0); g.right = at(1); break;
  case MaskKind::Padding: g.kind = golden::MaskKind::Padding; break;
  case MaskKind::Strided: g.kind = golden::MaskKind::Strided; g.stride = at(0); break;
  case MaskKind::BlockSparse: g.kind = golden::MaskKind::BlockSparse; g.block = at(0); break;
  case MaskKind::PrefixLM: g.kind = golden::MaskKind::PrefixLM; break;
  case MaskKind::Document: g.kind = golden::MaskKind::Document; break;
  case MaskKind::Graph: g.kind = golden::MaskKind::Graph; break;
  case MaskKind::Local2D:
    g.kind = golden::MaskKind::Local2D;
    g.width = at(0), g.blockH = at(1), g.blockW = at(2), g.memTop = at(3), g.memLeft = at(4), g.memRight = at(5),
    g.causal = at(6);
    break;
  case MaskKind::Explicit: g.kind = golden::MaskKind::Explicit; break;
  case MaskKind::And:
  case MaskKind::Or:
    g.kind = m.kind == MaskKind::And ? golden::MaskKind::And : golden::MaskKind::Or;
    for (const MaskNode &c : m.children)
      g.members.push_back(*goldenMask(c));
    break;
  }
  return g;
}

std::vector<golden::Modifier> goldenModifiers(const std::vector<Modifier> &mods) {
  std::vector<golden::Modifier> out;
  for (const Modifier &m : mods) {
    golden::Modifier g;
    switch (m.kind) {
    case ModKind::Alibi: g.kind = golden::ModifierKind::Alibi; break;
    case ModKind::RelEmb: g.kind = golden::ModifierKind::RelEmb; g.maxDistance = m.ints.at(0); break;
    case ModKind::T5Bias:
      g.kind = golden::ModifierKind::T5Bias;
      g.numBuckets = m.ints.at(0), g.maxDistance = m.ints.at(1), g.bidirectional = m.ints.at(2);
      break;
    case ModKind::Softcap: g.kind = golden::ModifierKind::Softcap; g.cap = m.value; break;
    case ModKind::Bias: g.kind = golden::ModifierKind::Bias; break;
    }
    out.push_back(g);
  }
  return out;
}

void makeInputs(const Artifact &a, const AttentionShape &s, const AuxExtents &e, const Options &o, HostData &h) {
  const AttnVariant &v = a.variant;
  std::mt19937_64 rng(o.seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  golden::Inputs &in = h.in;
  in.B = s.batch, in.Hq = s.qHeads, in.Hk = s.kvHeads, in.Lq = s.qLen, in.Lk = s.kvLen;
  in.D = v.headDim, in.Dv = v.headDimV;
  in.scale = double(v.scale);
  in.bottomRight = v.bottomRight;
  auto randn = [&](size_t n, float sigma) {
    std::vector<float> x(n);
    for (float &f : x)
      f = sigma * normal(rng);
    return x;
  };
  in.q = randn(qBytes(v, s) / elemSize(v.dtype), o.largeLogits ? 5.f : 1.f);
  in.k = randn(kBytes(v, s) / elemSize(v.dtype), o.largeLogits ? 3.f : 1.f);
  in.v = randn(vBytes(v, s) / elemSize(v.dtype), 1.f);
  h.q = encode(v.dtype, in.q);
  h.k = encode(v.dtype, in.k);
  h.v = encode(v.dtype, in.v);
  h.ops.q = h.q.data(), h.ops.k = h.k.data(), h.ops.v = h.v.data();
  h.ops.extents = e;
  auto needs = [&](AuxBuffer b) { return (v.requiredAux() >> unsigned(b)) & 1u; };
  auto bernoulli = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  const int64_t B = s.batch, Hq = s.qHeads, Lq = s.qLen, Lk = s.kvLen;

  if (needs(AuxBuffer::KvLengths)) {
    in.kvLengths.resize(size_t(B));
    for (int64_t b = 0; b < B; ++b) // batch entry 1 has no keys: fully masked rows
      in.kvLengths[size_t(b)] = b == 1 ? 0 : int32_t(std::uniform_int_distribution<int64_t>(1, Lk)(rng));
    h.ops.aux[unsigned(AuxBuffer::KvLengths)] = in.kvLengths.data();
  }
  if (needs(AuxBuffer::PrefixLengths)) {
    in.prefixLengths.resize(size_t(B));
    for (int32_t &p : in.prefixLengths)
      p = int32_t(std::uniform_int_distribution<int64_t>(0, Lk)(rng));
    h.ops.aux[unsigned(AuxBuffer::PrefixLengths)] = in.prefixLengths.data();
  }
  if (needs(AuxBuffer::QSegments)) {
    in.qSegments.resize(size_t(B * Lq));
    for (int64_t b = 0; b < B; ++b)
      documents(rng, Lq, o.docs, o.evenDocs, &in.qSegments[size_t(b * Lq)]);
    h.ops.aux[unsigned(AuxBuffer::QSegments)] = in.qSegments.data();
  }
  if (needs(AuxBuffer::KvSegments)) {
    in.kvSegments.resize(size_t(B * Lk));
    for (int64_t b = 0; b < B; ++b)
      documents(rng, Lk, o.docs, o.evenDocs, &in.kvSegments[size_t(b * Lk)]);
    h.ops.aux[unsigned(AuxBuffer::KvSegments)] = in.kvSegments.data();
  }
  if (needs(AuxBuffer::Adjacency)) {
    h.adjacency.resize(size_t(B * Lq * Lk));
    for (int64_t b = 0; b < B; ++b)
      for (int64_t i = 0; i < Lq; ++i)
        for (int64_t j = 0; j < Lk; ++j) // node 0 has no edges: fully masked
          h.adjacency[size_t((b * Lq + i) * Lk + j)] = i != 0 && bernoulli(0.2);
    in.adjacency = h.adjacency;
    h.ops.aux[unsigned(AuxBuffer::Adjacency)] = h.adjacency.data();
  }
  if (needs(AuxBuffer::BlockLayout)) {
    int64_t blk = blockSparseBlock(v), nqb = (Lq + blk - 1) / blk, nkb = (Lk + blk - 1) / blk;
    h.blockLayout.resize(size_t(e.blockLayoutHeads * nqb * nkb));
    for (size_t x = 0; x < h.blockLayout.size(); ++x) // head 0, query block 0: no live block
      h.blockLayout[x] = x >= size_t(nkb) && bernoulli(0.5);
    in.blockLayout = h.blockLayout;
    in.blockLayoutHeads = e.blockLayoutHeads;
    h.ops.aux[unsigned(AuxBuffer::BlockLayout)] = h.blockLayout.data();
  }
  if (needs(AuxBuffer::MaskTensor)) {
    h.maskTensor.resize(size_t(e.maskBatch * e.maskHeads * Lq * Lk));
    for (size_t x = 0; x < h.maskTensor.size(); ++x) // (0, 0, row 0): nothing visible
      h.maskTensor[x] = x >= size_t(Lk) && bernoulli(0.7);
    in.maskTensor = h.maskTensor;
    in.maskB = e.maskBatch, in.maskH = e.maskHeads;
    h.ops.aux[unsigned(AuxBuffer::MaskTensor)] = h.maskTensor.data();
  }
  if (needs(AuxBuffer::Bias)) {
    in.bias = randn(size_t(e.biasBatch * e.biasHeads * Lq * Lk), 1.f);
    for (float &x : in.bias) // a bias of -inf masks the pair
      if (bernoulli(0.01))
        x = -std::numeric_limits<float>::infinity();
    h.bias = encode(v.biasType, in.bias);
    in.biasB = e.biasBatch, in.biasH = e.biasHeads;
    h.ops.aux[unsigned(AuxBuffer::Bias)] = h.bias.data();
  }
  if (needs(AuxBuffer::AlibiSlopes)) {
    in.alibiSlopes = a.alibiSlopes;
    if (in.alibiSlopes.empty())
      for (int64_t hh = 0; hh < Hq; ++hh)
        in.alibiSlopes.push_back(std::pow(2.f, -8.f * float(hh + 1) / float(Hq)));
    h.ops.aux[unsigned(AuxBuffer::AlibiSlopes)] = in.alibiSlopes.data();
  }
  if (needs(AuxBuffer::RelEmb)) {
    in.relEmb = randn(auxBytes(v, AuxBuffer::RelEmb, s, e) / elemSize(v.relEmbType), 0.5f);
    h.relEmb = encode(v.relEmbType, in.relEmb);
    h.ops.aux[unsigned(AuxBuffer::RelEmb)] = h.relEmb.data();
  }
  if (needs(AuxBuffer::RelBias)) {
    in.relBias = randn(auxBytes(v, AuxBuffer::RelBias, s, e) / 4, 1.f);
    h.ops.aux[unsigned(AuxBuffer::RelBias)] = in.relBias.data();
  }
}

//===--- Check -------------------------------------------------------------===//

struct Check {
  bool ok = true;
  std::string report;
};

Check checkResult(const AttnVariant &v, const HostData &h, const std::vector<float> &out,
                  const std::vector<float> &lse) {
  Check c;
  char buf[512];
  std::optional<golden::Mask> mask;
  if (v.mask)
    mask = goldenMask(*v.mask);
  std::vector<golden::Modifier> mods = goldenModifiers(v.modifiers);
  golden::Result g = golden::attention(h.in, mask, mods);
  const golden::Inputs &in = h.in;
  auto fail = [&](const std::string &msg) {
    if (c.ok)
      c.report += "FAIL: " + msg + "\n";
    c.ok = false;
  };

  // NaN anywhere means an element was not written (poisoned) or computed NaN.
  for (size_t x = 0; x < out.size(); ++x)
    if (std::isnan(out[x])) {
      int64_t d = int64_t(x) % in.Dv, row = int64_t(x) / in.Dv;
      std::snprintf(buf, sizeof(buf), "out[b=%lld, h=%lld, i=%lld, d=%lld] is NaN (not written, or computed NaN)",
                    (long long)(row / (in.Hq * in.Lq)), (long long)(row / in.Lq % in.Hq),
                    (long long)(row % in.Lq), (long long)d);
      fail(buf);
      return c;
    }

  // Rows without a visible key: exactly 0, lse -inf.
  int64_t empty = 0;
  for (size_t row = 0; row < g.lse.size(); ++row) {
    if (g.lse[row] != -std::numeric_limits<double>::infinity())
      continue;
    ++empty;
    for (int64_t d = 0; d < in.Dv; ++d)
      if (out[row * size_t(in.Dv) + size_t(d)] != 0.f) {
        std::snprintf(buf, sizeof(buf), "row %zu has no visible key but out[.., %lld] = %g (must be exactly 0)", row,
                      (long long)d, double(out[row * size_t(in.Dv) + size_t(d)]));
        fail(buf);
        return c;
      }
    if (v.returnLse && lse[row] != -std::numeric_limits<float>::infinity()) {
      std::snprintf(buf, sizeof(buf), "row %zu has no visible key but lse = %g (must be -inf)", row,
                    double(lse[row]));
      fail(buf);
      return c;
    }
  }

  auto maxAbs = [](const std::vector<double> &x) {
    double m = 0;
    for (double y : x)
      if (std::isfinite(y))
        m = std::max(m, std::fabs(y));
    return m;
  };
  auto maxErr = [](const std::vector<double> &gold, auto get, size_t &where) {
    double m = 0;
    for (size_t x = 0; x < gold.size(); ++x) {
      if (!std::isfinite(gold[x]))
        continue;
      double e = std::fabs(double(get(x)) - gold[x]);
      if (!(e <= m)) { // NaN counts as the worst
        m = std::isnan(e) ? INFINITY : e;
        where = x;
      }
    }
    return m;
  };
  size_t at = 0;
  const double gMax = maxAbs(g.out);
  const double err = maxErr(g.out, [&](size_t x) { return out[x]; }, at);
  double tol, lseTol = 0;
  std::string rule;
  const double lseMax = maxAbs(g.lse);
  if (v.dtype == ElemType::F32) {
    double rel = std::max(in.Lq, in.Lk) >= 4096 ? 2e-4 : 1e-4;
    tol = rel * std::max(1.0, gMax);
    lseTol = rel * std::max(1.0, lseMax);
    std::snprintf(buf, sizeof(buf), "f32 rule %.0e * max(1, max|golden| = %.3g)", rel, gMax);
    rule = buf;
  } else {
    golden::LowPrecision lp = v.dtype == ElemType::BF16 ? golden::LowPrecision::BF16 : golden::LowPrecision::F16;
    golden::Result ref = golden::attentionLowPrecision(in, mask, mods, lp);
    size_t unused = 0;
    double refErr = maxErr(g.out, [&](size_t x) { return ref.out[x]; }, unused);
    double refLseErr = maxErr(g.lse, [&](size_t x) { return ref.lse[x]; }, unused);
    tol = 2 * refErr + 1e-3 * gMax;
    lseTol = 2 * refLseErr + 1e-3 * std::max(1.0, lseMax);
    std::snprintf(buf, sizeof(buf), "2 * max|ref_%s - golden| (%.3g) + 1e-3 * max|golden| (%.3g)",
                  elemTypeName(v.dtype), refErr, gMax);
    rule = buf;
  }
  std::snprintf(buf, sizeof(buf), "out: max|out - golden| = %.3g (element %zu: %.6g vs %.6g), tolerance %.3g = %s\n",
                err, at, at < out.size() ? double(out[at]) : 0.0, at < g.out.size() ? g.out[at] : 0.0, tol,
                rule.c_str());
  c.report += buf;
  if (!(err <= tol))
    fail("out error exceeds the tolerance");
  if (v.returnLse) {
    size_t lat = 0;
    double lerr = maxErr(g.lse, [&](size_t x) { return lse[x]; }, lat);
    std::snprintf(buf, sizeof(buf), "lse: max|lse - golden| = %.3g (row %zu), tolerance %.3g\n", lerr, lat, lseTol);
    c.report += buf;
    if (!(lerr <= lseTol))
      fail("lse error exceeds the tolerance");
  }
  std::snprintf(buf, sizeof(buf), "rows without a visible key: %lld (exactly 0%s)\n", (long long)empty,
                v.returnLse ? ", lse -inf" : "");
  c.report += buf;
  return c;
}

//===--- The command -------------------------------------------------------===//

int runAttention(const std::vector<std::string> &args) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &a = args[i];
    auto value = [&](int64_t lo, int64_t hi, int64_t &out) {
      if (i + 1 >= args.size())
        return false;
      return parseInt(args[++i], lo, hi, out);
    };
    int64_t x;
    std::optional<int64_t> *dim = a == "--b" ? &o.b : a == "--hq" ? &o.hq : a == "--hk" ? &o.hk
                                  : a == "--lq" ? &o.lq : a == "--lk" ? &o.lk : nullptr;
    if (dim) {
      if (!value(1, int64_t(1) << 31, x))
        return usage(a + " needs a positive integer");
      *dim = x;
    } else if (a == "--seed") {
      if (!value(0, INT64_MAX, x))
        return usage("--seed needs a non-negative integer");
      o.seed = uint64_t(x);
      o.seedGiven = true;
    } else if (a == "--even-docs") {
      o.evenDocs = true;
    } else if (a == "--large-logits") {
      o.largeLogits = true;
    } else if (a == "--check") {
      o.check = true;
    } else if (a == "--bench") {
      if (!value(1, 100000, x))
        return usage("--bench needs a run count in [1, 100000]");
      o.bench = int(x);
    } else if (a == "--warmup") {
      if (!value(0, 1000, x))
        return usage("--warmup needs a count in [0, 1000]");
      o.warmup = int(x);
    } else if (a == "--docs") {
      if (!value(1, 1 << 20, x))
        return usage("--docs needs a positive integer");
      o.docs = int(x);
    } else if (a == "--device") {
      if (!value(0, 1024, x))
        return usage("--device needs a device ordinal");
      o.device = int(x);
    } else if (!a.empty() && a[0] == '-') {
      return usage("unknown option '" + a + "'");
    } else if (o.artifact.empty()) {
      o.artifact = a;
    } else {
      return usage("more than one artifact given");
    }
  }
  if (o.artifact.empty())
    return usage("no artifact given");
  if (!o.seedGiven)
    o.seed = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) % 1000000007u;

  Result<Artifact> art = readArtifact(o.artifact);
  if (!art.ok())
    return attnc::run::reportError(art.status().message());
  const AttnVariant &v = art->variant;
  const StaticDims &sd = art->dims;
  auto pick = [](const std::optional<int64_t> &given, int64_t fixed, int64_t fallback) {
    return given ? *given : fixed >= 0 ? fixed : fallback;
  };
  AttentionShape shape;
  shape.batch = pick(o.b, sd.batch, 2);
  shape.qHeads = pick(o.hq, sd.qHeads, 4);
  shape.kvHeads = pick(o.hk, sd.kvHeads, shape.qHeads);
  shape.qLen = pick(o.lq, sd.qLen, 113);
  bool docSelf = v.mask && (v.requiredAux() >> unsigned(AuxBuffer::QSegments) & 1u) && !v.hasKvSegments;
  shape.kvLen = pick(o.lk, sd.kvLen, docSelf ? shape.qLen : 239);
  AuxExtents ext;
  ext.blockLayoutHeads = shape.qHeads;
  ext.maskBatch = shape.batch, ext.maskHeads = shape.qHeads;
  ext.biasBatch = 1, ext.biasHeads = shape.qHeads; // broadcast over the batch
  if (Status st = validateShape(*art, shape, ext); !st.ok())
    return attnc::run::reportError(st.message());

  std::printf("artifact: %s: %s\n", o.artifact.c_str(), describe(v).c_str());
  std::printf("shape: b=%lld hq=%lld hk=%lld lq=%lld lk=%lld seed=%llu\n", (long long)shape.batch,
              (long long)shape.qHeads, (long long)shape.kvHeads, (long long)shape.qLen, (long long)shape.kvLen,
              (unsigned long long)o.seed);
  std::fflush(stdout);

  Result<std::shared_ptr<cuda::Context>> ctx = cuda::Context::create(o.device);
  if (!ctx.ok())
    return attnc::run::reportError("no GPU to run on: " + ctx.status().message());
  auto t0 = std::chrono::steady_clock::now();
  Result<std::unique_ptr<AttentionLauncher>> launcher = AttentionLauncher::create(*ctx, *art);
  if (!launcher.ok())
    return attnc::run::reportError(launcher.status().message());
  double loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  AttentionLauncher &l = **launcher;
  Result<LaunchPlan> plan = l.plan(shape);
  if (!plan.ok())
    return attnc::run::reportError(plan.status().message());
  std::printf("device: %s; image %s; grid %ux%u, %u threads, %u B shared, %d blocks/SM, %.2f waves\n",
              (*ctx)->device().summary().c_str(), l.selection().c_str(), plan->attention.grid[0],
              plan->attention.grid[1], plan->attention.block[0], plan->attention.dynamicSharedBytes,
              plan->blocksPerSm, plan->waves);

  HostData host;
  makeInputs(*art, shape, ext, o, host);
  Result<AttentionBuffers> bufs = AttentionBuffers::allocate(*ctx, v, shape, ext);
  if (!bufs.ok())
    return attnc::run::reportError(bufs.status().message());
  Result<cuda::Stream> stream = cuda::Stream::create(*ctx);
  if (!stream.ok())
    return attnc::run::reportError(stream.status().message());
  auto fail = [](const Status &st) { return attnc::run::reportError(st.message()); };
  if (Status st = bufs->upload(host.ops); !st.ok())
    return fail(st);
  if (Status st = bufs->poisonOutputs(); !st.ok())
    return fail(st);
  DeviceOperands ops = bufs->operands();
  auto t1 = std::chrono::steady_clock::now();
  if (Status st = l.launch(shape, ops, &*stream); !st.ok())
    return fail(st);
  if (Status st = stream->synchronize(); !st.ok())
    return fail(st.withContext("running " + l.image().kernelName));
  double firstMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
  std::printf("first call: module load %.3f ms, first launch %.3f ms (incl. tile classification)\n", loadMs,
              firstMs);

  int rc = 0;
  if (o.check) {
    std::vector<uint8_t> outRaw(outBytes(v, shape));
    std::vector<float> lse(lseBytes(v, shape) / 4);
    if (Status st = bufs->downloadOut(outRaw.data()); !st.ok())
      return fail(st);
    if (v.returnLse)
      if (Status st = bufs->downloadLse(lse.data()); !st.ok())
        return fail(st);
    Check c = checkResult(v, host, decode(v.dtype, outRaw), lse);
    std::printf("%s", c.report.c_str());
    if (!c.ok) {
      std::printf("check: FAIL (seed %llu; rerun with --seed %llu)\n", (unsigned long long)o.seed,
                  (unsigned long long)o.seed);
      rc = 1;
    } else {
      std::printf("check: PASS\n");
    }
  }

  if (o.bench > 0) {
    for (int i = 0; i < o.warmup; ++i)
      if (Status st = l.launch(shape, ops, &*stream); !st.ok())
        return fail(st);
    std::vector<float> ms;
    Result<cuda::Event> start = cuda::Event::create(*ctx), end = cuda::Event::create(*ctx);
    if (!start.ok() || !end.ok())
      return fail(start.ok() ? end.status() : start.status());
    for (int i = 0; i < o.bench; ++i) {
      Status st = start->record(&*stream);
      if (st.ok())
        st = l.launch(shape, ops, &*stream);
      if (st.ok())
        st = end->record(&*stream);
      Result<float> t = st.ok() ? cuda::Event::elapsedMs(*start, *end) : Result<float>(st);
      if (!t.ok())
        return fail(t.status());
      ms.push_back(*t);
    }
    std::sort(ms.begin(), ms.end());
    double median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
    // Dense-equivalent work: two GEMMs over every (query, key) pair.
    double flops = 2.0 * double(shape.batch * shape.qHeads) * double(shape.qLen) * double(shape.kvLen) *
                   double(v.headDim + v.headDimV);
    std::printf("bench: median_ms=%.4f min_ms=%.4f max_ms=%.4f runs=%d dense_tflops=%.2f load_ms=%.3f\n", median,
                double(ms.front()), double(ms.back()), o.bench, flops / (median * 1e-3) / 1e12, loadMs);
  }
  return rc;
}

int runArtifactInfo(const std::vector<std::string> &args) {
  if (args.size() != 1)
    return attnc::run::reportError("usage: attnc-run artifact-info ARTIFACT");
  Result<Artifact> art = readArtifact(args[0]);
  if (!art.ok())
    return attnc::run::reportError(art.status().message());
  std::printf("%s", describeArtifact(*art).c_str());
  return 0;
}

attnc::run::CommandRegistration attentionReg{
    "attention", "ARTIFACT [--b/--hq/--hk/--lq/--lk N] [--seed S] [--check] [--bench N]",
    "run a GPU attention artifact on random inputs; --check vs the float64 golden, --bench N", runAttention};
attnc::run::CommandRegistration artifactInfoReg{"artifact-info", "ARTIFACT",
                                                "print the variant and kernel images of a GPU artifact",
                                                runArtifactInfo};

} // namespace
