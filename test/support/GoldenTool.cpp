//===- GoldenTool.cpp - attnc-golden: inputs, float64 reference, compare ---===//
//
// The end-to-end tests' independent half (see /work/shared/NUMERICS.md). It
// links only the float64 golden (Golden.h) and the runtime's .npy code, and
// reads its own small description of the problem from the command line, so
// nothing of attnc's compiler is involved in producing the expected output.
//
//   attnc-golden --make-inputs --seed auto --dir D --q 2,8,113,64 --k ... --v ...
//                --mask "causal & padding" [--modifiers "alibi, softcap(30)"]
//       writes D/q.npy, D/k.npy, D/v.npy and the run-time mask/modifier data
//       under attnc's argument names (D/kv_lengths.npy, ...), and D/seed.txt.
//       Random data is N(0,1); lengths include 0 when B > 1 (fully masked
//       rows); graphs and layouts have empty rows.
//   attnc-golden --reference D --mask ... [--modifiers ...] [--scale S]
//                [--bottom-right] -o ref.npy
//       reads the same files and writes the float64 output [B, Hq, Lq, Dv].
//   attnc-golden --compare out.npy --reference ref.npy
//       max |out - ref| against 1e-4 * max(1, max|ref|) (2e-4 for L >= 4096);
//       any NaN/Inf fails, and exact zeros of the reference (rows with no
//       visible key) must be exact zeros. Prints PASS/FAIL and the seed.
//
// Mask and modifier syntax is the .attn language's (docs/language.md),
// parsed here by a separate, tiny parser. ALiBi slopes are computed here
// from their definition (Press et al.), not read from attnc.
//
//===----------------------------------------------------------------------===//
#include "runtime/core/DType.h"
#include "runtime/core/Npy.h"
#include "test/support/Golden.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace g = attnc::golden;
namespace rt = attnc::rt;

namespace {

[[noreturn]] void die(const std::string &msg) {
  std::fprintf(stderr, "attnc-golden: %s\n", msg.c_str());
  std::exit(2);
}

//===----------------------------------------------------------------------===//
// Mask / modifier expressions
//===----------------------------------------------------------------------===//

class ExprParser {
public:
  explicit ExprParser(std::string text) : s(std::move(text)) {}

  g::Mask parseMask() {
    g::Mask m = orExpr();
    skip();
    if (p != s.size())
      die("unexpected '" + s.substr(p) + "' in mask '" + s + "'");
    return m;
  }

  std::vector<g::Modifier> parseModifiers() {
    std::vector<g::Modifier> mods;
    skip();
    if (p < s.size() && s[p] == '[')
      ++p;
    while (true) {
      skip();
      if (p >= s.size() || s[p] == ']')
        break;
      std::string name = ident();
      std::vector<std::pair<std::string, double>> args = argList();
      g::Modifier m;
      auto get = [&](size_t pos, const char *key, double def) {
        for (auto &[k, v] : args)
          if (k == key)
            return v;
        return pos < args.size() && args[pos].first.empty() ? args[pos].second : def;
      };
      if (name == "alibi")
        m.kind = g::ModifierKind::Alibi;
      else if (name == "softcap")
        m.kind = g::ModifierKind::Softcap, m.cap = get(0, "cap", 1.0);
      else if (name == "rel_emb")
        m.kind = g::ModifierKind::RelEmb, m.maxDistance = int64_t(get(0, "max_distance", 0));
      else if (name == "t5_bias")
        m.kind = g::ModifierKind::T5Bias, m.numBuckets = int64_t(get(0, "num_buckets", 32)),
        m.maxDistance = int64_t(get(1, "max_distance", 128)), m.bidirectional = int64_t(get(2, "bidirectional", 1));
      else if (name == "bias")
        m.kind = g::ModifierKind::Bias;
      else
        die("unknown modifier '" + name + "'");
      mods.push_back(m);
      skip();
      if (p < s.size() && s[p] == ',')
        ++p;
    }
    return mods;
  }

private:
  void skip() {
    while (p < s.size() && std::isspace(static_cast<unsigned char>(s[p])))
      ++p;
  }
  std::string ident() {
    skip();
    size_t b = p;
    while (p < s.size() && (std::isalnum(static_cast<unsigned char>(s[p])) || s[p] == '_'))
      ++p;
    if (b == p)
      die("expected a name at '" + s.substr(b) + "' in '" + s + "'");
    return s.substr(b, p - b);
  }
  double number() {
    skip();
    if (s.compare(p, 4, "true") == 0)
      return p += 4, 1;
    if (s.compare(p, 5, "false") == 0)
      return p += 5, 0;
    char *end = nullptr;
    double v = std::strtod(s.c_str() + p, &end);
    if (end == s.c_str() + p)
      die("expected a number at '" + s.substr(p) + "'");
    p = size_t(end - s.c_str());
    return v;
  }
  std::vector<std::pair<std::string, double>> argList() {
    std::vector<std::pair<std::string, double>> args;
    skip();
    if (p >= s.size() || s[p] != '(')
      return args;
    ++p;
    while (true) {
      skip();
      if (p < s.size() && s[p] == ')') {
        ++p;
        return args;
      }
      std::string key;
      size_t save = p;
      if (std::isalpha(static_cast<unsigned char>(s[p])) && s.compare(p, 4, "true") && s.compare(p, 5, "false")) {
        key = ident();
        skip();
        if (p >= s.size() || s[p] != '=')
          die("expected '=' after '" + key + "'");
        ++p;
      } else {
        p = save;
      }
      args.push_back({key, number()});
      skip();
      if (p < s.size() && s[p] == ',')
        ++p;
    }
  }
  g::Mask orExpr() {
    g::Mask first = andExpr();
    skip();
    if (p >= s.size() || s[p] != '|')
      return first;
    g::Mask m;
    m.kind = g::MaskKind::Or;
    m.members.push_back(first);
    while (p < s.size() && s[p] == '|') {
      ++p;
      m.members.push_back(andExpr());
      skip();
    }
    return m;
  }
  g::Mask andExpr() {
    g::Mask first = primary();
    skip();
    if (p >= s.size() || s[p] != '&')
      return first;
    g::Mask m;
    m.kind = g::MaskKind::And;
    m.members.push_back(first);
    while (p < s.size() && s[p] == '&') {
      ++p;
      m.members.push_back(primary());
      skip();
    }
    return m;
  }
  g::Mask primary() {
    skip();
    if (p < s.size() && s[p] == '(') {
      ++p;
      g::Mask m = orExpr();
      skip();
      if (p >= s.size() || s[p] != ')')
        die("missing ')' in '" + s + "'");
      ++p;
      return m;
    }
    std::string name = ident();
    auto args = argList();
    auto get = [&](size_t pos, const char *key, int64_t def) {
      for (auto &[k, v] : args)
        if (k == key)
          return int64_t(v);
      return pos < args.size() && args[pos].first.empty() ? int64_t(args[pos].second) : def;
    };
    g::Mask m;
    if (name == "causal")
      m.kind = g::MaskKind::Causal, m.offset = get(0, "offset", 0);
    else if (name == "window")
      m.kind = g::MaskKind::Window, m.left = get(0, "left", 0), m.right = get(1, "right", 0);
    else if (name == "strided")
      m.kind = g::MaskKind::Strided, m.stride = get(0, "stride", 1);
    else if (name == "block_sparse")
      m.kind = g::MaskKind::BlockSparse, m.block = get(0, "block", 1);
    else if (name == "padding")
      m.kind = g::MaskKind::Padding;
    else if (name == "prefix_lm")
      m.kind = g::MaskKind::PrefixLM;
    else if (name == "document")
      m.kind = g::MaskKind::Document;
    else if (name == "graph")
      m.kind = g::MaskKind::Graph;
    else if (name == "explicit")
      m.kind = g::MaskKind::Explicit;
    else if (name == "local2d") {
      m.kind = g::MaskKind::Local2D;
      m.width = get(0, "width", 1), m.blockH = get(1, "block_h", 1), m.blockW = get(2, "block_w", 1);
      m.memTop = get(3, "mem_top", 0), m.memLeft = get(4, "mem_left", 0), m.memRight = get(5, "mem_right", 0);
      m.causal = get(6, "causal", 0);
    } else
      die("unknown mask '" + name + "'");
    return m;
  }

  std::string s;
  size_t p = 0;
};

bool uses(const std::optional<g::Mask> &m, g::MaskKind k) {
  if (!m)
    return false;
  if (m->kind == k)
    return true;
  for (const g::Mask &c : m->members)
    if (uses(c, k))
      return true;
  return false;
}

int64_t blockOf(const g::Mask &m) {
  if (m.kind == g::MaskKind::BlockSparse)
    return m.block;
  for (const g::Mask &c : m.members)
    if (int64_t b = blockOf(c))
      return b;
  return 0;
}

/// ALiBi slopes from Press et al.: 2^(-8i/n) for the closest power of two
/// n <= heads, then every other slope of 2n for the remaining heads.
std::vector<float> alibiSlopes(int64_t heads) {
  auto pow2 = [](int64_t n) {
    std::vector<double> s;
    for (int64_t i = 1; i <= n; ++i)
      s.push_back(std::pow(2.0, -8.0 * double(i) / double(n)));
    return s;
  };
  int64_t n = 1;
  while (n * 2 <= heads)
    n *= 2;
  std::vector<double> s = pow2(n);
  std::vector<double> extra = pow2(2 * n);
  for (int64_t i = 0; int64_t(s.size()) < heads; i += 2)
    s.push_back(extra[i]);
  return std::vector<float>(s.begin(), s.end());
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

std::vector<int64_t> parseShape(const std::string &text) {
  std::vector<int64_t> s;
  size_t p = 0;
  while (p < text.size()) {
    size_t e = text.find_first_of(",x", p);
    std::string part = text.substr(p, e == std::string::npos ? std::string::npos : e - p);
    char *end = nullptr;
    long long v = std::strtoll(part.c_str(), &end, 10);
    if (part.empty() || *end || v < 0)
      die("bad shape '" + text + "' (expected B,H,L,D)");
    s.push_back(v);
    if (e == std::string::npos)
      break;
    p = e + 1;
  }
  if (s.size() != 4)
    die("shape '" + text + "' must have 4 dimensions [B, H, L, D]");
  return s;
}

template <typename T> void save(const std::string &path, rt::DType dt, const std::vector<int64_t> &shape, std::vector<T> &data) {
  auto view = rt::TensorView::contiguous(dt, shape, data.data());
  if (!view.ok())
    die(view.status().message());
  rt::Status st = rt::writeNpy(path, *view);
  if (!st.ok())
    die(st.message());
}

rt::HostTensor load(const std::string &path) {
  auto t = rt::readNpy(path);
  if (!t.ok())
    die(t.status().message());
  return t.take();
}

bool exists(const std::string &path) { return std::ifstream(path).good(); }

template <typename T> std::vector<T> loadAs(const std::string &path, rt::DType want, std::vector<int64_t> *shape = nullptr) {
  rt::HostTensor t = load(path);
  if (t.dtype() != want && !(rt::isFloatingPoint(t.dtype()) && rt::isFloatingPoint(want)))
    die(path + " must hold " + rt::dtypeName(want) + " data, got " + t.view().describe());
  std::vector<T> out(static_cast<size_t>(t.numElements()));
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = T(rt::loadAsDouble(t.dtype(), t.data(), i));
  if (shape)
    *shape = t.shape();
  return out;
}

//===----------------------------------------------------------------------===//
// Modes
//===----------------------------------------------------------------------===//

struct Problem {
  std::optional<g::Mask> mask;
  std::vector<g::Modifier> modifiers;
  std::optional<double> scale;
  bool bottomRight = false;
};

uint64_t resolveSeed(const std::string &text) {
  if (const char *env = std::getenv("ATTNC_TEST_SEED"))
    return std::strtoull(env, nullptr, 10);
  if (text == "auto")
    return uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) % 1000000007ull;
  return std::strtoull(text.c_str(), nullptr, 10);
}

int makeInputs(const std::string &dir, uint64_t seed, std::vector<int64_t> qs, std::vector<int64_t> ks,
               std::vector<int64_t> vs, const Problem &pb) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto randn = [&](std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    std::vector<float> x(static_cast<size_t>(n));
    for (float &e : x)
      e = normal(rng);
    return x;
  };
  int64_t B = qs[0], Hq = qs[1], Lq = qs[2], Lk = ks[2], D = qs[3];
  auto q = randn(qs), k = randn(ks), v = randn(vs);
  save(dir + "/q.npy", rt::DType::F32, qs, q);
  save(dir + "/k.npy", rt::DType::F32, ks, k);
  save(dir + "/v.npy", rt::DType::F32, vs, v);
  // Lengths: the first entry full, the second 0 (a fully masked batch
  // entry) when there is one, the rest random.
  auto lengths = [&](int64_t L) {
    std::vector<int32_t> x(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b)
      x[b] = int32_t(b == 0 ? L : b == 1 ? 0 : uniform(0, L));
    return x;
  };
  if (uses(pb.mask, g::MaskKind::Padding)) {
    auto x = lengths(Lk);
    save(dir + "/kv_lengths.npy", rt::DType::I32, {B}, x);
  }
  if (uses(pb.mask, g::MaskKind::PrefixLM)) {
    auto x = lengths(Lq);
    save(dir + "/prefix_lengths.npy", rt::DType::I32, {B}, x);
  }
  if (uses(pb.mask, g::MaskKind::Document)) {
    auto segments = [&](int64_t L) {
      std::vector<int32_t> x(static_cast<size_t>(B * L));
      for (int64_t b = 0; b < B; ++b) {
        int32_t doc = 0;
        for (int64_t i = 0; i < L; ++i) {
          if (i > 0 && uniform(0, 15) == 0)
            ++doc;
          x[b * L + i] = doc;
        }
      }
      return x;
    };
    auto qseg = segments(Lq);
    save(dir + "/q_segments.npy", rt::DType::I32, {B, Lq}, qseg);
    if (Lq != Lk) {
      auto kseg = segments(Lk);
      save(dir + "/kv_segments.npy", rt::DType::I32, {B, Lk}, kseg);
    }
  }
  auto booleans = [&](int64_t rows, int64_t cols, int emptyEvery) {
    std::vector<int8_t> x(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        x[r * cols + c] = emptyEvery && r % emptyEvery == emptyEvery / 2 ? 0 : int8_t(uniform(0, 2) == 0);
    return x;
  };
  if (uses(pb.mask, g::MaskKind::Graph)) {
    auto x = booleans(B * Lq, Lk, 7);
    save(dir + "/adjacency.npy", rt::DType::I8, {B, Lq, Lk}, x);
  }
  if (uses(pb.mask, g::MaskKind::BlockSparse)) {
    int64_t blk = blockOf(*pb.mask), nq = (Lq + blk - 1) / blk, nk = (Lk + blk - 1) / blk;
    auto x = booleans(Hq * nq, nk, 5);
    save(dir + "/block_layout.npy", rt::DType::I8, {Hq, nq, nk}, x);
  }
  if (uses(pb.mask, g::MaskKind::Explicit)) {
    auto x = booleans(B * Hq * Lq, Lk, 7);
    save(dir + "/mask.npy", rt::DType::I8, {B, Hq, Lq, Lk}, x);
  }
  for (const g::Modifier &m : pb.modifiers) {
    if (m.kind == g::ModifierKind::Bias) {
      auto x = randn({B, Hq, Lq, Lk});
      save(dir + "/bias.npy", rt::DType::F32, {B, Hq, Lq, Lk}, x);
    } else if (m.kind == g::ModifierKind::RelEmb) {
      auto x = randn({2 * m.maxDistance + 1, D});
      save(dir + "/rel_emb.npy", rt::DType::F32, {2 * m.maxDistance + 1, D}, x);
    } else if (m.kind == g::ModifierKind::T5Bias) {
      auto x = randn({m.numBuckets, Hq});
      save(dir + "/rel_bias.npy", rt::DType::F32, {m.numBuckets, Hq}, x);
    }
  }
  std::ofstream(dir + "/seed.txt") << seed << "\n";
  std::printf("inputs written to %s (seed %llu)\n", dir.c_str(), (unsigned long long)seed);
  return 0;
}

int reference(const std::string &dir, const std::string &outPath, const Problem &pb) {
  g::Inputs in;
  std::vector<int64_t> qs, ks, vs;
  in.q = loadAs<float>(dir + "/q.npy", rt::DType::F32, &qs);
  in.k = loadAs<float>(dir + "/k.npy", rt::DType::F32, &ks);
  in.v = loadAs<float>(dir + "/v.npy", rt::DType::F32, &vs);
  if (qs.size() != 4 || ks.size() != 4 || vs.size() != 4)
    die("q, k, v must have rank 4");
  in.B = qs[0], in.Hq = qs[1], in.Lq = qs[2], in.D = qs[3];
  in.Hk = ks[1], in.Lk = ks[2], in.Dv = vs[3];
  if (ks[0] != in.B || vs[0] != in.B || ks[3] != in.D || vs[1] != in.Hk || vs[2] != in.Lk || in.Hq % in.Hk)
    die("q, k, v shapes do not form an attention problem");
  in.scale = pb.scale ? *pb.scale : 1.0 / std::sqrt(double(in.D));
  in.bottomRight = pb.bottomRight;
  auto opt = [&](const char *name) { return dir + "/" + name + ".npy"; };
  if (uses(pb.mask, g::MaskKind::Padding))
    in.kvLengths = loadAs<int32_t>(opt("kv_lengths"), rt::DType::I32);
  if (uses(pb.mask, g::MaskKind::PrefixLM))
    in.prefixLengths = loadAs<int32_t>(opt("prefix_lengths"), rt::DType::I32);
  if (uses(pb.mask, g::MaskKind::Document)) {
    in.qSegments = loadAs<int32_t>(opt("q_segments"), rt::DType::I32);
    if (exists(opt("kv_segments")))
      in.kvSegments = loadAs<int32_t>(opt("kv_segments"), rt::DType::I32);
  }
  if (uses(pb.mask, g::MaskKind::Graph))
    in.adjacency = loadAs<int8_t>(opt("adjacency"), rt::DType::I8);
  if (uses(pb.mask, g::MaskKind::BlockSparse)) {
    std::vector<int64_t> s;
    in.blockLayout = loadAs<int8_t>(opt("block_layout"), rt::DType::I8, &s);
    in.blockLayoutHeads = s.empty() ? 1 : s[0];
  }
  if (uses(pb.mask, g::MaskKind::Explicit)) {
    std::vector<int64_t> s;
    in.maskTensor = loadAs<int8_t>(opt("mask"), rt::DType::I8, &s);
    in.maskB = s[0], in.maskH = s[1];
  }
  for (const g::Modifier &m : pb.modifiers) {
    if (m.kind == g::ModifierKind::Alibi)
      in.alibiSlopes = alibiSlopes(in.Hq);
    if (m.kind == g::ModifierKind::Bias) {
      std::vector<int64_t> s;
      in.bias = loadAs<float>(opt("bias"), rt::DType::F32, &s);
      in.biasB = s[0], in.biasH = s[1];
    }
    if (m.kind == g::ModifierKind::RelEmb)
      in.relEmb = loadAs<float>(opt("rel_emb"), rt::DType::F32);
    if (m.kind == g::ModifierKind::T5Bias)
      in.relBias = loadAs<float>(opt("rel_bias"), rt::DType::F32);
  }
  g::Result res = g::attention(in, pb.mask, pb.modifiers);
  save(outPath, rt::DType::F64, {in.B, in.Hq, in.Lq, in.Dv}, res.out);
  return 0;
}

std::string seedNote(const std::string &refPath) {
  size_t slash = refPath.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : refPath.substr(0, slash);
  std::ifstream f(dir + "/seed.txt");
  std::string seed;
  if (f >> seed)
    return " (seed " + seed + "; replay with ATTNC_TEST_SEED=" + seed + ")";
  return "";
}

int compare(const std::string &outPath, const std::string &refPath) {
  rt::HostTensor out = load(outPath), ref = load(refPath);
  if (out.shape() != ref.shape()) {
    std::printf("FAIL shape %s != reference %s\n", out.view().describe().c_str(), ref.view().describe().c_str());
    return 1;
  }
  double maxRef = 0, maxErr = 0;
  int64_t n = ref.numElements(), bad = 0, badZero = 0, worst = 0;
  for (int64_t i = 0; i < n; ++i)
    maxRef = std::max(maxRef, std::fabs(rt::loadAsDouble(ref.dtype(), ref.data(), size_t(i))));
  for (int64_t i = 0; i < n; ++i) {
    double o = rt::loadAsDouble(out.dtype(), out.data(), size_t(i));
    double r = rt::loadAsDouble(ref.dtype(), ref.data(), size_t(i));
    if (!std::isfinite(o)) {
      ++bad;
      continue;
    }
    if (r == 0.0 && o != 0.0)
      ++badZero;
    if (std::fabs(o - r) > maxErr)
      maxErr = std::fabs(o - r), worst = i;
  }
  std::vector<int64_t> shape = ref.shape();
  int64_t L = shape.size() >= 3 ? shape[2] : 0;
  double tol = (L >= 4096 ? 2e-4 : 1e-4) * std::max(1.0, maxRef);
  bool pass = bad == 0 && badZero == 0 && maxErr <= tol;
  std::printf("%s max abs error %.3g (tolerance %.3g) over %lld elements", pass ? "PASS" : "FAIL", maxErr, tol,
              (long long)n);
  if (bad)
    std::printf(", %lld NaN/Inf", (long long)bad);
  if (badZero)
    std::printf(", %lld nonzero where every key is masked (must be exactly 0)", (long long)badZero);
  if (!pass)
    std::printf(", worst at flat index %lld%s", (long long)worst, seedNote(refPath).c_str());
  std::printf("\n");
  return pass ? 0 : 1;
}

void usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  attnc-golden --make-inputs --seed N|auto --dir D --q B,H,L,D --k ... --v ... [problem]\n"
               "  attnc-golden --reference D -o ref.npy [problem]\n"
               "  attnc-golden --compare out.npy --reference ref.npy\n"
               "problem: --mask EXPR --modifiers LIST --scale S --bottom-right\n");
}

} // namespace

int main(int argc, char **argv) {
  std::map<std::string, std::string> opts;
  bool makeMode = false, bottomRight = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--make-inputs") {
      makeMode = true;
    } else if (a == "--bottom-right") {
      bottomRight = true;
    } else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else if (a.rfind("--", 0) == 0 || a == "-o") {
      std::string key = a, value;
      size_t eq = a.find('=');
      if (eq != std::string::npos) {
        key = a.substr(0, eq);
        value = a.substr(eq + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        die("missing value for " + a);
      }
      static const char *known[] = {"--seed", "--dir", "--q", "--k", "--v", "--reference", "-o",
                                    "--compare", "--mask", "--modifiers", "--scale"};
      if (std::find_if(std::begin(known), std::end(known), [&](const char *k) { return key == k; }) ==
          std::end(known))
        die("unknown option " + key);
      opts[key] = value;
    } else {
      die("unexpected argument '" + a + "'");
    }
  }
  Problem pb;
  if (opts.count("--mask") && opts["--mask"] != "none")
    pb.mask = ExprParser(opts["--mask"]).parseMask();
  if (opts.count("--modifiers"))
    pb.modifiers = ExprParser(opts["--modifiers"]).parseModifiers();
  if (opts.count("--scale"))
    pb.scale = std::strtod(opts["--scale"].c_str(), nullptr);
  pb.bottomRight = bottomRight;

  if (makeMode) {
    for (const char *k : {"--dir", "--q", "--k", "--v"})
      if (!opts.count(k))
        die(std::string("--make-inputs needs ") + k);
    return makeInputs(opts["--dir"], resolveSeed(opts.count("--seed") ? opts["--seed"] : "auto"),
                      parseShape(opts["--q"]), parseShape(opts["--k"]), parseShape(opts["--v"]), pb);
  }
  if (opts.count("--compare")) {
    if (!opts.count("--reference"))
      die("--compare needs --reference ref.npy");
    return compare(opts["--compare"], opts["--reference"]);
  }
  if (opts.count("--reference")) {
    if (!opts.count("-o"))
      die("--reference DIR needs -o ref.npy");
    return reference(opts["--reference"], opts["-o"], pb);
  }
  usage();
  return 2;
}
