//===- HFImport.h - Hugging Face configs and weights -> attnc ----*- C++ -*-===//
//
// `attnc import-hf` turns a Hugging Face config.json into a .attn model spec
// and renames (and where needed transposes, splits or rescales) the tensors
// of an HF safetensors file into attnc's weight names (docs/weights.md).
// `attnc run --hf-names ARCH` applies the same mapping in memory.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_ATTNC_HFIMPORT_H
#define ATTNC_TOOLS_ATTNC_HFIMPORT_H

#include "runtime/model/Executor.h"
#include "runtime/model/Plan.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace attnc {

/// Opens an HF safetensors file of architecture `arch` and presents it
/// under attnc's names for the weights `plan` needs.
llvm::Expected<std::shared_ptr<rt::model::WeightSource>>
mapHFWeightFile(const std::string &path, const std::string &arch, const rt::model::Plan &plan);

} // namespace attnc

#endif // ATTNC_TOOLS_ATTNC_HFIMPORT_H
