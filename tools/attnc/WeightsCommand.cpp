//===- WeightsCommand.cpp - attnc weights: initialise a weight file -------===//
//
// `attnc weights SPEC --init random --seed S -o w.safetensors` writes every
// tensor the model's attn.weight ops name, so demos and tests run without
// downloads. Initialisation follows what the consumer of a weight is, read
// from the IR rather than guessed from its name: norm gains 1, norm and
// linear biases 0, T5 relative biases and everything else N(0, std) with
// std = 0.02 (GPT-2/BERT's initializer_range). Each tensor has its own
// random stream, seeded from (seed, name), and uses our own Box-Muller
// transform, so a file is bit-identical on every machine and adding a
// layer does not change the weights of the others.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/Commands.h"
#include "tools/attnc/ModelSupport.h"

#include "compiler/Plan/PlanBuilder.h"
#include "dialects/Attn/IR/AttnOps.h"
#include "runtime/core/Tensor.h"
#include "runtime/weights/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <cmath>
#include <map>

using namespace mlir;

namespace {

enum class Init { Random, Zeros };
enum class Role { Matrix, Gain, Bias };

/// splitmix64: a tiny, portable generator (std::normal_distribution is
/// implementation-defined, so it would make files differ between libraries).
struct SplitMix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return double((next() >> 11) + 1) * 0x1.0p-53; } // (0, 1]
  double normal() {
    double u = uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
};

Role roleOf(attn::WeightOp w) {
  for (OpOperand &use : w.getResult().getUses()) {
    Operation *user = use.getOwner();
    unsigned idx = use.getOperandNumber();
    if (isa<attn::LayerNormOp, attn::RMSNormOp>(user))
      return idx == 1 ? Role::Gain : Role::Bias;
    if (isa<attn::LinearOp>(user) && idx == 2)
      return Role::Bias;
  }
  return Role::Matrix;
}

} // namespace

int attnc::runWeightsCommand(int argc, char **argv) {
  namespace cl = llvm::cl;
  cl::OptionCategory category("attnc weights options");
  cl::opt<std::string> input(cl::Positional, cl::desc("<model.attn | model.mlir>"), cl::Required,
                             cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("Output weight file (.safetensors)"),
                              cl::value_desc("file"), cl::Required, cl::cat(category));
  cl::opt<Init> init("init", cl::desc("How to initialise the weights"), cl::init(Init::Random),
                     cl::values(clEnumValN(Init::Random, "random",
                                           "N(0, std) matrices, norm gains 1, biases 0"),
                                clEnumValN(Init::Zeros, "zeros", "all zeros, norm gains 1")),
                     cl::cat(category));
  cl::opt<uint64_t> seed("seed", cl::desc("Random seed"), cl::init(0), cl::cat(category));
  cl::opt<double> stddev("std", cl::desc("Standard deviation of random matrices"), cl::init(0.02),
                         cl::cat(category));
  cl::list<std::string> overrides("override",
                                  cl::desc("Replace a setting of the spec: KEY=VALUE (e.g. layers=2)"),
                                  cl::value_desc("key=value"), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "attnc weights: write a weight file for a model spec\n\n"
                              "  attnc weights model.attn --init random --seed 0 -o w.safetensors\n");
  if (!(stddev >= 0) || !std::isfinite(stddev)) {
    llvm::errs() << "attnc weights: --std must be a non-negative number\n";
    return 1;
  }

  MLIRContext ctx;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &ctx);
  OwningOpRef<ModuleOp> module = loadModelModule(input, ctx, sourceMgr, overrides);
  if (!module)
    return 1;
  func::FuncOp fn = findModelFunction(*module);
  if (!fn)
    return 1;

  std::vector<std::pair<std::string, rt::HostTensor>> tensors;
  llvm::StringMap<bool> seen;
  int64_t params = 0;
  bool failedAlloc = false;
  fn.walk([&](attn::WeightOp w) {
    if (failedAlloc || seen.count(w.getName()))
      return;
    seen[w.getName()] = true;
    auto type = cast<RankedTensorType>(w.getType());
    std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
    rt::Result<rt::HostTensor> t = rt::HostTensor::allocate(rt::DType::F32, shape);
    if (!t.ok()) {
      llvm::errs() << "attnc weights: " << t.status().message() << "\n";
      failedAlloc = true;
      return;
    }
    float *p = t->dataAs<float>();
    int64_t n = t->numElements();
    Role role = roleOf(w);
    SplitMix rng{seed ^ llvm::xxh3_64bits(w.getName())};
    for (int64_t i = 0; i < n; ++i) {
      if (role == Role::Gain)
        p[i] = 1.0f;
      else if (role == Role::Bias || init == Init::Zeros)
        p[i] = 0.0f;
      else
        p[i] = float(rng.normal() * stddev);
    }
    params += n;
    tensors.emplace_back(w.getName().str(), t.take());
  });
  if (failedAlloc)
    return 1;
  if (tensors.empty()) {
    llvm::errs() << "attnc weights: the model in '" << input << "' has no weights\n";
    return 1;
  }
  std::vector<std::pair<std::string, rt::TensorView>> views;
  for (auto &[name, t] : tensors)
    views.emplace_back(name, t.view());
  std::map<std::string, std::string> meta = {
      {"format", "pt"},
      {"attnc.init", init == Init::Random ? "random" : "zeros"},
      {"attnc.seed", std::to_string(seed)},
      {"attnc.std", std::to_string(stddev)},
      {"attnc.source", llvm::sys::path::filename(input).str()}};
  rt::Status st = rt::writeSafetensors(output, views, meta);
  if (!st.ok()) {
    llvm::errs() << "attnc weights: " << st.message() << "\n";
    return 1;
  }
  llvm::outs() << "wrote " << tensors.size() << " tensors (" << params << " parameters, "
               << llvm::format("%.1f", double(params) * 4 / (1 << 20)) << " MiB f32) to "
               << output << "\n";
  return 0;
}
