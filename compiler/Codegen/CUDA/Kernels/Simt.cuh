//===- Simt.cuh - Portable CUDA-core attention kernel body ----------------===//
//
// The reference GPU kernel: any element type (f32 included), any head dim,
// any architecture. One thread block per (query tile, batch * q_head) with
// four warps; a warp owns one query row at a time, its lanes split the head
// dim, and keys are visited one by one with an online softmax. It shares the
// tile schedule, masks and modifiers with the tensor-core kernel, so it is
// also the oracle that keeps those honest. Speed is not a goal here.
//
//===----------------------------------------------------------------------===//

namespace attnc_simt {
using namespace attnc_cfg;

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kDPerLane = (kHeadDim + 31) / 32;
constexpr int kDvPerLane = (kHeadDimV + 31) / 32;

ATTNC_DEVICE float warp_sum(float x) {
#pragma unroll
  for (int o = 16; o > 0; o /= 2)
    x += __shfl_xor_sync(0xffffffffu, x, o);
  return x;
}

ATTNC_DEVICE void attnc_flash_fwd(const AttncAttnParams &p) {
  const AttncWork w(p);
  const attnc_i64 b = w.b, h = w.h, i0 = w.i0, rows = w.rows, shift = w.shift;
  const attnc_i64 kt_lo = w.kt_lo, kt_hi = w.kt_hi;
  const attnc_elem_t *q = w.q, *k = w.k, *v = w.v;
  attnc_elem_t *out = w.out;
  const unsigned char *map_row = w.map_row;

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (attnc_i64 i = i0 + warp; i < i0 + rows; i += kWarps) {
    float qr[kDPerLane], o[kDvPerLane];
#pragma unroll
    for (int t = 0; t < kDPerLane; ++t) {
      int d = lane + 32 * t;
      qr[t] = d < kHeadDim ? attnc_to_float(q[i * kHeadDim + d]) : 0.f;
    }
#pragma unroll
    for (int t = 0; t < kDvPerLane; ++t)
      o[t] = 0.f;
    float m = ATTNC_NEG_INF, l = 0.f;
    for (attnc_i64 kt = kt_lo; kt < kt_hi; ++kt) {
      if (!attnc_tile_live(map_row, kt))
        continue;
      const bool need_mask = attnc_tile_needs_mask(p, map_row, kt, i0, rows, shift);
      const attnc_i64 j1 = attnc_min((kt + 1) * kKTile, p.kv_len);
      for (attnc_i64 j = kt * kKTile; j < j1; ++j) {
        if (need_mask && !attnc_visible(p, b, h, i, j, shift))
          continue;
        float dot = 0.f;
#pragma unroll
        for (int t = 0; t < kDPerLane; ++t) {
          int d = lane + 32 * t;
          if (d < kHeadDim)
            dot += qr[t] * attnc_to_float(k[j * kHeadDim + d]);
        }
        float x = warp_sum(dot) * attnc_cfg::kScale;
        if (kHasMods)
          x = attnc_modify(x, p, b, h, i, j, shift, q + i * kHeadDim);
        if (x == ATTNC_NEG_INF) // a bias of -inf masks the pair
          continue;
        const float m_new = fmaxf(m, x);
        const float alpha = expf(m - m_new); // m = -inf: 0
        const float e = expf(x - m_new);
        l = l * alpha + e;
#pragma unroll
        for (int t = 0; t < kDvPerLane; ++t) {
          int d = lane + 32 * t;
          o[t] = o[t] * alpha + (d < kHeadDimV ? e * attnc_to_float(v[j * kHeadDimV + d]) : 0.f);
        }
        m = m_new;
      }
    }
    const float inv = l > 0.f ? 1.f / l : 0.f;
#pragma unroll
    for (int t = 0; t < kDvPerLane; ++t) {
      int d = lane + 32 * t;
      if (d < kHeadDimV)
        attnc_from_float(o[t] * inv, out[i * kHeadDimV + d]);
    }
    if (kReturnLse && lane == 0)
      p.lse[(b * p.q_heads + h) * p.q_len + i] = l > 0.f ? m + logf(l) : ATTNC_NEG_INF;
  }
}

} // namespace attnc_simt
