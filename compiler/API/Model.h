//===- Model.h - The attnc C++ API for whole models --------------*- C++ -*-===//
//
// Load a model spec with its weights and run it, in a few lines:
//
//   llvm::Expected<attnc::LoadedModel> m =
//       attnc::loadModel("examples/tiny-gpt.attn", "w.safetensors");
//   if (!m) { llvm::errs() << llvm::toString(m.takeError()); ... }
//   attnc::rt::model::Session s = m->session();
//   // one forward pass: inputs by attn.name, results by name
//   if (auto st = s.forward({{"tokens", tokens}}); !st.ok()) ...
//   const attnc::TensorView *logits = s.output("logits");
//   // or generation with a KV cache (prefill + one step per token)
//   auto out = s.generate({{"tokens", prompt}}, {/*maxNewTokens=*/16});
//
// loadModel compiles the spec (fusion pipeline, plan, JIT-compiled attention
// kernels; compiler/Plan/ModelCompiler.h) and binds the weights by name
// (docs/weights.md), reporting missing or mis-shaped tensors. The returned
// model is immutable and may be shared by sessions on several threads; a
// Session is one stream of calls (buffers, KV cache) and is not
// thread-safe. savePlan() writes the plan for the LLVM-free attnc-model.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_API_MODEL_H
#define ATTNC_COMPILER_API_MODEL_H

#include "runtime/model/Executor.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace attnc {

struct ModelOptions {
  /// JIT-compile fused attention (else the runtime's attention kernels).
  bool jit = true;
  /// `key=value` settings replacing the spec's (e.g. "layers=2").
  std::vector<std::string> overrides;
  /// The weight file uses Hugging Face names of this architecture
  /// (gpt2, bert, llama, mistral, t5); empty: attnc names.
  std::string hfNames;
  /// Kernel disk cache ("" = $ATTNC_CACHE_DIR, or none).
  std::string cacheDir;
};

class LoadedModel {
public:
  const std::shared_ptr<const rt::model::Model> &model() const { return model_; }
  /// A new session (its own buffers and KV cache) on the global pool.
  rt::model::Session session() const { return rt::model::Session(model_); }
  /// Remarks from compilation (unfused chains, JIT fallbacks).
  const std::vector<std::string> &notes() const { return notes_; }
  /// Writes the plan (text form) for attnc-model.
  llvm::Error savePlan(llvm::StringRef path) const;

private:
  friend llvm::Expected<LoadedModel> loadModel(llvm::StringRef, llvm::StringRef, const ModelOptions &);
  std::shared_ptr<const rt::model::Model> model_;
  std::vector<std::string> notes_;
};

/// Compiles `specPath` (.attn, or attn MLIR for .mlir) and binds the weights
/// of `weightsPath` (.safetensors).
llvm::Expected<LoadedModel> loadModel(llvm::StringRef specPath, llvm::StringRef weightsPath,
                                      const ModelOptions &options = {});

} // namespace attnc

#endif // ATTNC_COMPILER_API_MODEL_H
