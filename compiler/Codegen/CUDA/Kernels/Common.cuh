//===- Common.cuh - Device helpers shared by attnc's attention kernels ----===//
//
// Pasted into every generated kernel source after the per-variant constants
// (namespace attnc_cfg) and before the emitted attnc_visible/attnc_modify.
// It holds the element conversions, the primitive masks and score modifiers
// whose compositions the emitter inlines, the live-tile schedule, and the
// classify kernel body that builds the run-time tile map. Semantics follow
// dialects/Attn/IR/AttnAttrs.td; positions: query row i sits at
// i' = i + shift, key column j at j.
//
//===----------------------------------------------------------------------===//

#define ATTNC_DEVICE static __device__ __forceinline__
#define ATTNC_NEG_INF __int_as_float(0xff800000)
#define ATTNC_LOG2E 1.4426950408889634f

typedef long long attnc_i64;

ATTNC_DEVICE float attnc_to_float(float x) { return x; }
ATTNC_DEVICE float attnc_to_float(__half x) { return __half2float(x); }
ATTNC_DEVICE float attnc_to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
ATTNC_DEVICE void attnc_from_float(float x, float &out) { out = x; }
ATTNC_DEVICE void attnc_from_float(float x, __half &out) { out = __float2half_rn(x); }
ATTNC_DEVICE void attnc_from_float(float x, __nv_bfloat16 &out) { out = __float2bfloat16_rn(x); }

ATTNC_DEVICE attnc_i64 attnc_floordiv(attnc_i64 a, attnc_i64 b) {
  attnc_i64 q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
ATTNC_DEVICE attnc_i64 attnc_min(attnc_i64 a, attnc_i64 b) { return a < b ? a : b; }
ATTNC_DEVICE attnc_i64 attnc_max(attnc_i64 a, attnc_i64 b) { return a > b ? a : b; }

//===--- Primitive masks -------------------------------------------------===//

ATTNC_DEVICE bool attnc_mask_causal(attnc_i64 ip, attnc_i64 j, attnc_i64 offset) { return j <= ip + offset; }

ATTNC_DEVICE bool attnc_mask_window(attnc_i64 ip, attnc_i64 j, attnc_i64 left, attnc_i64 right) {
  return j >= ip - left && j <= ip + right;
}

ATTNC_DEVICE bool attnc_mask_padding(const AttncAttnParams &p, attnc_i64 b, attnc_i64 j) {
  return j < (attnc_i64)p.kv_lengths[b];
}

ATTNC_DEVICE bool attnc_mask_strided(attnc_i64 ip, attnc_i64 j, attnc_i64 stride) {
  attnc_i64 d = ip - j;
  return (d < stride && d > -stride) || d % stride == 0;
}

ATTNC_DEVICE bool attnc_mask_block_sparse(const AttncAttnParams &p, attnc_i64 h, attnc_i64 i, attnc_i64 j,
                                          attnc_i64 block) {
  attnc_i64 kblocks = (p.kv_len + block - 1) / block;
  return p.block_layout[h * p.block_layout_stride_h + (i / block) * kblocks + j / block] != 0;
}

ATTNC_DEVICE bool attnc_mask_prefix_lm(const AttncAttnParams &p, attnc_i64 b, attnc_i64 ip, attnc_i64 j) {
  return j <= ip || j < (attnc_i64)p.prefix_lengths[b];
}

template <bool kKvSegments>
ATTNC_DEVICE bool attnc_mask_document(const AttncAttnParams &p, attnc_i64 b, attnc_i64 i, attnc_i64 j) {
  int qs = p.q_segments[b * p.q_len + i];
  int ks = kKvSegments ? p.kv_segments[b * p.kv_len + j] : p.q_segments[b * p.q_len + j];
  return qs == ks;
}

ATTNC_DEVICE bool attnc_mask_graph(const AttncAttnParams &p, attnc_i64 b, attnc_i64 i, attnc_i64 j) {
  return p.adjacency[(b * p.q_len + i) * p.kv_len + j] != 0;
}

// Image Transformer local 2-D attention: the query block (block_h x block_w
// pixels) attends to itself extended by mem_top rows above and mem_left /
// mem_right columns to the sides.
ATTNC_DEVICE bool attnc_mask_local2d(attnc_i64 ip, attnc_i64 j, attnc_i64 width, attnc_i64 block_h,
                                     attnc_i64 block_w, attnc_i64 mem_top, attnc_i64 mem_left,
                                     attnc_i64 mem_right, bool causal) {
  attnc_i64 qr = attnc_floordiv(ip, width), qc = ip - qr * width;
  attnc_i64 r0 = attnc_floordiv(qr, block_h) * block_h, c0 = attnc_floordiv(qc, block_w) * block_w;
  attnc_i64 kr = j / width, kc = j % width;
  return kr >= r0 - mem_top && kr < r0 + block_h && kc >= c0 - mem_left && kc < c0 + block_w + mem_right &&
         (!causal || j <= ip);
}

ATTNC_DEVICE bool attnc_mask_explicit(const AttncAttnParams &p, attnc_i64 b, attnc_i64 h, attnc_i64 i,
                                      attnc_i64 j) {
  return p.mask_tensor[b * p.mask_stride_b + h * p.mask_stride_h + i * p.kv_len + j] != 0;
}

//===--- Primitive score modifiers ---------------------------------------===//

ATTNC_DEVICE float attnc_mod_alibi(float s, const AttncAttnParams &p, attnc_i64 h, attnc_i64 ip, attnc_i64 j) {
  attnc_i64 d = ip - j;
  return s - p.alibi_slopes[h] * (float)(d < 0 ? -d : d);
}

// scale * q_i . E[clamp(j - i', -max_distance, max_distance) + max_distance]
// An O(D) loop per score: kept out of line, or NVRTC unrolls it into every
// element of the unrolled tile loops (minutes of compile time).
#define ATTNC_DEVICE_OUTLINED static __device__ __noinline__
template <typename QT, typename ET>
ATTNC_DEVICE_OUTLINED float attnc_mod_rel_emb(float s, const AttncAttnParams &p, const QT *q_row, attnc_i64 ip,
                                     attnc_i64 j, attnc_i64 max_distance, int head_dim) {
  attnc_i64 r = j - ip;
  r = r < -max_distance ? -max_distance : (r > max_distance ? max_distance : r);
  const ET *e = (const ET *)p.rel_emb + (r + max_distance) * head_dim;
  float dot = 0.f;
  for (int d = 0; d < head_dim; ++d)
    dot += attnc_to_float(q_row[d]) * attnc_to_float(e[d]);
  return s + attnc_cfg::kScale * dot;
}

// T5's relative_position_bucket (HF transformers). The logarithm is taken in
// double, like the float64 golden, so that bucket edges agree exactly.
ATTNC_DEVICE_OUTLINED int attnc_t5_bucket(attnc_i64 rel, int num_buckets, int max_distance, bool bidirectional) {
  int ret = 0;
  if (bidirectional) {
    num_buckets /= 2;
    if (rel > 0)
      ret += num_buckets;
    rel = rel < 0 ? -rel : rel;
  } else {
    rel = rel < 0 ? -rel : 0;
  }
  int max_exact = num_buckets / 2;
  if (rel < max_exact)
    return ret + (int)rel;
  int large = max_exact + (int)(log((double)rel / (double)max_exact) /
                                log((double)max_distance / (double)max_exact) * (double)(num_buckets - max_exact));
  return ret + (large < num_buckets - 1 ? large : num_buckets - 1);
}

ATTNC_DEVICE float attnc_mod_t5_bias(float s, const AttncAttnParams &p, attnc_i64 h, attnc_i64 ip, attnc_i64 j,
                                     int num_buckets, int max_distance, bool bidirectional) {
  int bucket = attnc_t5_bucket(j - ip, num_buckets, max_distance, bidirectional);
  return s + p.rel_bias[(attnc_i64)bucket * p.q_heads + h];
}

ATTNC_DEVICE float attnc_mod_softcap(float s, float cap) { return cap * tanhf(s / cap); }

template <typename BT>
ATTNC_DEVICE float attnc_mod_bias(float s, const AttncAttnParams &p, attnc_i64 b, attnc_i64 h, attnc_i64 i,
                                  attnc_i64 j) {
  const BT *bias = (const BT *)p.bias;
  return s + attnc_to_float(bias[b * p.bias_stride_b + h * p.bias_stride_h + i * p.kv_len + j]);
}
