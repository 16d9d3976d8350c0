//===- WeightFile.h - Model weights from a safetensors file ------*- C++ -*-===//
//
// A WeightSource over a memory-mapped safetensors file (runtime/weights):
// weights are used in place, straight from the page cache, so loading a
// model costs no copy and its resident memory is the weights it touches.
// Tensors whose data is not 4-byte aligned (a writer that did not pad the
// header) are copied once into aligned memory.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_MODEL_WEIGHTFILE_H
#define ATTNC_RUNTIME_MODEL_WEIGHTFILE_H

#include "runtime/model/Executor.h"

#include <memory>
#include <string>

namespace attnc::rt::model {

/// Opens and validates `path`; errors name the file.
Result<std::shared_ptr<WeightSource>> openWeightFile(const std::string &path);

} // namespace attnc::rt::model

#endif // ATTNC_RUNTIME_MODEL_WEIGHTFILE_H
