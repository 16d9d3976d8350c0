//===- Driver.h - Pieces of the model-running command lines ------*- C++ -*-===//
//
// What `attnc run` (with the compiler) and `attnc-model` (the LLVM-free
// runner of saved plans) share: parsing token lists, and printing a forward
// pass or a generation the way a person wants to read it. Plain C++ so the
// runtime-only tool can use it.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_MODEL_DRIVER_H
#define ATTNC_RUNTIME_MODEL_DRIVER_H

#include "runtime/core/Tensor.h"
#include "runtime/model/Executor.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace attnc::rt::model {

/// "1,2,3;4,5" -> {{1,2,3},{4,5}}; false (with `err`) on anything else.
bool parseTokenLists(const std::string &text, std::vector<std::vector<int32_t>> &out,
                     std::string &err);

/// The prompts of a run from the command line's three sources, of which at
/// most one may be given: `tokens` ("1,2,3;4,5"), `prompt` (a byte string,
/// for byte-vocabulary models) or `tokensNpy` (an .npy of integer ids,
/// [B, L] or [L]). Appends to `out`.
Status collectPrompts(const std::string &tokens, const std::string &prompt, const std::string &tokensNpy,
                      std::vector<std::vector<int32_t>> &out);

/// "1 2 3".
std::string joinTokens(const std::vector<int32_t> &tokens);
/// Bytes as text with escapes (for byte-vocabulary models).
std::string printableTokens(const std::vector<int32_t> &tokens);

/// The output's shape, then for logits/probs [B, L, V] the `topK` best next
/// tokens of every sequence (at position lengths[b] - 1, or the last), and
/// for other f32 tensors mean/std/min/max.
void printOutputSummary(std::ostream &os, const std::string &name, const TensorView &t,
                        const std::vector<int64_t> &lengths, int64_t topK);

/// The prompt and the generated tokens of each sequence (and the text when
/// the vocabulary is bytes).
void printGeneration(std::ostream &os, const std::vector<std::vector<int32_t>> &prompts,
                     const std::vector<std::vector<int32_t>> &generated, int64_t vocab,
                     bool quiet);

/// One model run as the command lines describe it.
struct RunRequest {
  /// Prompts of the token (stream) input; padded with 0 into [B, Lmax],
  /// with `<prefix>lengths` set when the model has that input.
  std::vector<std::vector<int32_t>> sequences;
  /// Other inputs by name (encoder tokens, masks, memories).
  std::vector<std::pair<std::string, TensorView>> inputs;
  /// Generate this many tokens (0: one forward pass).
  int64_t generate = 0;
  GenerateOptions sampling;
  /// Results to save as .npy: (output name, path).
  std::vector<std::pair<std::string, std::string>> saveOutputs;
  int64_t showTop = 5;
  bool quiet = false;
  bool timings = false;
};

/// Runs `request` on `model` and prints the result to `out` (timings and
/// notes to `err`). Sequences of different lengths generate one at a time.
Status runRequest(const std::shared_ptr<const Model> &model, const RunRequest &request,
                  ThreadPool &pool, std::ostream &out, std::ostream &err);

/// The name of the model's token input (the generation stream, else the
/// first i32 [B, L] input); empty when it has none.
std::string tokenInputName(const Model &model);

} // namespace attnc::rt::model

#endif // ATTNC_RUNTIME_MODEL_DRIVER_H
