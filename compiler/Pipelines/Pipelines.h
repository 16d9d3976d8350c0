//===- Pipelines.h - attnc's named pass pipelines ---------------*- C++ -*-===//
//
// Pipelines are C++ builder functions (as in IREE), registered by name so
// that `attn-opt --attn-fusion-pipeline` replays exactly what attnc runs.
// Backend pipelines (CPU, CUDA) start by calling buildAttnFusionPipeline and
// append their lowering; they take the same PipelineOptions and can register
// themselves with the same command-line options struct.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_PIPELINES_PIPELINES_H
#define ATTNC_COMPILER_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

#include <cstdint>
#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace attnc {

/// Settings shared by every attnc pipeline: a plain, copyable struct that
/// compiler drivers fill in from their own flags.
struct PipelineOptions {
  /// Target of the tile configuration: cpu (host), cpu-x86-avx512,
  /// cpu-x86-avx2, cuda (= cuda-sm90), cuda-sm80, cuda-sm90.
  std::string target = "cpu";
  /// Tile size overrides; 0 keeps the target configuration's choice.
  int64_t qTile = 0;
  int64_t kTile = 0;
  /// Remark on every attention chain: fused, or why not.
  bool explainFusion = false;
};

/// The same options as pass-pipeline options, for PassPipelineRegistration:
///   attn-opt --attn-fusion-pipeline="target=cuda-sm90 q-tile=64"
struct PipelineCLOptions : mlir::PassPipelineOptions<PipelineCLOptions> {
  Option<std::string> target{*this, "target", llvm::cl::desc("Target of the tile configuration"),
                             llvm::cl::init("cpu")};
  Option<int64_t> qTile{*this, "q-tile", llvm::cl::desc("Query tile size (0: target's choice)"),
                        llvm::cl::init(0)};
  Option<int64_t> kTile{*this, "k-tile", llvm::cl::desc("Key tile size (0: target's choice)"),
                        llvm::cl::init(0)};
  Option<bool> explainFusion{*this, "explain-fusion",
                             llvm::cl::desc("Remark on every attention chain: fused, or why not"),
                             llvm::cl::init(false)};

  PipelineOptions get() const;
};

/// cse -> attn-fuse-attention -> attn-tile-attention -> canonicalize -> cse.
/// Afterwards every attention chain that can be fused is one
/// attn.flash_attention, and every attn.flash_attention carries #attn.tiling.
void buildAttnFusionPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

/// Registers `attn-fusion-pipeline`.
void registerAttnPipelines();

} // namespace attnc

#endif // ATTNC_COMPILER_PIPELINES_PIPELINES_H
