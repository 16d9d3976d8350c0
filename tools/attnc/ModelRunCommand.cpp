//===- ModelRunCommand.cpp - attnc run for whole models -------------------===//
//
// `attnc run model.attn --weights w.safetensors --tokens 1,2,3` compiles the
// model (fusion, plan, JIT attention kernels), binds the weights, runs one
// forward pass and prints what a person wants to see: the output's shape
// and the top next tokens per sequence (or statistics of a hidden state).
// `--generate N` decodes greedily (or samples with --top-k/--temperature)
// with a KV cache. Tensors can be saved with `--output logits=out.npy`.
//
// Token input: `--tokens 1,2,3;4,5` (sequences separated by ';', padded
// with 0 and given as `lengths` when the model has that input), `--prompt
// TEXT` (UTF-8 bytes, for byte-vocabulary models), `--tokens-npy f.npy`,
// or any input by name with `--input NAME=1,2,3` / `--input NAME=f.npy`.
//
//===----------------------------------------------------------------------===//
#include "tools/attnc/Commands.h"
#include "tools/attnc/ModelSupport.h"

#include "compiler/Plan/AotKernelWriter.h"
#include "compiler/Plan/ModelCompiler.h"
#include "compiler/Plan/PlanBuilder.h"
#include "runtime/core/File.h"
#include "runtime/core/Npy.h"
#include "runtime/cpu/ThreadPool.h"
#include "runtime/model/Executor.h"
#include "runtime/model/Driver.h"
#include "runtime/model/Kernels.h"
#include "runtime/model/WeightFile.h"
#include "compiler/API/HFWeights.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>

using namespace mlir;
namespace rtm = attnc::rt::model;

namespace {

int fail(const std::string &msg) {
  llvm::errs() << "attnc run: " << msg << "\n";
  return 1;
}

} // namespace

int attnc::runModelRun(int argc, char **argv) {
  namespace cl = llvm::cl;
  cl::OptionCategory category("attnc run options (models)");
  cl::opt<std::string> input(cl::Positional, cl::desc("<model.attn | model.mlir>"), cl::Required,
                             cl::cat(category));
  cl::opt<std::string> weightsPath("weights", cl::desc("Weight file (.safetensors)"),
                                   cl::value_desc("file"), cl::cat(category));
  cl::opt<std::string> hfNames("hf-names",
                               cl::desc("The weight file uses Hugging Face names of this "
                                        "architecture (gpt2, bert, llama, mistral, t5)"),
                               cl::value_desc("arch"), cl::cat(category));
  cl::opt<std::string> tokens("tokens", cl::desc("Token ids: 1,2,3 or several sequences 1,2;3,4,5"),
                              cl::cat(category));
  cl::opt<std::string> prompt("prompt", cl::desc("Text whose UTF-8 bytes are the tokens"),
                              cl::cat(category));
  cl::opt<std::string> tokensNpy("tokens-npy", cl::desc("Token ids from a .npy file ([B, L] or [L])"),
                                 cl::value_desc("file"), cl::cat(category));
  cl::list<std::string> inputs("input", cl::desc("A model input: NAME=1,2,3 or NAME=file.npy"),
                               cl::value_desc("name=value"), cl::cat(category));
  cl::list<std::string> outputs("output", cl::desc("Save a result: NAME=file.npy"),
                                cl::value_desc("name=file"), cl::cat(category));
  cl::opt<int64_t> generate("generate", cl::desc("Generate N tokens (decoders)"), cl::init(0),
                            cl::cat(category));
  cl::opt<int64_t> topK("top-k", cl::desc("Sample from the K most likely tokens (1: greedy)"),
                        cl::init(1), cl::cat(category));
  cl::opt<float> temperature("temperature", cl::desc("Sampling temperature"), cl::init(1.0f),
                             cl::cat(category));
  cl::opt<uint64_t> seed("seed", cl::desc("Sampling seed"), cl::init(0), cl::cat(category));
  cl::opt<int64_t> eos("eos", cl::desc("Stop a sequence after this token"), cl::init(-1),
                       cl::cat(category));
  cl::opt<int64_t> showTop("show-top", cl::desc("Tokens listed per sequence"), cl::init(5),
                           cl::cat(category));
  cl::opt<bool> noJit("no-jit", cl::desc("Run attention on the runtime's kernels, not JIT kernels"),
                      cl::cat(category));
  cl::opt<bool> noFuse("no-fuse", cl::desc("Do not fuse attention chains"), cl::cat(category));
  cl::opt<bool> noCache("no-kv-cache", cl::desc("Generate by re-running the whole sequence"),
                        cl::cat(category));
  cl::opt<bool> emitPlan("emit-plan", cl::desc("Print the execution plan and exit"),
                         cl::cat(category));
  cl::opt<std::string> savePlan("save-plan",
                                cl::desc("Write the execution plan to FILE (run it with the "
                                         "LLVM-free attnc-model) and exit"),
                                cl::value_desc("file"), cl::cat(category));
  cl::opt<bool> stats("timings", cl::desc("Print timings and memory"), cl::cat(category));
  cl::opt<bool> quiet("quiet", cl::desc("Print only generated tokens"), cl::cat(category));
  cl::opt<unsigned> threads("num-threads", cl::desc("Threads (default: ATTNC_NUM_THREADS or all cores)"),
                            cl::init(0), cl::cat(category));
  cl::list<std::string> overrides("override",
                                  cl::desc("Replace a setting of the spec: KEY=VALUE (e.g. layers=2)"),
                                  cl::value_desc("key=value"), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "attnc run: run a model on the CPU\n\n"
                              "  attnc run model.attn --weights w.safetensors --tokens 1,2,3 [--generate 16]\n");
  if (threads)
    setenv("ATTNC_NUM_THREADS", std::to_string(threads).c_str(), 1);
  rt::ThreadPool &pool = rt::ThreadPool::global();
  rtm::setBlasThreads(int(pool.numThreads()));
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();

  MLIRContext ctx;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &ctx);
  OwningOpRef<ModuleOp> module = loadModelModule(input, ctx, sourceMgr, overrides);
  if (!module)
    return 1;
  if (!hasModelFunction(*module))
    return fail("'" + input + "' defines no model (no @forward function); kernel specs are run "
                "with 'attnc run' on a spec that has a kernel block");
  ModelCompileOptions copts;
  copts.fuse = !noFuse;
  // A saved plan carries the JIT's kernels (AotKernelWriter.h).
  copts.jit = !noJit && !emitPlan;
  if (const char *dir = std::getenv("ATTNC_CACHE_DIR"))
    copts.cacheDir = dir;
  llvm::Expected<CompiledModel> compiled = compileModel(*module, copts);
  if (!compiled)
    return fail(llvm::toString(compiled.takeError()));
  if (emitPlan) {
    llvm::outs() << rtm::printPlan(compiled->plan);
    return 0;
  }
  if (!savePlan.empty()) {
    if (llvm::Error e = writeAotKernels(*compiled, savePlan))
      return fail(llvm::toString(std::move(e)));
    std::string text = rtm::printPlan(compiled->plan);
    rt::Status st = rt::writeFileAtomic(savePlan, {{text.data(), text.size()}});
    if (!st.ok())
      return fail(st.message());
    for (const std::string &n : compiled->notes)
      llvm::errs() << "note: " << n << "\n";
    return 0;
  }
  auto t1 = Clock::now();
  if (weightsPath.empty())
    return fail("--weights is required (write random ones with 'attnc weights " + input +
                " -o w.safetensors')");
  std::shared_ptr<rtm::WeightSource> weights;
  if (!hfNames.empty()) {
    llvm::Expected<std::shared_ptr<rtm::WeightSource>> mapped =
        mapHFWeightFile(weightsPath, hfNames, compiled->plan);
    if (!mapped)
      return fail(llvm::toString(mapped.takeError()));
    weights = *mapped;
  } else {
    rt::Result<std::shared_ptr<rtm::WeightSource>> w = rtm::openWeightFile(weightsPath);
    if (!w.ok())
      return fail(w.status().message());
    weights = w.take();
  }
  rt::Result<std::shared_ptr<rtm::Model>> model = rtm::Model::load(compiled->plan, weights);
  if (!model.ok())
    return fail(model.status().message());
  compiled->installKernels(**model);
  auto t2 = Clock::now();
  if (stats)
    for (const std::string &n : compiled->notes)
      llvm::errs() << "note: " << n << "\n";

  rtm::RunRequest req;
  std::vector<rt::HostTensor> owned;
  std::string err;
  if (rt::Status st = rtm::collectPrompts(tokens, prompt, tokensNpy, req.sequences); !st.ok())
    return fail(st.message());
  std::string stream = rtm::tokenInputName(**model);
  for (const std::string &spec : inputs) {
    auto [name, value] = llvm::StringRef(spec).split('=');
    if (name.empty() || value.empty())
      return fail("--input expects NAME=VALUE, got '" + spec + "'");
    rt::Result<rt::HostTensor> t = rt::Status(rt::StatusCode::Internal, "unset");
    if (value.ends_with(".npy")) {
      t = rt::readNpy(value.str());
    } else {
      std::vector<std::vector<int32_t>> vals;
      if (!rtm::parseTokenLists(value.str(), vals, err))
        return fail("--input " + name.str() + ": " + err);
      bool is2d = name.ends_with("tokens") || vals.size() > 1;
      int64_t l = int64_t(vals[0].size());
      for (auto &v : vals)
        if (int64_t(v.size()) != l)
          return fail("--input " + name.str() + ": rows differ in length");
      std::vector<int64_t> shape = is2d ? std::vector<int64_t>{int64_t(vals.size()), l}
                                        : std::vector<int64_t>{l};
      t = rt::HostTensor::allocate(rt::DType::I32, shape);
      if (t.ok())
        for (size_t r = 0; r < vals.size(); ++r)
          std::copy(vals[r].begin(), vals[r].end(), t->dataAs<int32_t>() + r * l);
    }
    if (!t.ok())
      return fail(t.status().message());
    if (name == stream && req.sequences.empty() && t->rank() == 2 &&
        !rt::isFloatingPoint(t->dtype())) {
      // The token input given by name still defines the prompts.
      int64_t b = t->view().dim(0), l = t->view().dim(1);
      for (int64_t bi = 0; bi < b; ++bi) {
        std::vector<int32_t> row;
        for (int64_t i = 0; i < l; ++i)
          row.push_back(int32_t(rt::loadAsDouble(t->dtype(), t->data(), size_t(bi * l + i))));
        req.sequences.push_back(row);
      }
      continue;
    }
    req.inputs.emplace_back(name.str(), t->view());
    owned.push_back(t.take());
  }
  for (const std::string &spec : outputs) {
    auto [name, path] = llvm::StringRef(spec).split('=');
    if (name.empty() || path.empty())
      return fail("--output expects NAME=file.npy, got '" + spec + "'");
    req.saveOutputs.emplace_back(name.str(), path.str());
  }
  req.generate = generate;
  req.sampling.topK = topK;
  req.sampling.temperature = temperature;
  req.sampling.seed = seed;
  req.sampling.eosToken = eos;
  req.sampling.forceNoCache = noCache;
  req.showTop = showTop;
  req.quiet = quiet;
  req.timings = stats;
  if (stats)
    std::cerr << llvm::formatv("compile {0:f3} s, load {1:f3} s\n",
                               std::chrono::duration<double>(t1 - t0).count(),
                               std::chrono::duration<double>(t2 - t1).count())
                     .str();
  rt::Status st = rtm::runRequest(*model, req, pool, std::cout, std::cerr);
  std::cout.flush();
  if (!st.ok())
    return fail(st.message());
  return 0;
}

int attnc::runRunCommand(int argc, char **argv) {
  // Models go to the model executor; kernel-only specs to the CPU back
  // end's kernel runner when this build has one. A cheap look at the text
  // decides (the chosen command reports any real error properly).
  const char *file = nullptr;
  for (int i = 1; i < argc && !file; ++i)
    if (argv[i][0] != '-')
      file = argv[i];
  if (file && runKernelRunCommand) {
    auto buf = llvm::MemoryBuffer::getFile(file);
    if (buf) {
      llvm::StringRef text = (*buf)->getBuffer();
      bool isModel = false;
      if (llvm::StringRef(file).ends_with(".mlir")) {
        isModel = text.contains("@forward");
      } else {
        llvm::SmallVector<llvm::StringRef> lines;
        text.split(lines, '\n');
        for (llvm::StringRef l : lines)
          isModel = isModel || l.ltrim().starts_with("model ");
      }
      if (!isModel)
        return runKernelRunCommand(argc, argv);
    }
  }
  return runModelRun(argc, argv);
}
