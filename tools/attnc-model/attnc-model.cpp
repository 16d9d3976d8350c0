//===- attnc-model.cpp - Run a saved model plan without LLVM --------------===//
//
// The ahead-of-time half of running models: `attnc run model.attn
// --save-plan model.plan` compiles once (with LLVM); this tool, built only
// from the runtime, loads the plan and the weights and runs or generates.
// A process that never loads LLVM/MLIR holds little more than the weights
// (memory-mapped), the KV cache and one layer's activations. Attention runs
// on the kernels the compiler saved next to the plan (PLAN.kernels.so and
// PLAN.kernels.json, runtime/model/AotKernels.h) when they are there and
// this CPU can run them; otherwise, or with --no-aot-kernels, on the
// runtime's own kernels (runtime/model/Attention.h). A saved kernel
// library that cannot be used is a warning, not an error: the results are
// the same, only slower.
//
//   attnc-model model.plan --weights w.safetensors --tokens 1,2,3 [--generate N]
//
//===----------------------------------------------------------------------===//
#include "runtime/core/File.h"
#include "runtime/core/Npy.h"
#include "runtime/cpu/ThreadPool.h"
#include "runtime/model/AotKernels.h"
#include "runtime/model/Driver.h"
#include "runtime/model/Executor.h"
#include "runtime/model/Kernels.h"
#include "runtime/model/Plan.h"
#include "runtime/model/WeightFile.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <sys/stat.h>

using namespace attnc::rt;
using namespace attnc::rt::model;

namespace {

const char *kUsage =
    "usage: attnc-model PLAN --weights W.safetensors (--tokens 1,2;3,4 | --prompt TEXT |\n"
    "                    --tokens-npy F.npy) [--input NAME=F.npy]... [--generate N]\n"
    "                    [--top-k K] [--temperature T] [--seed S] [--eos ID] [--no-kv-cache]\n"
    "                    [--output NAME=F.npy]... [--num-threads N] [--quiet] [--timings]\n"
    "                    [--no-aot-kernels]\n"
    "Runs a plan saved by `attnc run MODEL --save-plan PLAN`.\n";

int fail(const std::string &msg) {
  std::cerr << "attnc-model: " << msg << "\n";
  return 1;
}

bool parseInt(const std::string &s, int64_t &v) {
  char *end = nullptr;
  v = std::strtoll(s.c_str(), &end, 10);
  return !s.empty() && *end == '\0';
}

/// Installs the plan's saved kernels when it has them and they load;
/// returns what attention runs on, for --timings.
std::string installAotKernels(Model &model, const std::string &planPath, bool disabled) {
  const char *fallback = "the runtime's attention kernel";
  size_t named = 0;
  for (const Step &s : model.plan().steps)
    named += s.kind == StepKind::Attention && !s.kernel.empty();
  if (named == 0)
    return std::string(fallback) + " (the plan names no compiled kernels)";
  if (disabled)
    return std::string(fallback) + " (--no-aot-kernels)";
  std::string lib = aotLibraryPath(planPath), manifest = aotManifestPath(planPath);
  struct stat sb;
  if (::stat(lib.c_str(), &sb) != 0)
    return std::string(fallback) + " (no " + lib + ")";
  Result<AotKernels> aot = loadAotKernels(model.plan(), lib, manifest);
  if (!aot.ok()) {
    std::cerr << "attnc-model: warning: not using the saved kernels: " << aot.status().message()
              << "; attention runs on the runtime's kernel\n";
    return std::string(fallback) + " (the saved kernels did not load)";
  }
  aot->install(model);
  return aot->description;
}

} // namespace

int main(int argc, char **argv) {
  std::string planPath, weightsPath, tokens, prompt, tokensNpy;
  RunRequest req;
  std::vector<HostTensor> owned;
  int64_t threads = 0;
  bool noAot = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string val;
    auto value = [&](const char *flag) {
      std::string f = flag;
      if (a.rfind(f + "=", 0) == 0) {
        val = a.substr(f.size() + 1);
        return true;
      }
      if (a == f && i + 1 < argc) {
        val = argv[++i];
        return true;
      }
      return false;
    };
    int64_t n;
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (value("--weights")) {
      weightsPath = val;
    } else if (value("--tokens")) {
      tokens = val;
    } else if (value("--prompt")) {
      prompt = val;
    } else if (value("--tokens-npy")) {
      tokensNpy = val;
    } else if (value("--input") || value("--output")) {
      size_t eq = val.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == val.size())
        return fail(a + " expects NAME=FILE.npy, got '" + val + "'");
      if (a.rfind("--output", 0) == 0) {
        req.saveOutputs.emplace_back(val.substr(0, eq), val.substr(eq + 1));
        continue;
      }
      Result<HostTensor> t = readNpy(val.substr(eq + 1));
      if (!t.ok())
        return fail(t.status().message());
      req.inputs.emplace_back(val.substr(0, eq), t->view());
      owned.push_back(t.take());
    } else if (value("--generate") && parseInt(val, n) && n >= 0) {
      req.generate = n;
    } else if (value("--top-k") && parseInt(val, n)) {
      req.sampling.topK = n;
    } else if (value("--seed") && parseInt(val, n)) {
      req.sampling.seed = uint64_t(n);
    } else if (value("--eos") && parseInt(val, n)) {
      req.sampling.eosToken = n;
    } else if (value("--num-threads") && parseInt(val, n) && n > 0) {
      threads = n;
    } else if (value("--temperature")) {
      req.sampling.temperature = std::strtof(val.c_str(), nullptr);
    } else if (a == "--no-aot-kernels") {
      noAot = true;
    } else if (a == "--no-kv-cache") {
      req.sampling.forceNoCache = true;
    } else if (a == "--quiet") {
      req.quiet = true;
    } else if (a == "--timings") {
      req.timings = true;
    } else if (!a.empty() && a[0] != '-' && planPath.empty()) {
      planPath = a;
    } else {
      return fail("unknown or malformed argument '" + a + "'\n" + kUsage);
    }
  }
  if (planPath.empty() || weightsPath.empty())
    return fail(std::string("a plan and --weights are required\n") + kUsage);
  if (threads)
    setenv("ATTNC_NUM_THREADS", std::to_string(threads).c_str(), 1);
  ThreadPool &pool = ThreadPool::global();
  setBlasThreads(int(pool.numThreads()));

  if (Status st = collectPrompts(tokens, prompt, tokensNpy, req.sequences); !st.ok())
    return fail(st.message());

  auto t0 = std::chrono::steady_clock::now();
  Result<std::vector<uint8_t>> text = readFile(planPath);
  if (!text.ok())
    return fail(text.status().message());
  Result<Plan> plan = parsePlan(std::string(text->begin(), text->end()), planPath);
  if (!plan.ok())
    return fail(plan.status().message());
  Result<std::shared_ptr<WeightSource>> weights = openWeightFile(weightsPath);
  if (!weights.ok())
    return fail(weights.status().message());
  Result<std::shared_ptr<Model>> model = Model::load(plan.take(), weights.take());
  if (!model.ok())
    return fail(model.status().message());
  std::string attention = installAotKernels(**model, planPath, noAot);
  auto t1 = std::chrono::steady_clock::now();
  if (req.timings)
    std::cerr << "load " << std::chrono::duration<double>(t1 - t0).count() << " s\n"
              << "attention: " << attention << "\n";
  Status st = runRequest(*model, req, pool, std::cout, std::cerr);
  std::cout.flush();
  if (!st.ok())
    return fail(st.message());
  return 0;
}
