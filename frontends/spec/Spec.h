//===- Spec.h - Checked, typed description of kernels and models -*- C++ -*-===//
//
// Sema turns the generic syntax tree into these plain structs after checking
// every key, value and size; MLIRGen only reads them. Keeping this layer free
// of MLIR types means it can be built and inspected without a context, and
// MLIRGen never has to re-validate user input. Every part remembers the
// source location it came from so generated ops get precise locations.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_FRONTENDS_SPEC_SPEC_H
#define ATTNC_FRONTENDS_SPEC_SPEC_H

#include "frontends/spec/AST.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attnc::spec {

enum class DType { F32, F16, BF16 };

/// A mask tree; mirrors the #attn mask attributes.
struct MaskSpec {
  enum class Kind {
    None, Causal, Padding, Window, Strided, BlockSparse, PrefixLM, Document, Graph, Local2D, Explicit, And, Or
  };
  Kind kind = Kind::None;
  SrcLoc loc;
  int64_t offset = 0;            // causal
  int64_t left = 0, right = 0;   // window
  int64_t stride = 0;            // strided
  int64_t block = 0;             // block_sparse
  // local2d
  int64_t width = 0, blockH = 0, blockW = 0, memTop = 0, memLeft = 0, memRight = 0;
  bool causal = false;
  std::vector<MaskSpec> members; // and / or

  bool isNone() const { return kind == Kind::None; }
  /// True when this tree contains a mask of `k`.
  bool uses(Kind k) const;
};

/// A score modifier; mirrors the #attn modifier attributes.
struct ModifierSpec {
  enum class Kind { Alibi, RelEmb, T5Bias, Softcap, Bias };
  Kind kind;
  SrcLoc loc;
  int64_t maxDistance = 0;  // rel_emb, t5_bias
  int64_t numBuckets = 0;   // t5_bias
  bool bidirectional = true; // t5_bias
  double cap = 0;           // softcap
};

/// A tensor dimension: static, or a named run-time size (`B`, `L`).
struct DimSpec {
  int64_t value = 0;
  std::string symbol;
  SrcLoc loc;
  bool isSymbolic() const { return !symbol.empty(); }
  bool sameAs(const DimSpec &o) const { return isSymbolic() ? symbol == o.symbol : !o.isSymbolic() && value == o.value; }
};

struct KernelSpec {
  std::string name;
  SrcLoc loc;
  std::array<DimSpec, 4> q, k, v; // [B, H, L, D]
  SrcLoc qLoc, kLoc, vLoc;
  DType dtype = DType::F32;
  MaskSpec mask;
  std::vector<ModifierSpec> modifiers;
  std::optional<double> scale;
  bool bottomRight = false;
};

enum class PositionKind { None, Sinusoidal, Learned, Rope, Alibi, Relative, T5 };

struct PositionSpec {
  PositionKind kind = PositionKind::None;
  SrcLoc loc;
  double theta = 10000.0;   // rope
  int64_t rotaryDim = 0;    // rope; 0 = all of head_dim
  int64_t maxDistance = 0;  // relative, t5
  int64_t numBuckets = 32;  // t5
  std::optional<bool> bidirectional; // t5; default: true in encoders, false in decoders
  bool isAbsolute() const { return kind == PositionKind::Sinusoidal || kind == PositionKind::Learned; }
};

enum class NormKind { LayerNorm, RMSNorm };
enum class ActivationKind { ReLU, GELU, GELUTanh, SiLU, SwiGLU };

/// What one layer of a stack does differently (`layer 3 { mask = ... }`).
struct LayerSpec {
  MaskSpec mask;
  std::optional<double> softcap;
  SrcLoc loc;
};

struct StackSpec {
  bool isDecoder = false;
  SrcLoc loc;
  int64_t layers = 0, dModel = 0, heads = 0, kvHeads = 0, headDim = 0, ffn = 0;
  NormKind norm = NormKind::LayerNorm;
  double normEps = 1e-5;
  bool preNorm = true;
  bool finalNorm = true;
  ActivationKind activation = ActivationKind::GELU;
  bool bias = true;
  PositionSpec positions;
  std::vector<LayerSpec> perLayer; // one per layer
  bool crossAttention = false;     // decoder of an encoder-decoder model
  bool memory = false;             // Transformer-XL segment recurrence
  int64_t seqProj = 0;             // Linformer projected length (0 = off)
  SrcLoc memoryLoc, seqProjLoc;
};

enum class HeadKind { Tied, Untied, None };

struct ModelSpec {
  std::string name;
  SrcLoc loc;
  int64_t vocab = 0;
  int64_t maxPositions = 0;
  DType dtype = DType::F32;
  HeadKind head = HeadKind::Tied;
  bool softmax = false;
  std::optional<StackSpec> encoder, decoder;
};

/// Everything a .attn file defines, in source order per kind.
struct SpecModule {
  std::vector<KernelSpec> kernels;
  std::vector<ModelSpec> models;
};

class DiagEmitter;

/// Checks `file` and builds the typed description. Reports every problem it
/// finds (up to DiagEmitter::kMaxErrors); returns false when any was found.
bool analyzeSpec(const File &file, DiagEmitter &diag, SpecModule &out);

} // namespace attnc::spec

#endif // ATTNC_FRONTENDS_SPEC_SPEC_H
