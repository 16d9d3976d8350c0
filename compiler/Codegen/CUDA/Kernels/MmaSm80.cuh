//===- MmaSm80.cuh - FlashAttention-2 style tensor-core kernel body -------===//
//
// The bf16/f16 kernel for sm_80 and later: one thread block per (query tile,
// batch * q_head), one warp per 16 query rows. Q, K and V tiles are staged in
// shared memory with cp.async (K/V double-buffered: the next live tile is in
// flight while the current one is used), fragments are read with ldmatrix,
// and both products use mma.sync.m16n8k16 with fp32 accumulation. The
// softmax is online (running max and sum per row, rescaling O); P goes from
// the S accumulators to the A operand of the second product in registers.
// Shared-memory rows are padded by 16 bytes so that the eight row addresses
// of an ldmatrix hit distinct banks.
//
// Fragment layouts (PTX ISA, mma.m16n8k16; g = lane / 4, t = lane % 4):
//   A 16x16: a0 (g, 2t..2t+1)  a1 (g+8, 2t..)  a2 (g, 2t+8..)  a3 (g+8, 2t+8..)
//   B 16x8 : b0 (k = 2t..2t+1, n = g)  b1 (k = 2t+8.., n = g)
//   C 16x8 : c0,c1 (g, 2t..2t+1)  c2,c3 (g+8, 2t..2t+1)
//
//===----------------------------------------------------------------------===//

namespace attnc_mma {
using namespace attnc_cfg;

constexpr int kWarps = kQTile / 16;
constexpr int kThreads = kWarps * 32;
constexpr int kStrideQK = kHeadDim + 8;  // padded shared-memory row, elements
constexpr int kStrideV = kHeadDimV + 8;
static_assert(kQTile % 16 == 0 && kKTile % 16 == 0, "tiles are multiples of 16");
static_assert(kHeadDim % 16 == 0 && kHeadDimV % 16 == 0, "head dims are multiples of 16");
constexpr int kSmemElems = kQTile * kStrideQK + 2 * kKTile * (kStrideQK + kStrideV);

ATTNC_DEVICE unsigned smem_addr(const void *p) { return (unsigned)__cvta_generic_to_shared(p); }

// 16-byte asynchronous copy; a false predicate zero-fills the destination.
ATTNC_DEVICE void cp_async16(void *dst, const void *src, bool pred) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(dst)), "l"(src),
               "r"(pred ? 16 : 0));
}
ATTNC_DEVICE void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
ATTNC_DEVICE void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

ATTNC_DEVICE void ldmatrix_x4(unsigned (&r)[4], const void *p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(p)));
}
ATTNC_DEVICE void ldmatrix_x4_trans(unsigned (&r)[4], const void *p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(p)));
}

ATTNC_DEVICE void mma16816(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32." ATTNC_MMA_TYPE "." ATTNC_MMA_TYPE ".f32 "
               "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Copies rows [row0, row0 + ROWS) of a [*, COLS] tensor into a padded
// shared tile; rows at or past `valid` are zero-filled (so that padding keys
// contribute exact zeros to P·V, never NaN).
template <int ROWS, int COLS, int STRIDE>
ATTNC_DEVICE void load_tile(attnc_elem_t *dst, const attnc_elem_t *src, attnc_i64 row0, attnc_i64 valid) {
  constexpr int kChunks = COLS / 8;
  for (int c = threadIdx.x; c < ROWS * kChunks; c += kThreads) {
    int r = c / kChunks, col = (c % kChunks) * 8;
    bool pred = row0 + r < valid;
    const attnc_elem_t *s = pred ? src + (row0 + r) * COLS + col : src;
    cp_async16(dst + r * STRIDE + col, s, pred);
  }
}

ATTNC_DEVICE void attnc_flash_fwd(const AttncAttnParams &p) {
  extern __shared__ __align__(128) unsigned char attnc_smem[];
  attnc_elem_t *sQ = reinterpret_cast<attnc_elem_t *>(attnc_smem);
  attnc_elem_t *sK = sQ + kQTile * kStrideQK;        // 2 buffers
  attnc_elem_t *sV = sK + 2 * kKTile * kStrideQK;    // 2 buffers

  const AttncWork w(p);
  const attnc_i64 b = w.b, h = w.h, i0 = w.i0, rows = w.rows, shift = w.shift;
  const attnc_i64 kt_hi = w.kt_hi;
  const attnc_elem_t *q = w.q, *k = w.k, *v = w.v;
  attnc_elem_t *out = w.out;
  const unsigned char *map_row = w.map_row;
  auto next_live = [&](attnc_i64 kt) { return w.nextLive(kt); };

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane >> 2, t4 = lane & 3;
  // The two query rows this thread's accumulators belong to.
  const attnc_i64 row_of[2] = {i0 + warp * 16 + g, i0 + warp * 16 + g + 8};

  float o[kHeadDimV / 8][4];
#pragma unroll
  for (int n = 0; n < kHeadDimV / 8; ++n)
    o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
  float m[2] = {ATTNC_NEG_INF, ATTNC_NEG_INF}, l[2] = {0.f, 0.f};

  attnc_i64 kt = next_live(w.kt_lo);
  load_tile<kQTile, kHeadDim, kStrideQK>(sQ, q, i0, p.q_len);
  if (kt < kt_hi) {
    load_tile<kKTile, kHeadDim, kStrideQK>(sK, k, kt * kKTile, p.kv_len);
    load_tile<kKTile, kHeadDimV, kStrideV>(sV, v, kt * kKTile, p.kv_len);
  }
  cp_async_commit();

  int buf = 0;
  while (kt < kt_hi) {
    const attnc_i64 kt_next = next_live(kt + 1);
    if (kt_next < kt_hi) {
      load_tile<kKTile, kHeadDim, kStrideQK>(sK + (buf ^ 1) * kKTile * kStrideQK, k, kt_next * kKTile, p.kv_len);
      load_tile<kKTile, kHeadDimV, kStrideV>(sV + (buf ^ 1) * kKTile * kStrideV, v, kt_next * kKTile, p.kv_len);
    }
    cp_async_commit();
    cp_async_wait<1>(); // the current tile (and Q) have landed
    __syncthreads();

    const attnc_elem_t *cK = sK + buf * kKTile * kStrideQK;
    const attnc_elem_t *cV = sV + buf * kKTile * kStrideV;

    // S = Q K^T for this warp's 16 rows.
    float s[kKTile / 8][4];
#pragma unroll
    for (int n = 0; n < kKTile / 8; ++n)
      s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < kHeadDim / 16; ++kk) {
      unsigned a[4];
      ldmatrix_x4(a, sQ + (warp * 16 + (lane % 8) + ((lane / 8) % 2) * 8) * kStrideQK + kk * 16 + (lane / 16) * 8);
#pragma unroll
      for (int nn = 0; nn < kKTile / 16; ++nn) {
        unsigned bfr[4];
        ldmatrix_x4(bfr, cK + (nn * 16 + (lane % 8) + (lane / 16) * 8) * kStrideQK + kk * 16 + ((lane / 8) % 2) * 8);
        mma16816(s[2 * nn], a, bfr[0], bfr[1]);
        mma16816(s[2 * nn + 1], a, bfr[2], bfr[3]);
      }
    }

    // Scale, score modifiers, then the mask (partial tiles only).
    const attnc_i64 j0 = kt * kKTile;
    const bool need_mask = attnc_tile_needs_mask(p, map_row, kt, i0, rows, shift);
#pragma unroll
    for (int n = 0; n < kKTile / 8; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const attnc_i64 i = row_of[e / 2], j = j0 + n * 8 + t4 * 2 + (e & 1);
        const bool valid = i < p.q_len && j < p.kv_len;
        float x = s[n][e] * attnc_cfg::kScale;
        if (kHasMods && valid)
          x = attnc_modify(x, p, b, h, i, j, shift, q + i * kHeadDim);
        if (need_mask && (!valid || !attnc_visible(p, b, h, i, j, shift)))
          x = ATTNC_NEG_INF;
        s[n][e] = x;
      }
    }

    // Online softmax. A row with no visible key so far keeps m = -inf; its
    // exponentials use 0 as the reference so that they are 0, not NaN.
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = ATTNC_NEG_INF;
#pragma unroll
      for (int n = 0; n < kKTile / 8; ++n)
        mx = fmaxf(mx, fmaxf(s[n][2 * r], s[n][2 * r + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float m_new = fmaxf(m[r], mx);
      const float ref = m_new == ATTNC_NEG_INF ? 0.f : m_new * ATTNC_LOG2E;
      const float alpha = exp2f(m[r] * ATTNC_LOG2E - ref);
      float sum = 0.f;
#pragma unroll
      for (int n = 0; n < kKTile / 8; ++n) {
        s[n][2 * r] = exp2f(fmaf(s[n][2 * r], ATTNC_LOG2E, -ref));
        s[n][2 * r + 1] = exp2f(fmaf(s[n][2 * r + 1], ATTNC_LOG2E, -ref));
        sum += s[n][2 * r] + s[n][2 * r + 1];
      }
      l[r] = l[r] * alpha + sum; // per-thread partial; the quad is summed at the end
      m[r] = m_new;
#pragma unroll
      for (int n = 0; n < kHeadDimV / 8; ++n) {
        o[n][2 * r] *= alpha;
        o[n][2 * r + 1] *= alpha;
      }
    }

    // O += P V: the S accumulators of n-tiles 2kk, 2kk+1 are the A fragment.
#pragma unroll
    for (int kk = 0; kk < kKTile / 16; ++kk) {
      const unsigned a[4] = {attnc_pack2(s[2 * kk][0], s[2 * kk][1]), attnc_pack2(s[2 * kk][2], s[2 * kk][3]),
                             attnc_pack2(s[2 * kk + 1][0], s[2 * kk + 1][1]),
                             attnc_pack2(s[2 * kk + 1][2], s[2 * kk + 1][3])};
#pragma unroll
      for (int dn = 0; dn < kHeadDimV / 16; ++dn) {
        unsigned bfr[4];
        ldmatrix_x4_trans(bfr, cV + (kk * 16 + (lane % 8) + ((lane / 8) % 2) * 8) * kStrideV + dn * 16 + (lane / 16) * 8);
        mma16816(o[2 * dn], a, bfr[0], bfr[1]);
        mma16816(o[2 * dn + 1], a, bfr[2], bfr[3]);
      }
    }
    __syncthreads(); // everyone is done with `buf` before it is refilled
    kt = kt_next;
    buf ^= 1;
  }
  cp_async_wait<0>();

  // Normalise and store. Rows without a visible key: 0 and lse = -inf.
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float lt = l[r];
    lt += __shfl_xor_sync(0xffffffffu, lt, 1);
    lt += __shfl_xor_sync(0xffffffffu, lt, 2);
    const attnc_i64 i = row_of[r];
    if (i >= p.q_len)
      continue;
    const float inv = lt > 0.f ? 1.f / lt : 0.f;
#pragma unroll
    for (int n = 0; n < kHeadDimV / 8; ++n)
      *reinterpret_cast<unsigned *>(out + i * kHeadDimV + n * 8 + t4 * 2) =
          attnc_pack2(o[n][2 * r] * inv, o[n][2 * r + 1] * inv);
    if (kReturnLse && t4 == 0)
      p.lse[(b * p.q_heads + h) * p.q_len + i] = lt > 0.f ? m[r] + logf(lt) : ATTNC_NEG_INF;
  }
}

} // namespace attnc_mma
