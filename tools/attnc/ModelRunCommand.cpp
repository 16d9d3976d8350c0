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

#include "compiler/Plan/ModelCompiler.h"
#include "compiler/Plan/PlanBuilder.h"
#include "runtime/core/Npy.h"
#include "runtime/cpu/ThreadPool.h"
#include "runtime/model/Executor.h"
#include "runtime/model/Kernels.h"
#include "runtime/model/WeightFile.h"
#include "tools/attnc/HFImport.h"

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

using namespace mlir;
namespace rtm = attnc::rt::model;

namespace {

int fail(const std::string &msg) {
  llvm::errs() << "attnc run: " << msg << "\n";
  return 1;
}

/// "1,2,3;4,5" -> {{1,2,3},{4,5}}.
bool parseTokenLists(llvm::StringRef text, std::vector<std::vector<int32_t>> &out,
                     std::string &err) {
  llvm::SmallVector<llvm::StringRef> seqs;
  text.split(seqs, ';', -1, /*KeepEmpty=*/true);
  for (llvm::StringRef s : seqs) {
    std::vector<int32_t> seq;
    llvm::SmallVector<llvm::StringRef> toks;
    s.trim().split(toks, ',', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef t : toks) {
      int64_t v;
      if (t.trim().getAsInteger(10, v) || v < INT32_MIN || v > INT32_MAX) {
        err = "'" + t.trim().str() + "' is not a token id (expected integers like 1,2,3;4,5)";
        return false;
      }
      seq.push_back(int32_t(v));
    }
    if (seq.empty()) {
      err = "empty token sequence in '" + text.str() + "'";
      return false;
    }
    out.push_back(std::move(seq));
  }
  return true;
}

std::string printable(const std::vector<int32_t> &toks) {
  std::string s;
  for (int32_t t : toks) {
    if (t >= 32 && t < 127)
      s += char(t);
    else if (t == '\n')
      s += "\\n";
    else
      s += llvm::formatv("\\x{0:x-2}", t).str();
  }
  return s;
}

std::string joinTokens(const std::vector<int32_t> &toks) {
  std::string s;
  for (size_t i = 0; i < toks.size(); ++i)
    s += (i ? " " : "") + std::to_string(toks[i]);
  return s;
}

void summarize(llvm::raw_ostream &os, const std::string &name, const attnc::rt::TensorView &t,
               const std::vector<int64_t> &lengths, int64_t topK) {
  os << name << ": " << t.describe() << "\n";
  if (t.dtype() != attnc::rt::DType::F32)
    return;
  bool logits = name == "logits" || name == "probs";
  if (logits && t.rank() == 3) {
    int64_t b = t.dim(0), l = t.dim(1), v = t.dim(2);
    for (int64_t bi = 0; bi < b; ++bi) {
      int64_t pos = bi < int64_t(lengths.size()) ? lengths[bi] - 1 : l - 1;
      const float *row = t.dataAs<float>() + (bi * l + pos) * v;
      std::vector<int32_t> idx(static_cast<size_t>(v));
      for (int64_t i = 0; i < v; ++i)
        idx[i] = int32_t(i);
      int64_t k = std::min(topK, v);
      std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                        [&](int32_t a, int32_t c) { return row[a] > row[c]; });
      os << "  sequence " << bi << ", next token after position " << pos << ":";
      for (int64_t i = 0; i < k; ++i)
        os << " " << idx[i] << " (" << llvm::format("%.4f", row[idx[i]]) << ")";
      os << "\n";
    }
    return;
  }
  double sum = 0, sq = 0, mn = INFINITY, mx = -INFINITY;
  int64_t n = t.numElements();
  for (int64_t i = 0; i < n; ++i) {
    double x = t.dataAs<float>()[i];
    sum += x, sq += x * x, mn = std::min(mn, x), mx = std::max(mx, x);
  }
  double mean = n ? sum / n : 0;
  os << llvm::format("  mean %.6f  std %.6f  min %.6f  max %.6f\n", mean,
                     n ? std::sqrt(std::max(0.0, sq / n - mean * mean)) : 0.0, mn, mx);
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

  // The token input: the generation stream, else `tokens`.
  const rtm::Plan &plan = (*model)->plan();
  std::string streamName;
  if ((*model)->streamInput() >= 0)
    streamName = plan.values[(*model)->streamInput()].name;
  for (int32_t id : plan.inputs)
    if (streamName.empty() && plan.values[id].dtype == rt::DType::I32 &&
        plan.values[id].shape.size() == 2)
      streamName = plan.values[id].name;
  std::string prefix = streamName.size() > 6 ? streamName.substr(0, streamName.size() - 6) : "";
  std::string lengthsName = prefix + "lengths";
  bool modelHasLengths = false;
  for (int32_t id : plan.inputs)
    modelHasLengths = modelHasLengths || plan.values[id].name == lengthsName;

  std::vector<rt::HostTensor> owned;
  std::vector<std::pair<std::string, rt::TensorView>> ins;
  std::vector<std::vector<int32_t>> seqs;
  std::string err;
  int sources = !tokens.empty() + !prompt.empty() + !tokensNpy.empty();
  if (sources > 1)
    return fail("give the tokens once: --tokens, --prompt or --tokens-npy");
  if (!tokens.empty() && !parseTokenLists(tokens, seqs, err))
    return fail(err);
  if (!prompt.empty())
    seqs.push_back(std::vector<int32_t>(prompt.begin(), prompt.end()));
  if (!tokensNpy.empty()) {
    rt::Result<rt::HostTensor> t = rt::readNpy(tokensNpy);
    if (!t.ok())
      return fail(t.status().message());
    if (t->rank() != 1 && t->rank() != 2)
      return fail("'" + tokensNpy + "' must hold [B, L] or [L] token ids, got " + t->view().describe());
    int64_t b = t->rank() == 2 ? t->view().dim(0) : 1, l = t->view().dim(t->rank() - 1);
    for (int64_t bi = 0; bi < b; ++bi) {
      std::vector<int32_t> s;
      for (int64_t i = 0; i < l; ++i)
        s.push_back(int32_t(rt::loadAsDouble(t->dtype(), t->data(), size_t(bi * l + i))));
      seqs.push_back(s);
    }
  }
  for (auto &s : seqs)
    for (int32_t &t : s)
      if (!prompt.empty())
        t = int32_t(uint8_t(t));
  std::vector<int64_t> lengths;
  if (!seqs.empty()) {
    if (streamName.empty())
      return fail("the model has no token input");
    int64_t maxLen = 0;
    for (auto &s : seqs)
      maxLen = std::max<int64_t>(maxLen, int64_t(s.size()));
    bool ragged = false;
    for (auto &s : seqs) {
      lengths.push_back(int64_t(s.size()));
      ragged = ragged || int64_t(s.size()) != maxLen;
    }
    if (ragged && !modelHasLengths && generate == 0)
      return fail("the sequences differ in length but the model has no '" + lengthsName +
                  "' input (add `mask = causal & padding` to the spec, or give equal lengths)");
    rt::Result<rt::HostTensor> t =
        rt::HostTensor::zeros(rt::DType::I32, {int64_t(seqs.size()), maxLen});
    if (!t.ok())
      return fail(t.status().message());
    for (size_t b = 0; b < seqs.size(); ++b)
      std::copy(seqs[b].begin(), seqs[b].end(), t->dataAs<int32_t>() + b * maxLen);
    ins.emplace_back(streamName, t->view());
    owned.push_back(t.take());
    if (modelHasLengths) {
      rt::Result<rt::HostTensor> l = rt::HostTensor::allocate(rt::DType::I32, {int64_t(seqs.size())});
      if (!l.ok())
        return fail(l.status().message());
      for (size_t b = 0; b < seqs.size(); ++b)
        l->dataAs<int32_t>()[b] = int32_t(seqs[b].size());
      ins.emplace_back(lengthsName, l->view());
      owned.push_back(l.take());
    }
  }
  for (const std::string &spec : inputs) {
    auto [name, value] = llvm::StringRef(spec).split('=');
    if (name.empty() || value.empty())
      return fail("--input expects NAME=VALUE, got '" + spec + "'");
    rt::Result<rt::HostTensor> t = rt::Status(rt::StatusCode::Internal, "unset");
    if (value.ends_with(".npy")) {
      t = rt::readNpy(value.str());
    } else {
      std::vector<std::vector<int32_t>> vals;
      if (!parseTokenLists(value, vals, err))
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
    if (name == streamName && seqs.empty() && t->rank() == 2 &&
        !rt::isFloatingPoint(t->dtype())) {
      // Tokens given as --input still define the prompt for --generate.
      int64_t b = t->view().dim(0), l = t->view().dim(1);
      for (int64_t bi = 0; bi < b; ++bi) {
        std::vector<int32_t> row;
        for (int64_t i = 0; i < l; ++i)
          row.push_back(int32_t(rt::loadAsDouble(t->dtype(), t->data(), size_t(bi * l + i))));
        seqs.push_back(row);
        lengths.push_back(l);
      }
    }
    ins.emplace_back(name.str(), t->view());
    owned.push_back(t.take());
  }

  rtm::Session session(*model, pool);
  if (generate > 0) {
    if (seqs.empty())
      return fail("--generate needs a prompt (--tokens, --prompt or --tokens-npy)");
    rtm::GenerateOptions g;
    g.maxNewTokens = generate;
    g.topK = topK;
    g.temperature = temperature;
    g.seed = seed;
    g.eosToken = eos;
    g.forceNoCache = noCache;
    // Sequences of different lengths are generated one at a time, so each
    // continues from its own last token.
    bool ragged = std::any_of(lengths.begin(), lengths.end(),
                              [&](int64_t l) { return l != lengths[0]; });
    std::vector<std::vector<int32_t>> results;
    rtm::GenerateStats total;
    for (size_t b = 0; b < (ragged ? seqs.size() : 1); ++b) {
      std::vector<std::pair<std::string, rt::TensorView>> gi;
      rt::HostTensor one, oneLen;
      for (auto &[name, view] : ins) {
        if (!ragged) {
          gi.emplace_back(name, view);
          continue;
        }
        if (name == streamName) {
          rt::Result<rt::HostTensor> t =
              rt::HostTensor::allocate(rt::DType::I32, {1, int64_t(seqs[b].size())});
          if (!t.ok())
            return fail(t.status().message());
          std::copy(seqs[b].begin(), seqs[b].end(), t->dataAs<int32_t>());
          one = t.take();
          gi.emplace_back(name, one.view());
        } else if (name == lengthsName) {
          rt::Result<rt::HostTensor> t = rt::HostTensor::allocate(rt::DType::I32, {1});
          if (!t.ok())
            return fail(t.status().message());
          t->dataAs<int32_t>()[0] = int32_t(seqs[b].size());
          oneLen = t.take();
          gi.emplace_back(name, oneLen.view());
        } else {
          gi.emplace_back(name, view);
        }
      }
      rtm::GenerateStats st;
      rt::Result<std::vector<std::vector<int32_t>>> out = session.generate(gi, g, &st);
      if (!out.ok())
        return fail(out.status().message());
      results.insert(results.end(), out->begin(), out->end());
      total.prefillSeconds += st.prefillSeconds;
      total.decodeSeconds += st.decodeSeconds;
      total.promptTokens += st.promptTokens;
      total.generatedTokens += st.generatedTokens;
      total.usedCache = st.usedCache;
      total.kvCacheBytes = std::max(total.kvCacheBytes, st.kvCacheBytes);
    }
    int64_t vocab = session.lastLogits().dim(1);
    for (size_t b = 0; b < results.size(); ++b) {
      if (quiet) {
        llvm::outs() << joinTokens(results[b]) << "\n";
        continue;
      }
      llvm::outs() << "sequence " << b << ": " << seqs[b].size() << " prompt tokens, "
                   << results[b].size() << " generated\n";
      llvm::outs() << "  prompt:    " << joinTokens(seqs[b]) << "\n";
      llvm::outs() << "  generated: " << joinTokens(results[b]) << "\n";
      if (vocab <= 256) {
        std::vector<int32_t> all = seqs[b];
        all.insert(all.end(), results[b].begin(), results[b].end());
        llvm::outs() << "  as text:   \"" << printable(all) << "\"\n";
      }
    }
    if (stats) {
      llvm::errs() << llvm::format("compile %.3f s, load %.3f s, prefill %.3f s (%lld tokens), decode "
                                   "%.3f s (%lld tokens, %.1f tokens/s), %s, KV cache %.2f MiB, "
                                   "weights %.2f MiB, %u threads\n",
                                   std::chrono::duration<double>(t1 - t0).count(),
                                   std::chrono::duration<double>(t2 - t1).count(),
                                   total.prefillSeconds, (long long)total.promptTokens,
                                   total.decodeSeconds, (long long)total.generatedTokens,
                                   total.decodeSeconds > 0
                                       ? double(std::max<int64_t>(total.generatedTokens - 1, 0)) /
                                             total.decodeSeconds
                                       : 0.0,
                                   total.usedCache ? "KV cache" : "no KV cache",
                                   double(total.kvCacheBytes) / (1 << 20),
                                   double((*model)->weightBytes()) / (1 << 20), pool.numThreads());
      if (!total.usedCache)
        llvm::errs() << "note: no KV cache: "
                     << ((*model)->notCacheableReason().empty() ? "disabled by --no-kv-cache"
                                                                : (*model)->notCacheableReason())
                     << "\n";
    }
    return 0;
  }

  auto t3 = Clock::now();
  rt::Status st = session.forward(ins);
  if (!st.ok())
    return fail(st.message());
  auto t4 = Clock::now();
  for (const std::string &spec : outputs) {
    auto [name, path] = llvm::StringRef(spec).split('=');
    const rt::TensorView *v = session.output(name.str());
    if (!v) {
      std::string names;
      for (auto &[n, id] : plan.outputs)
        names += (names.empty() ? "" : ", ") + n;
      return fail("the model has no output '" + name.str() + "' (it has: " + names + ")");
    }
    if (path.empty())
      return fail("--output expects NAME=file.npy");
    rt::Status ws = rt::writeNpy(path.str(), *v);
    if (!ws.ok())
      return fail(ws.message());
  }
  if (!quiet)
    for (size_t i = 0; i < plan.outputs.size(); ++i)
      summarize(llvm::outs(), plan.outputs[i].first, *session.output(i), lengths, showTop);
  if (stats)
    llvm::errs() << llvm::format("compile %.3f s, load %.3f s, forward %.3f s, weights %.2f MiB, %u threads\n",
                                 std::chrono::duration<double>(t1 - t0).count(),
                                 std::chrono::duration<double>(t2 - t1).count(),
                                 std::chrono::duration<double>(t4 - t3).count(),
                                 double((*model)->weightBytes()) / (1 << 20), pool.numThreads());
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
