//===- Pipelines.cpp - attnc's named pass pipelines -----------------------===//
//
// The fusion pipeline every backend starts with, and its registration.
//
//===----------------------------------------------------------------------===//
#include "compiler/Pipelines/Pipelines.h"

#include "compiler/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

attnc::PipelineOptions attnc::PipelineCLOptions::get() const {
  PipelineOptions o;
  o.target = target;
  o.qTile = qTile;
  o.kTile = kTile;
  o.explainFusion = explainFusion;
  return o;
}

void attnc::buildAttnFusionPipeline(OpPassManager &pm, const PipelineOptions &options) {
  // CSE first: the rel_emb check compares the query fed to attn.qk with the
  // one given to attn.score_mod by value, and the frontend may compute the
  // same projection twice.
  pm.addPass(createCSEPass());

  attn::AttnFuseAttentionOptions fuse;
  fuse.explain = options.explainFusion;
  pm.addPass(attn::createAttnFuseAttention(fuse));

  attn::AttnTileAttentionOptions tile;
  tile.target = options.target;
  tile.qTile = options.qTile;
  tile.kTile = options.kTile;
  pm.addPass(attn::createAttnTileAttention(tile));

  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void attnc::registerAttnPipelines() {
  // The upstream passes the pipeline runs, so that attn-opt can run them alone.
  registerCSEPass();
  registerCanonicalizerPass();
  PassPipelineRegistration<PipelineCLOptions>(
      "attn-fusion-pipeline",
      "Fuse attention chains into attn.flash_attention and tile them for a target",
      [](OpPassManager &pm, const PipelineCLOptions &options) {
        buildAttnFusionPipeline(pm, options.get());
      });
}
