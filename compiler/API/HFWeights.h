//===- HFWeights.h - Hugging Face weight files under attnc names -*- C++ -*-===//
//
// How each attnc weight (docs/weights.md) is made from the tensors of a
// Hugging Face safetensors file: renamed, transposed (GPT-2's Conv1D stores
// [in, out]), a slice of a fused projection (GPT-2's c_attn), scaled (T5
// does not scale scores by 1/sqrt(d_kv), attnc does, so q absorbs
// sqrt(d_kv); a tied T5 head absorbs d_model^-0.5), or a sum (BERT's
// token-type-0 embedding folds into the position table). Used by `attnc
// import-hf --weights`, `attnc run --hf-names` and loadModel().
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_API_HFWEIGHTS_H
#define ATTNC_COMPILER_API_HFWEIGHTS_H

#include "runtime/model/Executor.h"
#include "runtime/model/Plan.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace attnc {

/// Every attnc tensor the HF file of architecture `arch` (gpt2, bert, llama,
/// mistral, t5) provides, converted to f32.
llvm::Expected<std::shared_ptr<rt::model::WeightMap>> convertHFWeights(const std::string &path,
                                                                       const std::string &arch);

/// Only the weights `plan` needs.
llvm::Expected<std::shared_ptr<rt::model::WeightSource>>
mapHFWeightFile(const std::string &path, const std::string &arch, const rt::model::Plan &plan);

} // namespace attnc

#endif // ATTNC_COMPILER_API_HFWEIGHTS_H
