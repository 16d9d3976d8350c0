//===- Driver.cpp - Pieces of the model-running command lines -------------===//
#include "runtime/model/Driver.h"

#include "runtime/core/Npy.h"
#include "runtime/cpu/ThreadPool.h"
#include "runtime/model/Kernels.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace attnc::rt::model {

namespace {
std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> out;
  size_t b = 0;
  for (;;) {
    size_t e = s.find(sep, b);
    out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos)
      return out;
    b = e + 1;
  }
}
std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}
} // namespace

bool parseTokenLists(const std::string &text, std::vector<std::vector<int32_t>> &out,
                     std::string &err) {
  for (const std::string &seqText : split(text, ';')) {
    std::vector<int32_t> seq;
    for (const std::string &raw : split(seqText, ',')) {
      std::string t = trim(raw);
      if (t.empty())
        continue;
      char *end = nullptr;
      long long v = std::strtoll(t.c_str(), &end, 10);
      if (*end != '\0' || v < INT32_MIN || v > INT32_MAX) {
        err = "'" + t + "' is not a token id (expected integers like 1,2,3;4,5)";
        return false;
      }
      seq.push_back(int32_t(v));
    }
    if (seq.empty()) {
      err = "empty token sequence in '" + text + "'";
      return false;
    }
    out.push_back(std::move(seq));
  }
  return true;
}

Status collectPrompts(const std::string &tokens, const std::string &prompt, const std::string &tokensNpy,
                      std::vector<std::vector<int32_t>> &out) {
  int sources = !tokens.empty() + !prompt.empty() + !tokensNpy.empty();
  if (sources > 1)
    return invalidArgument("give the tokens once: --tokens, --prompt or --tokens-npy");
  std::string err;
  if (!tokens.empty() && !parseTokenLists(tokens, out, err))
    return invalidArgument(err);
  if (!prompt.empty()) {
    std::vector<int32_t> bytes;
    for (char c : prompt)
      bytes.push_back(int32_t(uint8_t(c)));
    out.push_back(bytes);
  }
  if (!tokensNpy.empty()) {
    Result<HostTensor> t = readNpy(tokensNpy);
    if (!t.ok())
      return t.status();
    if ((t->rank() != 1 && t->rank() != 2) || isFloatingPoint(t->dtype()))
      return invalidArgument("'" + tokensNpy + "' must hold integer token ids [B, L] or [L], got " +
                             t->view().describe());
    int64_t b = t->rank() == 2 ? t->view().dim(0) : 1, l = t->view().dim(t->rank() - 1);
    for (int64_t bi = 0; bi < b; ++bi) {
      std::vector<int32_t> row;
      for (int64_t i = 0; i < l; ++i)
        row.push_back(int32_t(loadAsDouble(t->dtype(), t->data(), size_t(bi * l + i))));
      out.push_back(row);
    }
  }
  return Status::success();
}

std::string joinTokens(const std::vector<int32_t> &toks) {
  std::string s;
  for (size_t i = 0; i < toks.size(); ++i)
    s += (i ? " " : "") + std::to_string(toks[i]);
  return s;
}

std::string printableTokens(const std::vector<int32_t> &toks) {
  std::string s;
  for (int32_t t : toks) {
    if (t >= 32 && t < 127 && t != '"' && t != '\\') {
      s += char(t);
    } else if (t == '\n') {
      s += "\\n";
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", unsigned(t) & 0xff);
      s += buf;
    }
  }
  return s;
}

void printOutputSummary(std::ostream &os, const std::string &name, const TensorView &t,
                        const std::vector<int64_t> &lengths, int64_t topK) {
  os << name << ": " << t.describe() << "\n";
  if (t.dtype() != DType::F32)
    return;
  char buf[160];
  if ((name == "logits" || name == "probs") && t.rank() == 3) {
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
      for (int64_t i = 0; i < k; ++i) {
        std::snprintf(buf, sizeof(buf), " %d (%.4f)", idx[i], row[idx[i]]);
        os << buf;
      }
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
  double mean = n ? sum / double(n) : 0;
  std::snprintf(buf, sizeof(buf), "  mean %.6f  std %.6f  min %.6f  max %.6f\n", mean,
                n ? std::sqrt(std::max(0.0, sq / double(n) - mean * mean)) : 0.0, mn, mx);
  os << buf;
}

void printGeneration(std::ostream &os, const std::vector<std::vector<int32_t>> &prompts,
                     const std::vector<std::vector<int32_t>> &generated, int64_t vocab,
                     bool quiet) {
  for (size_t b = 0; b < generated.size(); ++b) {
    if (quiet) {
      os << joinTokens(generated[b]) << "\n";
      continue;
    }
    const std::vector<int32_t> &prompt = b < prompts.size() ? prompts[b] : prompts.back();
    os << "sequence " << b << ": " << prompt.size() << " prompt tokens, " << generated[b].size()
       << " generated\n";
    os << "  prompt:    " << joinTokens(prompt) << "\n";
    os << "  generated: " << joinTokens(generated[b]) << "\n";
    if (vocab <= 256) {
      std::vector<int32_t> all = prompt;
      all.insert(all.end(), generated[b].begin(), generated[b].end());
      os << "  as text:   \"" << printableTokens(all) << "\"\n";
    }
  }
}


std::string tokenInputName(const Model &model) {
  const Plan &plan = model.plan();
  if (model.streamInput() >= 0)
    return plan.values[model.streamInput()].name;
  for (int32_t id : plan.inputs)
    if (plan.values[id].dtype == DType::I32 && plan.values[id].shape.size() == 2)
      return plan.values[id].name;
  return "";
}

Status runRequest(const std::shared_ptr<const Model> &model, const RunRequest &req,
                  ThreadPool &pool, std::ostream &out, std::ostream &err) {
  using Clock = std::chrono::steady_clock;
  const Plan &plan = model->plan();
  std::string stream = tokenInputName(*model);
  std::string prefix = stream.size() > 6 ? stream.substr(0, stream.size() - 6) : "";
  std::string lengthsName = prefix + "lengths";
  bool hasLengths = false;
  for (int32_t id : plan.inputs)
    hasLengths = hasLengths || plan.values[id].name == lengthsName;

  std::vector<std::pair<std::string, TensorView>> ins = req.inputs;
  std::vector<HostTensor> owned;
  std::vector<int64_t> lengths;
  const auto &seqs = req.sequences;
  int64_t maxLen = 0;
  for (const auto &s : seqs) {
    lengths.push_back(int64_t(s.size()));
    maxLen = std::max<int64_t>(maxLen, int64_t(s.size()));
  }
  bool ragged = std::any_of(lengths.begin(), lengths.end(), [&](int64_t l) { return l != maxLen; });
  if (!seqs.empty()) {
    if (stream.empty())
      return invalidArgument("the model has no token input");
    for (auto &[name, v] : ins)
      if (name == stream)
        return invalidArgument("the tokens were given twice (as --input " + name + " too)");
    if (ragged && !hasLengths && req.generate == 0)
      return invalidArgument("the sequences differ in length but the model has no '" + lengthsName +
                             "' input (add `mask = causal & padding` to the spec, or give equal "
                             "lengths)");
    ATTNC_RT_ASSIGN_OR_RETURN(HostTensor t,
                              HostTensor::zeros(DType::I32, {int64_t(seqs.size()), maxLen}));
    for (size_t b = 0; b < seqs.size(); ++b)
      std::copy(seqs[b].begin(), seqs[b].end(), t.dataAs<int32_t>() + b * maxLen);
    ins.emplace_back(stream, t.view());
    owned.push_back(std::move(t));
    bool lengthsGiven = false;
    for (auto &[name, v] : req.inputs)
      lengthsGiven = lengthsGiven || name == lengthsName;
    if (hasLengths && !lengthsGiven) {
      ATTNC_RT_ASSIGN_OR_RETURN(HostTensor l, HostTensor::allocate(DType::I32, {int64_t(seqs.size())}));
      for (size_t b = 0; b < seqs.size(); ++b)
        l.dataAs<int32_t>()[b] = int32_t(seqs[b].size());
      ins.emplace_back(lengthsName, l.view());
      owned.push_back(std::move(l));
    }
  }

  Session session(model, pool);
  char buf[512];
  if (req.generate > 0) {
    if (seqs.empty())
      return invalidArgument("generation needs a prompt (--tokens, --prompt or --tokens-npy)");
    GenerateOptions g = req.sampling;
    g.maxNewTokens = req.generate;
    std::vector<std::vector<int32_t>> results;
    GenerateStats total;
    // Sequences of different lengths generate one at a time, so that each
    // continues from its own last token.
    for (size_t b = 0; b < (ragged ? seqs.size() : 1); ++b) {
      std::vector<std::pair<std::string, TensorView>> gi;
      HostTensor one, oneLen;
      for (auto &[name, view] : ins) {
        if (ragged && name == stream) {
          ATTNC_RT_ASSIGN_OR_RETURN(one, HostTensor::allocate(DType::I32, {1, int64_t(seqs[b].size())}));
          std::copy(seqs[b].begin(), seqs[b].end(), one.dataAs<int32_t>());
          gi.emplace_back(name, one.view());
        } else if (ragged && name == lengthsName) {
          ATTNC_RT_ASSIGN_OR_RETURN(oneLen, HostTensor::allocate(DType::I32, {1}));
          oneLen.dataAs<int32_t>()[0] = int32_t(seqs[b].size());
          gi.emplace_back(name, oneLen.view());
        } else {
          gi.emplace_back(name, view);
        }
      }
      GenerateStats st;
      ATTNC_RT_ASSIGN_OR_RETURN(auto gen, session.generate(gi, g, &st));
      results.insert(results.end(), gen.begin(), gen.end());
      total.prefillSeconds += st.prefillSeconds;
      total.decodeSeconds += st.decodeSeconds;
      total.promptTokens += st.promptTokens;
      total.generatedTokens += st.generatedTokens;
      total.usedCache = st.usedCache;
      total.kvCacheBytes = std::max(total.kvCacheBytes, st.kvCacheBytes);
    }
    printGeneration(out, seqs, results, session.lastLogits().dim(1), req.quiet);
    if (req.timings) {
      double rate = total.decodeSeconds > 0
                        ? double(std::max<int64_t>(total.generatedTokens - 1, 0)) / total.decodeSeconds
                        : 0.0;
      std::snprintf(buf, sizeof(buf),
                    "prefill %.3f s (%lld tokens, %.1f tokens/s), decode %.3f s (%lld tokens, "
                    "%.2f tokens/s), %s (%.2f MiB), weights %.2f MiB, %u threads, %s\n",
                    total.prefillSeconds, (long long)total.promptTokens,
                    total.prefillSeconds > 0 ? double(total.promptTokens) / total.prefillSeconds : 0.0,
                    total.decodeSeconds, (long long)total.generatedTokens, rate,
                    total.usedCache ? "with KV cache" : "no KV cache",
                    double(total.kvCacheBytes) / (1 << 20), double(model->weightBytes()) / (1 << 20),
                    pool.numThreads(), blasDescription().c_str());
      err << buf;
      if (!total.usedCache)
        err << "note: no KV cache: "
            << (model->notCacheableReason().empty() ? "disabled by the command line"
                                                    : model->notCacheableReason())
            << "\n";
    }
    return Status::success();
  }

  auto t0 = Clock::now();
  ATTNC_RT_RETURN_IF_ERROR(session.forward(ins));
  auto t1 = Clock::now();
  for (auto &[name, path] : req.saveOutputs) {
    const TensorView *v = session.output(name);
    if (!v) {
      std::string names;
      for (auto &[n, id] : plan.outputs)
        names += (names.empty() ? "" : ", ") + n;
      return invalidArgument("the model has no output '" + name + "' (it has: " + names + ")");
    }
    ATTNC_RT_RETURN_IF_ERROR(writeNpy(path, *v));
  }
  if (!req.quiet)
    for (size_t i = 0; i < plan.outputs.size(); ++i)
      printOutputSummary(out, plan.outputs[i].first, *session.output(i), lengths, req.showTop);
  if (req.timings) {
    std::snprintf(buf, sizeof(buf), "forward %.3f s, weights %.2f MiB, %u threads, %s\n",
                  std::chrono::duration<double>(t1 - t0).count(),
                  double(model->weightBytes()) / (1 << 20), pool.numThreads(),
                  blasDescription().c_str());
    err << buf;
  }
  return Status::success();
}

} // namespace attnc::rt::model
