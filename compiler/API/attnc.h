//===- attnc.h - The attnc C++ JIT API ---------------------------*- C++ -*-===//
//
// Compile one attention op for this CPU and call it, in a few lines:
//
//   attnc::KernelSpec spec;
//   spec.q = {"B", 8, "L", 64};  spec.k = spec.v = spec.q;
//   spec.mask = attnc::Mask::causal();
//   llvm::Expected<attnc::Kernel> kernel = attnc::compileKernel(spec);
//   if (!kernel) { llvm::errs() << llvm::toString(kernel.takeError()); ... }
//   if (llvm::Error e = kernel->run({{"q", q}, {"k", k}, {"v", v}, {"out", out}})) ...
//
// A KernelSpec is the C++ form of a `.attn` kernel (docs/language.md) and
// uses the same vocabulary as the attn dialect's mask and modifier
// attributes; compileFile/compileString take the text form. Compiled code is
// cached in memory and on disk (runtime/cache/KernelCache), so compiling the
// same kernel again, in this process or a later one, only loads an object.
//
// Tensors are bound by argument name (the `attn.name` of the generated
// function: q, k, v, out, then run-time mask and modifier data such as
// kv_lengths or q_segments; Kernel::arguments() lists them). Views may be
// strided; the innermost dimension of q, k, v and out must be contiguous.
//
// Errors: every entry point reports bad input (spec text, shapes, unknown
// or missing names, dtypes) as an llvm::Error with a readable message; none
// aborts. Thread safety: compile* may be called from several threads at
// once (a kernel compiles once per process even then), and one Kernel may
// run on several threads at once with different output tensors. A Kernel is
// a cheap, copyable handle; the code stays loaded while any copy is alive.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_COMPILER_API_ATTNC_H
#define ATTNC_COMPILER_API_ATTNC_H

#include "runtime/core/Tensor.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnc {

using rt::DType;
using rt::TensorView;

/// One dimension of q, k or v: a number (static) or a name (a run-time
/// size; equal names must have equal sizes).
struct Dim {
  Dim(int value) : value(value) {}
  Dim(int64_t value) : value(value) {}
  Dim(const char *symbol) : symbol(symbol) {}
  Dim(std::string symbol) : symbol(std::move(symbol)) {}
  int64_t value = 0;
  std::string symbol;
};

/// A mask, as in the .attn language and the #attn mask attributes.
/// Combine with `&` (both allow) and `|` (either allows).
class Mask {
public:
  static Mask none() { return Mask("none"); }
  /// Key j is visible from query i iff j <= i + offset.
  static Mask causal(int64_t offset = 0);
  /// i - left <= j <= i + right.
  static Mask window(int64_t left, int64_t right = 0);
  static Mask strided(int64_t stride);
  static Mask local2d(int64_t width, int64_t blockH, int64_t blockW, int64_t memTop = 0,
                      int64_t memLeft = 0, int64_t memRight = 0, bool causal = false);
  /// Run-time data: `kv_lengths` [B] i32.
  static Mask padding() { return Mask("padding"); }
  /// Run-time data: `prefix_lengths` [B] i32.
  static Mask prefixLM() { return Mask("prefix_lm"); }
  /// Run-time data: `q_segments` [B, Lq] i32 (and `kv_segments` when Lq != Lk).
  static Mask document() { return Mask("document"); }
  /// Run-time data: `adjacency` [B, Lq, Lk] i8.
  static Mask graph() { return Mask("graph"); }
  /// Run-time data: `block_layout` [Hq, ceil(Lq/block), ceil(Lk/block)] i8.
  static Mask blockSparse(int64_t block);
  /// Run-time data: `mask` [B, Hq, Lq, Lk] i8.
  static Mask explicitMask() { return Mask("explicit"); }

  friend Mask operator&(const Mask &a, const Mask &b);
  friend Mask operator|(const Mask &a, const Mask &b);
  /// The mask in .attn syntax.
  const std::string &str() const { return text; }

private:
  explicit Mask(std::string text, bool isOr = false) : text(std::move(text)), isOr(isOr) {}
  std::string text;
  bool isOr;
};
Mask operator&(const Mask &a, const Mask &b);
Mask operator|(const Mask &a, const Mask &b);

/// A score modifier, applied in list order after scaling.
class Modifier {
public:
  /// Standard ALiBi slopes (needs static query heads).
  static Modifier alibi() { return Modifier("alibi"); }
  /// Run-time data: `rel_emb` [2 * maxDistance + 1, D] f32.
  static Modifier relEmb(int64_t maxDistance);
  /// Run-time data: `rel_bias` [numBuckets, Hq] f32.
  static Modifier t5Bias(int64_t numBuckets = 32, int64_t maxDistance = 128,
                         bool bidirectional = true);
  /// cap * tanh(score / cap).
  static Modifier softcap(double cap);
  /// Run-time data: `bias` [B, Hq, Lq, Lk] f32 (size-1 B and H broadcast).
  static Modifier bias() { return Modifier("bias"); }
  const std::string &str() const { return text; }

private:
  explicit Modifier(std::string text) : text(std::move(text)) {}
  std::string text;
};

/// One attention op: softmax(mask(modifiers(scale * q k^T))) v.
struct KernelSpec {
  std::string name = "attention";
  /// [batch, heads, length, head_dim]. Query heads must be a multiple of
  /// KV heads (grouped-query attention).
  std::array<Dim, 4> q{0, 0, 0, 0}, k{0, 0, 0, 0}, v{0, 0, 0, 0};
  /// Element type of q, k, v and out. The CPU computes in f32; f16 and bf16
  /// tensors are widened on the way in and rounded on the way out.
  DType dtype = DType::F32;
  Mask mask = Mask::none();
  std::vector<Modifier> modifiers;
  /// Default: 1/sqrt(head_dim).
  std::optional<double> scale;
  /// Align the last query with the last key (decoding with a KV cache).
  bool bottomRight = false;

  /// The .attn source that compileKernel compiles (errors point into it).
  std::string toSource() const;
};

struct Options {
  /// Kernel cache directory; empty: $ATTNC_CACHE_DIR, else
  /// $XDG_CACHE_HOME/attnc, else ~/.cache/attnc.
  std::string cacheDir;
  /// false: cache in memory only.
  bool diskCache = true;
  /// Threads per run (the caller included); 0: the process-wide pool
  /// (ATTNC_NUM_THREADS or all cores).
  unsigned threads = 0;
  /// Code generation overrides (0: the target configuration's choice).
  int64_t vectorWidth = 0, qTile = 0, kTile = 0;
};

/// An argument or result of a compiled kernel.
struct Argument {
  std::string name;
  DType dtype = DType::F32;
  /// -1 for run-time sizes.
  std::vector<int64_t> shape;
  /// The symbolic name of each dimension ("" when static or unnamed).
  std::vector<std::string> dims;
  /// block_layout only: the block_sparse block size, so that its shape is
  /// [Hq, ceil(Lq / blockSize), ceil(Lk / blockSize)].
  int64_t blockSize = 0;
  bool isOutput = false;
};

/// Wall-clock milliseconds of the compile that produced a kernel.
struct CompileStats {
  bool cacheHit = false;
  /// .attn -> attn IR (frontend) and the fusion passes run to bind names.
  double frontend = 0;
  /// MLIR parse + CPU pipeline + lowering to the LLVM dialect (0 on a hit).
  double passes = 0;
  /// LLVM IR translation, O3 and object emission (0 on a hit).
  double codegen = 0;
  /// Cache lookup and loading the object into the JIT.
  double load = 0;
  double total = 0;
};

/// A tensor bound to an argument name.
struct Binding {
  std::string name;
  TensorView view;
};

class Kernel {
public:
  struct Impl;
  Kernel() = default;

  bool valid() const { return static_cast<bool>(impl); }
  /// The kernel's name in the spec.
  const std::string &name() const;
  /// Arguments (inputs, then `out`) in the generated function's order.
  llvm::ArrayRef<Argument> arguments() const;
  /// The argument called `name`, or null.
  const Argument *argument(llvm::StringRef name) const;
  /// The shape of `out` for these inputs ([B, Hq, Lq, Dv]).
  llvm::Expected<std::vector<int64_t>> outputShape(llvm::ArrayRef<Binding> inputs) const;
  /// Validates the bindings (every input and `out`, by name) and runs the
  /// kernel. `out` is written, never read.
  llvm::Error run(llvm::ArrayRef<Binding> bindings) const;
  const CompileStats &stats() const;
  /// The SHA-256 cache key of the compiled code.
  const std::string &cacheKey() const;

private:
  friend llvm::Expected<Kernel> compileString(llvm::StringRef, const Options &, llvm::StringRef,
                                              llvm::StringRef);
  std::shared_ptr<const Impl> impl;
};

/// Compiles a kernel described in C++.
llvm::Expected<Kernel> compileKernel(const KernelSpec &spec, const Options &options = {});
/// Compiles kernel `kernel` of .attn source text (empty: the only kernel).
/// `bufferName` names the text in diagnostics.
llvm::Expected<Kernel> compileString(llvm::StringRef source, const Options &options = {},
                                     llvm::StringRef kernel = "",
                                     llvm::StringRef bufferName = "<string>");
/// Same for a .attn file.
llvm::Expected<Kernel> compileFile(llvm::StringRef path, const Options &options = {},
                                   llvm::StringRef kernel = "");

/// The names of the kernels a .attn text defines (to pick one).
llvm::Expected<std::vector<std::string>> listKernels(llvm::StringRef source,
                                                     llvm::StringRef bufferName = "<string>");

} // namespace attnc

#endif // ATTNC_COMPILER_API_ATTNC_H
