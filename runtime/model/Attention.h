//===- Attention.h - Masks, score modifiers and runtime attention -*- C++ -*-===//
//
// The LLVM-free description of what an attention step computes (mirroring
// attn.flash_attention's attributes), and the runtime's own attention
// kernels:
//   * attentionForward: the general kernel, used for attention steps that
//     have no JIT-compiled kernel and for the score-level ops of unfused
//     chains (applyScoreMods/applyMask);
//   * attentionDecode: the decode kernel for a handful of query rows against
//     a long KV cache, split over the key length (flash-decoding): each task
//     reduces one key chunk to a partial (max, sum, acc) and a final pass
//     combines them, so one query row keeps every core busy.
// Both follow the dialect's conventions exactly: query row i has position
// i + shift (shift = Lk - Lq with bottom_right), modifiers apply after the
// scale in list order, then the mask; a row with no visible key is 0.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_MODEL_ATTENTION_H
#define ATTNC_RUNTIME_MODEL_ATTENTION_H

#include "runtime/core/Status.h"
#include "runtime/core/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnc::rt {
class ThreadPool;
} // namespace attnc::rt

namespace attnc::rt::model {

/// One node of a mask tree (#attn.causal, #attn.and, ...).
struct MaskNode {
  enum class Kind : uint8_t {
    Causal, Window, Padding, Strided, BlockSparse, PrefixLM, Document, Graph,
    Local2D, Explicit, And, Or
  };
  Kind kind = Kind::Causal;
  // causal: offset; window: left, right; strided: stride; block_sparse:
  // block; local2d: width, block_h, block_w, mem_top, mem_left, mem_right,
  // causal.
  int64_t p[7] = {0, 0, 0, 0, 0, 0, 0};
  std::vector<MaskNode> members; // and / or
};

struct Modifier {
  enum class Kind : uint8_t { Alibi, RelEmb, T5Bias, Softcap, Bias };
  Kind kind = Kind::Alibi;
  int64_t maxDistance = 0; // rel_emb, t5_bias
  int64_t numBuckets = 0;  // t5_bias
  bool bidirectional = true;
  double cap = 0;          // softcap
};

/// The attributes of an attention step.
struct AttentionSpec {
  float scale = 1.0f;
  bool hasMask = false;
  MaskNode mask;
  std::vector<Modifier> modifiers;
  bool bottomRight = false;
};

/// Auxiliary operands, in attn.flash_attention order. Absent ones have
/// data() == nullptr. Views may broadcast with stride 0.
struct AttentionAux {
  TensorView kvLengths, prefixLengths, qSegments, kvSegments, adjacency,
      blockLayout, maskTensor, bias, alibiSlopes, relEmb, relBias;
};

/// Text forms used by the plan format and messages: "causal<offset=0>",
/// "and[causal<offset=0>,padding]", "t5_bias<num_buckets=32,...>".
std::string printMask(const MaskNode &mask);
std::string printModifier(const Modifier &mod);
/// Parses what printMask/printModifier print; false on malformed text.
bool parseMask(const std::string &text, MaskNode &out);
bool parseModifier(const std::string &text, Modifier &out);

/// T5's relative position bucket of `rel = key_pos - query_pos` (exactly
/// HF transformers' _relative_position_bucket, in float32 like it).
int64_t t5Bucket(int64_t rel, int64_t numBuckets, int64_t maxDistance,
                 bool bidirectional);

/// Checks operand shapes against the spec (every mask/modifier has its
/// operand, ranks and sizes agree) so the kernels can index freely.
Status checkAttentionOperands(const AttentionSpec &spec, const TensorView &q,
                              const TensorView &k, const TensorView &v,
                              const AttentionAux &aux);

/// out[B, Hq, Lq, Dv] (and lse[B, Hq, Lq] when `lse` is non-null) of the
/// fused attention. q/k/v/out may be strided (innermost dim contiguous).
Status attentionForward(const AttentionSpec &spec, const TensorView &q,
                        const TensorView &k, const TensorView &v,
                        const AttentionAux &aux, const TensorView &out,
                        const TensorView *lse, ThreadPool &pool);

/// Same result as attentionForward for small Lq (decoding), split over the
/// key length into chunks of `chunk` keys (0: pick from Lk and the pool).
Status attentionDecode(const AttentionSpec &spec, const TensorView &q,
                       const TensorView &k, const TensorView &v,
                       const AttentionAux &aux, const TensorView &out,
                       ThreadPool &pool, int64_t chunk = 0);

/// The score-level ops of unfused chains, in place on [B, H, Lq, Lk] scores:
/// attn.score_mod (needs the query for rel_emb) and attn.mask.
Status applyScoreMods(const std::vector<Modifier> &mods, bool bottomRight,
                      const TensorView *query, const AttentionAux &aux,
                      float scale, const TensorView &scores, ThreadPool &pool);
Status applyMask(const MaskNode &mask, bool bottomRight,
                 const AttentionAux &aux, const TensorView &scores,
                 ThreadPool &pool);

} // namespace attnc::rt::model

#endif // ATTNC_RUNTIME_MODEL_ATTENTION_H
