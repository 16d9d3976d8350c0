//===- Golden.h - Float64 reference attention for numerics tests -*- C++ -*-===//
//
// The golden model every attnc attention kernel is checked against (see
// /work/shared/NUMERICS.md): the naive algorithm in double precision, with
// its own description of masks and score modifiers so that it shares no code
// with the compiler. Scores are q.k * scale, modifiers in list order, masked
// pairs -inf, softmax with max subtraction, times V. A row with no visible
// key gives an output of exactly 0 and a log-sum-exp of -inf.
//
// This code is deliberately plain: no tiling, no tricks. Do not optimise it.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TEST_SUPPORT_GOLDEN_H
#define ATTNC_TEST_SUPPORT_GOLDEN_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attnc::golden {

enum class MaskKind {
  Causal, Window, Padding, Strided, BlockSparse, PrefixLM, Document, Graph, Local2D,
  Explicit, And, Or
};

/// A mask tree; each kind reads only its own fields (named as in the spec).
struct Mask {
  MaskKind kind = MaskKind::Causal;
  int64_t offset = 0;              // causal
  int64_t left = 0, right = 0;     // window
  int64_t stride = 1;              // strided
  int64_t block = 1;               // block_sparse
  int64_t width = 1, blockH = 1, blockW = 1, memTop = 0, memLeft = 0, memRight = 0,
          causal = 0;              // local2d
  std::vector<Mask> members;       // and / or
};

enum class ModifierKind { Alibi, RelEmb, T5Bias, Softcap, Bias };

struct Modifier {
  ModifierKind kind = ModifierKind::Softcap;
  int64_t maxDistance = 0;   // rel_emb, t5_bias
  int64_t numBuckets = 32;   // t5_bias
  int64_t bidirectional = 1; // t5_bias
  double cap = 1.0;          // softcap
};

/// Inputs, all contiguous row-major. Auxiliary tensors are empty when unused.
struct Inputs {
  int64_t B = 1, Hq = 1, Hk = 1, Lq = 1, Lk = 1, D = 1, Dv = 1;
  double scale = 1.0;
  bool bottomRight = false;
  std::vector<float> q, k, v;                // [B,Hq,Lq,D], [B,Hk,Lk,D], [B,Hk,Lk,Dv]
  std::vector<int32_t> kvLengths;            // [B]
  std::vector<int32_t> prefixLengths;        // [B]
  std::vector<int32_t> qSegments;            // [B, Lq]
  std::vector<int32_t> kvSegments;           // [B, Lk] (empty: use qSegments)
  std::vector<int8_t> adjacency;             // [B, Lq, Lk]
  std::vector<int8_t> blockLayout;           // [blockLayoutHeads, ceil(Lq/blk), ceil(Lk/blk)]
  int64_t blockLayoutHeads = 1;
  std::vector<int8_t> maskTensor;            // [maskB, maskH, Lq, Lk]
  int64_t maskB = 1, maskH = 1;
  std::vector<float> bias;                   // [biasB, biasH, Lq, Lk]
  int64_t biasB = 1, biasH = 1;
  std::vector<float> alibiSlopes;            // [Hq]
  std::vector<float> relEmb;                 // [2 * max_distance + 1, D]
  std::vector<float> relBias;                // [num_buckets, Hq]
};

struct Result {
  std::vector<double> out; // [B, Hq, Lq, Dv]
  std::vector<double> lse; // [B, Hq, Lq]
};

/// The reference attention.
Result attention(const Inputs &in, const std::optional<Mask> &mask,
                 const std::vector<Modifier> &modifiers);

/// True when key j is visible from query i of (batch b, query head h).
bool isVisible(const Inputs &in, const Mask &mask, int64_t b, int64_t h, int64_t i, int64_t j);

/// T5's relative position bucket of `rel = j - i'` (HuggingFace's
/// _relative_position_bucket, computed in double).
int64_t t5Bucket(int64_t rel, int64_t numBuckets, int64_t maxDistance, bool bidirectional);

} // namespace attnc::golden

#endif // ATTNC_TEST_SUPPORT_GOLDEN_H
