//===- Passes.td - CPU code generation passes --------------*- tablegen -*-===//
//
// The passes that turn a tiled attn.flash_attention into a vectorised kernel
// function with the fixed C ABI of runtime/cpu/KernelABI.h, ready for the
// upstream lowering to the LLVM dialect. Each flag matches its lit test in
// test/cpu/.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_CODEGEN_CPU_PASSES_TD
#define ATTNC_COMPILER_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnLowerFlashCPU : Pass<"attn-lower-flash-cpu", "::mlir::ModuleOp"> {
  let summary = "Outline each tiled attn.flash_attention into a vectorised CPU kernel";
  let description = [{
    For every `attn.flash_attention` carrying a `#attn.tiling`, creates a
    `func.func` with the C ABI of runtime/cpu/KernelABI.h (1-D memrefs for
    q, k, v, out, lse and the eleven auxiliary slots, the int64 parameter
    block, the live-tile list and a work-item range) and
    `llvm.emit_c_interface`, and records its name in the op's `kernel`
    attribute. The kernel body loops over work items (one query tile of one
    batch and head); query rows are the vector lanes, so the online softmax
    is purely element-wise: S^T = K_tile * (scale * Q_tile)^T with
    broadcast-FMA micro-kernels, modifiers and the mask inlined (skipped on
    tiles the schedule proves full), then O^T += V^T P^T. Only live key
    tiles are visited: the contiguous band range for `band`, the run-time
    list for `runtime`. A `attn.cpu_kernel` dictionary on the kernel holds
    the metadata the runtime needs to call it.

    With `erase-host`, the functions that held the ops are removed so that
    only kernels remain (what the JIT compiles).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes per vector (16: AVX-512, 8: AVX2)">,
    Option<"eraseHost", "erase-host", "bool", /*default=*/"false",
           "Erase the functions that held the lowered ops, keeping kernels only">,
  ];
}

def AttnApproximateMath : Pass<"attn-approximate-math"> {
  let summary = "Replace math.exp/log/tanh with vectorisable polynomial approximations";
  let description = [{
    Applies MLIR's f32 polynomial approximations so that the kernel's exp,
    log and tanh stay in vector registers instead of becoming libm calls
    (which LLVM would scalarise, one call per lane).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // ATTNC_COMPILER_CODEGEN_CPU_PASSES_TD
