//===- LowPrecisionReference.h - The naive attention in bf16/f16 -*- C++ -*-===//
//
// `ref_lp` of /work/shared/NUMERICS.md: the same naive algorithm as the
// float64 golden (Golden.h), computed the way a framework computes it in
// bf16/f16: products are accumulated in float32, and every intermediate
// tensor is rounded to the low precision (scores after q.k, after scaling,
// after each score modifier; the probabilities; the output). Its distance
// to the golden measures how much error the low precision itself costs, and
// a kernel passes when
//   max|out - golden| <= 2 * max|ref_lp - golden| + 1e-3 * max|golden|.
// Masks and the T5 buckets come from Golden.h (they are exact integer
// logic); rounding uses the runtime's conversions (round to nearest even).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TEST_SUPPORT_LOWPRECISIONREFERENCE_H
#define ATTNC_TEST_SUPPORT_LOWPRECISIONREFERENCE_H

#include "test/support/Golden.h"

namespace attnc::golden {

enum class LowPrecision { BF16, F16 };

/// `x` rounded to the nearest bf16 / f16 value (as a float).
float roundTo(LowPrecision lp, float x);

/// The naive attention in low precision; out and lse as in Golden.h (a row
/// with no visible key: 0 and -inf).
Result attentionLowPrecision(const Inputs &in, const std::optional<Mask> &mask,
                             const std::vector<Modifier> &modifiers, LowPrecision lp);

} // namespace attnc::golden

#endif // ATTNC_TEST_SUPPORT_LOWPRECISIONREFERENCE_H
