//===- HFImport.cpp - Hugging Face configs and weights -> attnc -----------===//
#include "tools/attnc/HFImport.h"

namespace attnc {

llvm::Expected<std::shared_ptr<rt::model::WeightSource>>
mapHFWeightFile(const std::string &path, const std::string &arch, const rt::model::Plan &plan) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "--hf-names is not implemented yet");
}

} // namespace attnc
