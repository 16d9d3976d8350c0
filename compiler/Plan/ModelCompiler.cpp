//===- ModelCompiler.cpp - Compile a model for the CPU executor -----------===//
//
// Each fused attention is compiled in its own host function `@step<N>`
// (its operands become the function's arguments), all in one module, so
// one JIT compile serves the whole model and the kernel of step N is the
// one the CPU lowering names `step<N>_flash_cpu`. Kernels are shape-generic
// (dynamic batch and lengths), so a model compiles once for every input.
//
//===----------------------------------------------------------------------===//
#include "compiler/Plan/ModelCompiler.h"

#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Plan/PlanBuilder.h"
#include "dialects/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#ifdef ATTNC_PLAN_HAVE_CPU_JIT
#include "compiler/Codegen/CPU/JIT.h"
#include "runtime/model/CompiledAttention.h"
#endif

using namespace mlir;

namespace attnc {

bool haveCpuJit() {
#ifdef ATTNC_PLAN_HAVE_CPU_JIT
  return true;
#else
  return false;
#endif
}

namespace {

/// Collects diagnostics as text so they can travel in an llvm::Error.
struct DiagCollector {
  explicit DiagCollector(MLIRContext *ctx)
      : handler(ctx, [this](Diagnostic &d) {
          llvm::raw_string_ostream os(text);
          os << d.getLocation() << ": " << d << "\n";
          return success();
        }) {}
  std::string text;
  ScopedDiagnosticHandler handler;
};

#ifdef ATTNC_PLAN_HAVE_CPU_JIT
/// One module with a host function per fused attention op.
std::string attentionModule(func::FuncOp fn, const rt::model::Plan &plan,
                            std::vector<size_t> &steps) {
  MLIRContext *ctx = fn.getContext();
  OpBuilder b(ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fn.getLoc());
  b.setInsertionPointToEnd(module->getBody());
  size_t stepIndex = 0;
  size_t attnSeen = 0;
  // Plan steps are created in op order, one per attn op that is not a
  // weight or constant; attention steps appear in the same order as the
  // flash_attention ops.
  std::vector<size_t> attnSteps;
  for (size_t i = 0; i < plan.steps.size(); ++i)
    if (plan.steps[i].kind == rt::model::StepKind::Attention)
      attnSteps.push_back(i);
  fn.walk([&](attn::FlashAttentionOp op) {
    stepIndex = attnSteps[attnSeen++];
    // The executor holds every float tensor in f32 (a bf16 model's weights
    // are converted when bound), so its kernels are compiled for f32.
    auto toF32 = [&](Type t) -> Type {
      auto rt = dyn_cast<RankedTensorType>(t);
      if (rt && isa<FloatType>(rt.getElementType()))
        return RankedTensorType::get(rt.getShape(), b.getF32Type());
      return t;
    };
    SmallVector<Type> argTypes, resultTypes;
    for (Type t : op->getOperandTypes())
      argTypes.push_back(toF32(t));
    for (Type t : op->getResultTypes())
      resultTypes.push_back(toF32(t));
    auto host = func::FuncOp::create(b, op.getLoc(), "step" + std::to_string(stepIndex),
                                     FunctionType::get(ctx, argTypes, resultTypes));
    Block *entry = host.addEntryBlock();
    OpBuilder hb = OpBuilder::atBlockEnd(entry);
    IRMapping map;
    for (auto [from, to] : llvm::zip(op->getOperands(), entry->getArguments()))
      map.map(from, to);
    Operation *clone = hb.clone(*op, map);
    for (auto [r, t] : llvm::zip(clone->getResults(), resultTypes))
      r.setType(t);
    clone->removeAttr("kernel");
    func::ReturnOp::create(hb, op.getLoc(), clone->getResults());
    steps.push_back(stepIndex);
  });
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return text;
}
#endif

} // namespace

llvm::Expected<CompiledModel> compileModel(ModuleOp module, const ModelCompileOptions &options) {
  DiagCollector diags(module.getContext());
  auto fail = [&](const std::string &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), what + (diags.text.empty() ? "" : ":\n" + diags.text));
  };
  func::FuncOp fn = findModelFunction(module, options.function);
  if (!fn)
    return fail("cannot compile the model");
  if (options.fuse) {
    PassManager pm(module.getContext());
    PipelineOptions popts;
    popts.target = "cpu";
    buildAttnFusionPipeline(pm, popts);
    if (failed(pm.run(module)))
      return fail("the fusion pipeline failed");
  }
  FailureOr<rt::model::Plan> plan = buildModelPlan(fn);
  if (failed(plan))
    return fail("cannot build an execution plan");
  CompiledModel out;
  out.plan = std::move(*plan);
  size_t unfused = 0;
  for (const rt::model::Step &s : out.plan.steps)
    unfused += s.kind == rt::model::StepKind::QK;
  if (unfused)
    out.notes.push_back(std::to_string(unfused) +
                        " attention chain(s) were not fused and run unfused on the runtime's kernels");
  bool anyAttention = false;
  for (const rt::model::Step &s : out.plan.steps)
    anyAttention = anyAttention || s.kind == rt::model::StepKind::Attention;
  if (!options.jit || !anyAttention)
    return out;
#ifdef ATTNC_PLAN_HAVE_CPU_JIT
  std::vector<size_t> steps;
  std::string ir = attentionModule(fn, out.plan, steps);
  cpu::JITOptions jopts;
  jopts.cacheDir = options.cacheDir;
  llvm::Expected<std::unique_ptr<cpu::KernelLibrary>> lib = cpu::compile(ir, jopts);
  if (!lib) {
    out.notes.push_back("the attention kernels did not JIT-compile (" +
                        llvm::toString(lib.takeError()) +
                        "); the runtime's attention kernel runs them instead");
    return out;
  }
  std::shared_ptr<cpu::KernelLibrary> shared(std::move(*lib));
  out.library = shared;
  out.kernelIR = std::move(ir);
  out.kernelCacheDir = jopts.cacheDir;
  out.kernelInfos = shared->kernels();
  for (size_t step : steps) {
    std::string prefix = "step" + std::to_string(step) + "_flash_cpu";
    const rt::CpuKernelInfo *info = nullptr;
    for (const rt::CpuKernelInfo &k : shared->kernels())
      if (llvm::StringRef(k.name).starts_with(prefix) &&
          (k.name.size() == prefix.size() || k.name[prefix.size()] == '_'))
        info = &k;
    AttncCpuKernelFn entry = info ? shared->lookup(info->name) : nullptr;
    if (!entry) {
      out.notes.push_back("no JIT kernel for step " + std::to_string(step) +
                          "; the runtime's attention kernel runs it");
      continue;
    }
    out.plan.steps[step].kernel = info->name;
    out.kernels.emplace_back(step, rt::model::makeCpuAttentionKernel(shared, info, entry));
  }
#else
  out.notes.push_back("this attnc was built without the CPU JIT; attention runs on the runtime's kernels");
#endif
  return out;
}

} // namespace attnc
