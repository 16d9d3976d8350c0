//===- KernelRunCommand.cpp - attnc run for kernel specs ------------------===//
//
// `attnc run kernel.attn --input q=q.npy ... --output out=out.npy` compiles
// the kernel through the C++ JIT API (compiler/API/attnc.h: frontend,
// fusion, CPU pipeline, JIT, kernel cache) and runs it once on the CPU.
// ModelRunCommand.cpp hands kernel-only specs here.
//
// Inputs are bound by argument name (`attnc run FILE --list` prints them);
// `--random --seed N` fills every input not given with --input: N(0,1) for
// floating-point tensors, and valid data for run-time masks (lengths in
// range, sorted document ids, sparse adjacency with some empty rows, block
// layouts). Symbolic sizes come from the given inputs, else `--dim L=100`,
// else a default (1 for the batch, 128 otherwise). The output is poisoned
// with NaN before the run, so an element the kernel forgets stays NaN.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/Commands.h"

#include "compiler/API/attnc.h"
#include "runtime/core/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <random>

using namespace attnc;

namespace {

int fail(const llvm::Twine &msg) {
  llvm::errs() << "attnc run: " << msg << "\n";
  return 1;
}

bool isFloat(DType t) { return t == DType::F32 || t == DType::F16 || t == DType::BF16; }

/// Reads an .npy input for argument `a`, converting the dtypes numpy picks
/// by default (float64, int64, bool) to the argument's.
rt::Result<rt::HostTensor> readInput(const std::string &path, const Argument &a) {
  auto t = rt::readNpy(path);
  if (!t.ok())
    return t.status();
  if (t->dtype() == a.dtype)
    return t;
  DType from = t->dtype();
  bool ok = (isFloat(a.dtype) && (from == DType::F64 || isFloat(from))) ||
            (a.dtype == DType::I32 && (from == DType::I64 || from == DType::I8)) ||
            (a.dtype == DType::I8 && (from == DType::Bool || from == DType::U8));
  if (!ok)
    return rt::invalidArgument("'" + a.name + "' must be " + rt::dtypeName(a.dtype) + ", but " + path +
                               " holds " + t->view().describe());
  auto out = rt::HostTensor::allocate(a.dtype, t->shape());
  if (!out.ok())
    return out.status();
  for (int64_t i = 0; i < t->numElements(); ++i)
    rt::storeFromDouble(a.dtype, out->data(), size_t(i), rt::loadAsDouble(from, t->data(), size_t(i)));
  return out;
}

/// Valid random data for argument `a` of shape `shape`.
rt::Result<rt::HostTensor> randomInput(const Argument &a, const std::vector<int64_t> &shape,
                                       std::mt19937_64 &rng) {
  auto t = rt::HostTensor::allocate(a.dtype, shape);
  if (!t.ok())
    return t.status();
  int64_t n = t->numElements();
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  if (isFloat(a.dtype)) {
    std::normal_distribution<double> normal(0.0, 1.0);
    for (int64_t i = 0; i < n; ++i)
      rt::storeFromDouble(a.dtype, t->data(), size_t(i), normal(rng));
    return t;
  }
  if (a.name == "kv_lengths" || a.name == "prefix_lengths") {
    std::fill_n(t->dataAs<int32_t>(), n, 0); // fillLengths sets them
    return t;
  }
  if (a.name == "q_segments" || a.name == "kv_segments") {
    // Non-decreasing document ids starting at 0 in every row, documents of
    // random length (some of length 1).
    int64_t rows = shape[0], len = shape[1];
    for (int64_t b = 0; b < rows; ++b) {
      int32_t doc = 0;
      for (int64_t i = 0; i < len; ++i) {
        if (i > 0 && uniform(0, 15) == 0)
          ++doc;
        t->dataAs<int32_t>()[b * len + i] = doc;
      }
    }
    return t;
  }
  // Boolean data (adjacency, block_layout, mask): random with every
  // seventh row empty (fully masked rows must give 0).
  int64_t last = shape.back();
  for (int64_t i = 0; i < n; ++i) {
    int64_t row = i / std::max<int64_t>(last, 1);
    t->dataAs<int8_t>()[i] = row % 7 == 3 ? 0 : int8_t(uniform(0, 2) == 0);
  }
  return t;
}

/// Lengths need the length they index: kv_lengths in [0, Lk],
/// prefix_lengths in [0, Lq].
void fillLengths(rt::HostTensor &t, int64_t maxLen, std::mt19937_64 &rng) {
  for (int64_t b = 0; b < t.numElements(); ++b)
    t.dataAs<int32_t>()[b] = int32_t(
        b == 0 ? maxLen : std::uniform_int_distribution<int64_t>(0, maxLen)(rng));
}

std::string formatShape(const std::vector<int64_t> &s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i)
    out += (i ? "x" : "") + std::to_string(s[i]);
  return out;
}

} // namespace

int attnc::runKernelRunCommand(int argc, char **argv) {
  namespace cl = llvm::cl;
  cl::OptionCategory category("attnc run (kernel) options");
  cl::opt<std::string> input(cl::Positional, cl::desc("<kernel.attn>"), cl::Required, cl::cat(category));
  cl::opt<std::string> kernelName("kernel", cl::desc("Kernel to run when the file defines several"),
                                  cl::value_desc("name"), cl::cat(category));
  cl::list<std::string> inputs("input", cl::desc("Bind an input: NAME=file.npy"), cl::value_desc("name=path"),
                               cl::cat(category));
  cl::list<std::string> outputs("output", cl::desc("Write the output: out=file.npy"),
                                cl::value_desc("name=path"), cl::cat(category));
  cl::opt<bool> random("random", cl::desc("Fill inputs not given with --input with random valid data"),
                       cl::cat(category));
  cl::opt<uint64_t> seed("seed", cl::desc("Seed of --random (default 0)"), cl::init(0), cl::cat(category));
  cl::list<std::string> dims("dim", cl::desc("Size of a symbolic dimension for --random: L=100 (repeatable, "
                                             "or comma-separated)"),
                             cl::value_desc("name=size"), cl::CommaSeparated, cl::cat(category));
  cl::opt<unsigned> threads("num-threads",
                            cl::desc("Threads, also --threads (default: ATTNC_NUM_THREADS or all cores)"),
                            cl::init(0), cl::cat(category));
  cl::opt<bool> timing("timing", cl::desc("Print compile (per phase) and run times"), cl::cat(category));
  cl::opt<unsigned> repeat("repeat", cl::desc("Run the kernel N times (timing reports the best)"),
                           cl::init(1), cl::cat(category));
  cl::opt<std::string> cacheDir("cache-dir", cl::desc("Kernel cache directory (default: ATTNC_CACHE_DIR or "
                                                      "~/.cache/attnc)"),
                                cl::cat(category));
  cl::opt<bool> noDiskCache("no-disk-cache", cl::desc("Do not read or write the disk cache"), cl::cat(category));
  cl::opt<bool> list("list", cl::desc("Print the kernel's arguments and exit"), cl::cat(category));
  cl::opt<bool> quiet("quiet", cl::desc("Print nothing but errors and --timing"), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  // libLLVM already owns a global `-threads` option, so `--threads` is
  // accepted by renaming it to `--num-threads` (the model runner's name).
  std::vector<std::string> argStorage(argv, argv + argc);
  for (std::string &a : argStorage) {
    llvm::StringRef s(a);
    if (s == "-threads" || s == "--threads" || s.starts_with("-threads=") || s.starts_with("--threads="))
      a = "--num-" + s.ltrim('-').str();
  }
  std::vector<char *> args2;
  for (std::string &a : argStorage)
    args2.push_back(a.data());
  argc = int(args2.size());
  argv = args2.data();
  cl::ParseCommandLineOptions(argc, argv,
                              "attnc run: compile an attention kernel spec and run it on the CPU\n\n"
                              "  attnc run kernel.attn --input q=q.npy --input k=k.npy --input v=v.npy "
                              "--output out=out.npy\n"
                              "  attnc run kernel.attn --random --seed 1 --dim B=2,L=1000 --timing\n");

  Options options;
  options.cacheDir = cacheDir;
  options.diskCache = !noDiskCache;
  options.threads = threads;
  llvm::Expected<Kernel> kernel = compileFile(input, options, kernelName);
  if (!kernel)
    return fail(llvm::toString(kernel.takeError()));
  llvm::ArrayRef<Argument> args = kernel->arguments();

  if (list) {
    for (const Argument &a : args) {
      llvm::outs() << (a.isOutput ? "output " : "input  ") << a.name << " [";
      for (size_t i = 0; i < a.shape.size(); ++i)
        llvm::outs() << (i ? ", " : "")
                     << (!a.dims[i].empty() ? a.dims[i] : a.shape[i] < 0 ? "?" : std::to_string(a.shape[i]));
      llvm::outs() << "] " << rt::dtypeName(a.dtype) << "\n";
    }
    return 0;
  }

  for (const std::string &spec : outputs) {
    auto [name, path] = llvm::StringRef(spec).split('=');
    const Argument *a = kernel->argument(name);
    if (!a || !a->isOutput)
      return fail("kernel '" + kernel->name() + "' has no output '" + name + "' (it has: out)");
    if (path.empty())
      return fail("--output expects out=file.npy, got '" + spec + "'");
  }

  // Inputs from files.
  std::map<std::string, rt::HostTensor> tensors;
  for (const std::string &spec : inputs) {
    auto [name, path] = llvm::StringRef(spec).split('=');
    if (path.empty())
      return fail("--input expects NAME=file.npy, got '" + spec + "'");
    const Argument *a = kernel->argument(name);
    if (!a || a->isOutput) {
      std::string names;
      for (const Argument &x : args)
        if (!x.isOutput)
          names += (names.empty() ? "" : ", ") + x.name;
      return fail("kernel '" + kernel->name() + "' has no input '" + name + "' (inputs: " + names + ")");
    }
    if (tensors.count(name.str()))
      return fail("input '" + name + "' is given twice");
    auto t = readInput(path.str(), *a);
    if (!t.ok())
      return fail(t.status().message());
    tensors.emplace(name.str(), t.take());
  }

  // Symbolic sizes: from the inputs given, then --dim, then defaults.
  std::map<std::string, int64_t> sizes;
  for (const Argument &a : args)
    if (auto it = tensors.find(a.name); it != tensors.end())
      for (size_t d = 0; d < a.dims.size() && d < size_t(it->second.rank()); ++d)
        if (!a.dims[d].empty())
          sizes.emplace(a.dims[d], it->second.shape()[d]);
  for (const std::string &spec : dims) {
    auto [name, value] = llvm::StringRef(spec).split('=');
    int64_t v;
    if (value.getAsInteger(10, v) || v < 0)
      return fail("--dim expects NAME=SIZE, got '" + spec + "'");
    bool known = false;
    for (const Argument &a : args)
      known = known || llvm::is_contained(a.dims, name.str());
    if (!known)
      return fail("kernel '" + kernel->name() + "' has no symbolic dimension '" + name + "'");
    auto [it, inserted] = sizes.emplace(name.str(), v);
    if (!inserted && it->second != v)
      return fail("--dim " + spec + " disagrees with the inputs given (" + name + " = " +
                  std::to_string(it->second) + ")");
  }

  // Random inputs (in argument order, so a seed always gives the same data).
  std::mt19937_64 rng(seed);
  auto shapeOf = [&](const Argument &a) {
    std::vector<int64_t> s(a.shape);
    for (size_t d = 0; d < s.size(); ++d)
      if (!a.dims[d].empty())
        s[d] = sizes.emplace(a.dims[d], d == 0 ? 1 : 128).first->second;
    return s;
  };
  auto dimOf = [&](llvm::StringRef arg, int d) -> int64_t {
    auto it = tensors.find(arg.str());
    return it != tensors.end() && d < it->second.rank() ? it->second.shape()[d] : -1;
  };
  for (const Argument &a : args) {
    if (a.isOutput || tensors.count(a.name))
      continue;
    if (!random)
      return fail("missing input '" + a.name + "' of kernel '" + kernel->name() +
                  "': give --input " + a.name + "=file.npy or --random");
    std::vector<int64_t> shape = shapeOf(a);
    // Layout-derived sizes the spec does not name.
    int64_t B = dimOf("q", 0), Hq = dimOf("q", 1), Lq = dimOf("q", 2), Lk = dimOf("k", 2);
    if (a.name == "block_layout" && shape.size() == 3 && a.blockSize > 0) {
      int64_t blk = a.blockSize;
      shape = {a.shape[0] >= 0 ? a.shape[0] : Hq, (Lq + blk - 1) / blk, (Lk + blk - 1) / blk};
    }
    if ((a.name == "mask" || a.name == "bias") && shape.size() == 4)
      shape = {B, Hq, Lq, Lk};
    for (int64_t s : shape)
      if (s < 0)
        return fail("cannot size random input '" + a.name + "'; give it with --input");
    auto t = randomInput(a, shape, rng);
    if (!t.ok())
      return fail(t.status().message());
    if (a.name == "kv_lengths")
      fillLengths(*t, Lk, rng);
    if (a.name == "prefix_lengths")
      fillLengths(*t, Lq, rng);
    tensors.emplace(a.name, t.take());
  }
  if (random && !quiet) {
    std::string s;
    for (auto &[name, v] : sizes)
      s += (s.empty() ? "" : ", ") + name + "=" + std::to_string(v);
    if (!s.empty())
      llvm::errs() << "attnc run: random inputs (seed " << seed << ") with " << s << "\n";
  }

  // The output, poisoned.
  std::vector<Binding> bindings;
  for (auto &[name, t] : tensors)
    bindings.push_back({name, t.view()});
  auto outShape = kernel->outputShape(bindings);
  if (!outShape)
    return fail(llvm::toString(outShape.takeError()));
  const Argument *outArg = nullptr;
  for (const Argument &a : args)
    if (a.isOutput)
      outArg = &a;
  auto out = rt::HostTensor::allocate(outArg->dtype, *outShape);
  if (!out.ok())
    return fail(out.status().message());
  for (int64_t i = 0; i < out->numElements(); ++i)
    rt::storeFromDouble(out->dtype(), out->data(), size_t(i), std::numeric_limits<double>::quiet_NaN());
  bindings.push_back({outArg->name, out->view()});

  double best = std::numeric_limits<double>::infinity();
  for (unsigned r = 0; r < std::max(1u, unsigned(repeat)); ++r) {
    auto t0 = std::chrono::steady_clock::now();
    if (llvm::Error e = kernel->run(bindings))
      return fail(llvm::toString(std::move(e)));
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }

  for (const std::string &spec : outputs) {
    auto [name, path] = llvm::StringRef(spec).split('=');
    rt::Status st = rt::writeNpy(path.str(), out->view());
    if (!st.ok())
      return fail(st.message());
  }

  if (!quiet) {
    double maxAbs = 0, sum = 0;
    int64_t nan = 0, n = out->numElements();
    for (int64_t i = 0; i < n; ++i) {
      double x = rt::loadAsDouble(out->dtype(), out->data(), size_t(i));
      if (std::isnan(x)) {
        ++nan;
        continue;
      }
      maxAbs = std::max(maxAbs, std::fabs(x));
      sum += x;
    }
    llvm::outs() << outArg->name << ": " << out->view().describe()
                 << llvm::format(" max|x| %.6g mean %.6g", maxAbs, n ? sum / double(n) : 0.0);
    if (nan)
      llvm::outs() << " NaN " << nan;
    llvm::outs() << "\n";
  }
  if (timing) {
    const CompileStats &s = kernel->stats();
    llvm::errs() << llvm::format("compile: %.2f ms (%s): frontend+fusion %.2f ms, passes %.2f ms, "
                                 "LLVM codegen %.2f ms, cache+JIT load %.2f ms\n",
                                 s.total, s.cacheHit ? "cache hit" : "compiled", s.frontend, s.passes, s.codegen,
                                 s.load)
                 << llvm::format("run: %.3f ms (best of %u), output %s\n", best, unsigned(repeat),
                                 formatShape(*outShape).c_str());
  }
  return 0;
}
