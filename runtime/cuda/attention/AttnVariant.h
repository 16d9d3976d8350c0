//===- AttnVariant.h - LLVM-free description of a GPU attention kernel ----===//
//
// What one generated attention kernel computes, in plain C++: element type,
// head dims, tile sizes, live-tile schedule, the mask tree and the score
// modifiers. The CUDA emitter (compiler/Codegen/CUDA) builds it from an
// attn.flash_attention op and generates code from it; the artifact format
// stores it as text so that the LLVM-free runtime can launch the kernel, size
// the auxiliary buffers and compute a reference on a machine without MLIR.
// Semantics are those of dialects/Attn/IR/AttnAttrs.td.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CUDA_ATTENTION_ATTNVARIANT_H
#define ATTNC_RUNTIME_CUDA_ATTENTION_ATTNVARIANT_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnc::rt::gpu {

enum class ElemType : uint8_t { F32, F16, BF16 };
const char *elemTypeName(ElemType t);                 // "f32", "f16", "bf16"
std::optional<ElemType> parseElemType(std::string_view s);
inline unsigned elemSize(ElemType t) { return t == ElemType::F32 ? 4 : 2; }

enum class MaskKind : uint8_t {
  Causal,      // ints: offset
  Window,      // ints: left, right
  Padding,     // reads kv_lengths
  Strided,     // ints: stride
  BlockSparse, // ints: block; reads block_layout
  PrefixLM,    // reads prefix_lengths
  Document,    // reads q_segments (and kv_segments when present)
  Graph,       // reads adjacency
  Local2D,     // ints: width, block_h, block_w, mem_top, mem_left, mem_right, causal
  Explicit,    // reads mask_tensor
  And,
  Or,
};

struct MaskNode {
  MaskKind kind = MaskKind::Causal;
  std::vector<int64_t> ints;
  std::vector<MaskNode> children; // And / Or only
};

enum class ModKind : uint8_t {
  Alibi,   // reads alibi_slopes
  RelEmb,  // ints: max_distance; reads rel_emb
  T5Bias,  // ints: num_buckets, max_distance, bidirectional; reads rel_bias
  Softcap, // value: cap
  Bias,    // reads bias
};

struct Modifier {
  ModKind kind = ModKind::Softcap;
  std::vector<int64_t> ints;
  double value = 0.0;
};

enum class Schedule : uint8_t { Dense, Band, Runtime };
const char *scheduleName(Schedule s);

/// Which auxiliary buffers a variant reads (bit i = AuxBuffer i).
enum class AuxBuffer : uint8_t {
  KvLengths, PrefixLengths, QSegments, KvSegments, Adjacency, BlockLayout,
  MaskTensor, Bias, AlibiSlopes, RelEmb, RelBias,
};
constexpr unsigned kNumAuxBuffers = 11;
const char *auxBufferName(AuxBuffer a); // operand names of the attn dialect

struct AttnVariant {
  ElemType dtype = ElemType::BF16; // q, k, v and out
  int64_t headDim = 0;             // D of q and k
  int64_t headDimV = 0;            // D of v and out
  int64_t qTile = 64, kTile = 64;
  Schedule schedule = Schedule::Dense;
  std::optional<int64_t> diagLo, diagHi; // band bounds on j - (i + shift)
  float scale = 1.0f;
  bool bottomRight = false;
  bool returnLse = false;
  std::optional<MaskNode> mask;
  std::vector<Modifier> modifiers;
  bool hasKvSegments = false;      // document mask with separate key ids
  ElemType biasType = ElemType::F32;
  ElemType relEmbType = ElemType::F32;

  /// Bit set of AuxBuffer the kernel reads.
  unsigned requiredAux() const;
  /// True when the mask reads per-batch / per-head data, so that a run-time
  /// tile map must be computed per batch entry / per head.
  bool maskDependsOnBatch() const;
  bool maskDependsOnHead() const;
  /// When the mask is exactly a band diag_lo <= j - i' <= diag_hi (causal,
  /// window and intersections of them), its bounds: full tiles of such a
  /// mask need no per-element mask evaluation.
  bool maskIsExactBand(std::optional<int64_t> *lo = nullptr, std::optional<int64_t> *hi = nullptr) const;
};

/// Text forms used by the artifact format and in diagnostics, e.g.
/// `and(causal(0),window(256,0))` and `alibi;softcap(50)`. parse* return
/// std::nullopt and set `error` on malformed input.
std::string printMask(const MaskNode &mask);
std::optional<MaskNode> parseMask(std::string_view text, std::string &error);
std::string printModifiers(const std::vector<Modifier> &mods);
std::optional<std::vector<Modifier>> parseModifiers(std::string_view text, std::string &error);

/// A stable, human-readable one-line description of the whole variant; also
/// the input of kernel naming and cache keys.
std::string describe(const AttnVariant &v);

} // namespace attnc::rt::gpu

#endif // ATTNC_RUNTIME_CUDA_ATTENTION_ATTNVARIANT_H
