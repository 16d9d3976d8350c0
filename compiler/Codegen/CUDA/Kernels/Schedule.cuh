//===- Schedule.cuh - Live key tiles and the run-time tile map ------------===//
//
// Pasted after the emitted attnc_visible. For a query tile, which key tiles
// are live (the band schedule computes a contiguous range; the run-time
// schedule reads the tile map), and which of them need per-element mask work
// (partial tiles and tiles that cross the end of the keys). Dead tiles are
// never loaded. The classify kernel body evaluates the mask once per input
// to build the tile map for the run-time schedule.
//
//===----------------------------------------------------------------------===//

ATTNC_DEVICE attnc_i64 attnc_num_q_tiles(const AttncAttnParams &p) {
  return (p.q_len + attnc_cfg::kQTile - 1) / attnc_cfg::kQTile;
}
ATTNC_DEVICE attnc_i64 attnc_num_k_tiles(const AttncAttnParams &p) {
  return (p.kv_len + attnc_cfg::kKTile - 1) / attnc_cfg::kKTile;
}
ATTNC_DEVICE attnc_i64 attnc_shift(const AttncAttnParams &p) {
  return attnc_cfg::kBottomRight ? p.kv_len - p.q_len : 0;
}

// Key tiles [lo, hi) that may hold a live pair for query rows [i0, i0+rows).
ATTNC_DEVICE void attnc_live_range(const AttncAttnParams &p, attnc_i64 i0, attnc_i64 rows, attnc_i64 shift,
                                   attnc_i64 &lo, attnc_i64 &hi) {
  using namespace attnc_cfg;
  lo = 0;
  hi = attnc_num_k_tiles(p);
  if (kSchedule == kScheduleBand) {
    if (kBandHasLo)
      lo = attnc_max(lo, attnc_floordiv(i0 + shift + kBandLo, kKTile));
    if (kBandHasHi)
      hi = attnc_min(hi, attnc_floordiv(i0 + rows - 1 + shift + kBandHi, kKTile) + 1);
  }
}

// The tile map row of a query tile (run-time schedule), or null.
ATTNC_DEVICE const unsigned char *attnc_tile_map_row(const AttncAttnParams &p, attnc_i64 b, attnc_i64 h,
                                                     attnc_i64 qt) {
  if (attnc_cfg::kSchedule != attnc_cfg::kScheduleRuntime)
    return nullptr;
  return p.tile_map + b * p.tile_map_stride_b + h * p.tile_map_stride_h + qt * attnc_num_k_tiles(p);
}

ATTNC_DEVICE bool attnc_tile_live(const unsigned char *map_row, attnc_i64 kt) {
  return attnc_cfg::kSchedule != attnc_cfg::kScheduleRuntime || map_row[kt] != 0;
}

// Whether key tile kt of the query tile needs per-element masking.
ATTNC_DEVICE bool attnc_tile_needs_mask(const AttncAttnParams &p, const unsigned char *map_row, attnc_i64 kt,
                                        attnc_i64 i0, attnc_i64 rows, attnc_i64 shift) {
  using namespace attnc_cfg;
  attnc_i64 j0 = kt * kKTile;
  if (j0 + kKTile > p.kv_len)
    return true; // the tile crosses the end of the keys
  if (!kHasMask)
    return false;
  if (kSchedule == kScheduleRuntime)
    return map_row[kt] != 2;
  if (!kMaskIsBand)
    return true;
  bool full = (!kFullHasLo || j0 - (i0 + rows - 1 + shift) >= kFullLo) &&
              (!kFullHasHi || j0 + kKTile - 1 - (i0 + shift) <= kFullHi);
  return !full;
}

// One thread block per (key tile, query tile, batch|1 * head|1): counts the
// visible pairs of the tile and stores 0 (dead), 1 (partial) or 2 (full).
ATTNC_DEVICE void attnc_classify_body(const AttncAttnParams &p) {
  using namespace attnc_cfg;
  attnc_i64 kt = blockIdx.x, qt = blockIdx.y;
  attnc_i64 heads = kTileMapPerHead ? p.q_heads : 1;
  attnc_i64 b = blockIdx.z / heads, h = blockIdx.z % heads;
  attnc_i64 i0 = qt * kQTile, j0 = kt * kKTile;
  attnc_i64 rows = attnc_min(kQTile, p.q_len - i0), cols = attnc_min(kKTile, p.kv_len - j0);
  attnc_i64 shift = attnc_shift(p);
  int visible = 0;
  for (attnc_i64 e = threadIdx.x; e < rows * cols; e += blockDim.x) {
    attnc_i64 i = i0 + e / cols, j = j0 + e % cols;
    visible += attnc_visible(p, b, h, i, j, shift) ? 1 : 0;
  }
  // A thread may see several pairs: sum the counts exactly.
  __shared__ int count;
  if (threadIdx.x == 0)
    count = 0;
  __syncthreads();
  if (visible)
    atomicAdd(&count, visible);
  __syncthreads();
  if (threadIdx.x == 0) {
    unsigned char cls = count == 0 ? 0 : (count == rows * cols ? 2 : 1);
    p.tile_map[b * p.tile_map_stride_b + h * p.tile_map_stride_h + qt * attnc_num_k_tiles(p) + kt] = cls;
  }
}

// One thread block's work item, shared by every kernel body: query tile `qt`
// (heaviest tiles first: the most live keys under a causal mask) of batch
// `b` and query head `h` (grid: x = query tiles, y = batch * q_heads), the
// base pointers of its rows, and its live key-tile range.
struct AttncWork {
  attnc_i64 qt, b, h, kvh, i0, rows, shift, kt_lo, kt_hi;
  const unsigned char *map_row;
  const attnc_elem_t *q, *k, *v;
  attnc_elem_t *out;

  __device__ __forceinline__ explicit AttncWork(const AttncAttnParams &p) {
    using namespace attnc_cfg;
    qt = attnc_num_q_tiles(p) - 1 - blockIdx.x;
    b = blockIdx.y / p.q_heads;
    h = blockIdx.y % p.q_heads;
    kvh = h / (p.q_heads / p.kv_heads);
    i0 = qt * kQTile;
    rows = attnc_min(kQTile, p.q_len - i0);
    shift = attnc_shift(p);
    q = (const attnc_elem_t *)p.q + (b * p.q_heads + h) * p.q_len * kHeadDim;
    k = (const attnc_elem_t *)p.k + (b * p.kv_heads + kvh) * p.kv_len * kHeadDim;
    v = (const attnc_elem_t *)p.v + (b * p.kv_heads + kvh) * p.kv_len * kHeadDimV;
    out = (attnc_elem_t *)p.out + (b * p.q_heads + h) * p.q_len * kHeadDimV;
    map_row = attnc_tile_map_row(p, kTileMapPerBatch ? b : 0, kTileMapPerHead ? h : 0, qt);
    attnc_live_range(p, i0, rows, shift, kt_lo, kt_hi);
  }
  /// The first live key tile at or after `kt` (kt_hi when none is left).
  __device__ __forceinline__ attnc_i64 nextLive(attnc_i64 kt) const {
    while (kt < kt_hi && !attnc_tile_live(map_row, kt))
      ++kt;
    return kt;
  }
};
