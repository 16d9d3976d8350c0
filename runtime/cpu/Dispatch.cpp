//===- Dispatch.cpp - Run a compiled CPU attention kernel -----------------===//
//
// See Dispatch.h. Live-tile classification is conservative where exactness
// would cost a full mask evaluation (strided, local2d: every tile is live and
// partial); the kernel evaluates the mask on every partial tile, so only
// `live = false` and `full = true` must be exact, and they are.
//
//===----------------------------------------------------------------------===//
#include "runtime/cpu/Dispatch.h"

#include "runtime/core/Sha256.h"
#include "runtime/cpu/ThreadPool.h"

#include <algorithm>
#include <climits>
#include <cstring>

using namespace attnc::rt;

//===----------------------------------------------------------------------===//
// LiveTileCache
//===----------------------------------------------------------------------===//

std::shared_ptr<const std::vector<int32_t>> LiveTileCache::find(const std::string &key) {
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = entries.begin(); it != entries.end(); ++it)
    if (it->first == key) {
      entries.splice(entries.begin(), entries, it); // most recently used first
      return entries.front().second;
    }
  return nullptr;
}

void LiveTileCache::insert(const std::string &key, std::shared_ptr<const std::vector<int32_t>> tiles) {
  std::lock_guard<std::mutex> lock(mutex);
  for (auto &e : entries)
    if (e.first == key)
      return;
  entries.emplace_front(key, std::move(tiles));
  while (entries.size() > capacity)
    entries.pop_back();
}

size_t LiveTileCache::size() {
  std::lock_guard<std::mutex> lock(mutex);
  return entries.size();
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

namespace {

const char *auxName(int slot) {
  static const char *names[ATTNC_NUM_AUX] = {"kv_lengths", "prefix_lengths", "q_segments",
                                             "kv_segments", "adjacency", "block_layout",
                                             "mask_tensor", "bias", "alibi_slopes", "rel_emb",
                                             "rel_bias"};
  return names[slot];
}

std::string shapeStr(const std::vector<int64_t> &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "x" : "") + std::to_string(s[i]);
  return r + "]";
}

/// Problem sizes, after validation.
struct Dims {
  int64_t B, Hq, Hk, Lq, Lk, D, Dv, shift, nQ, nK;
};

Status expectShape(const char *name, const TensorView &t, const std::vector<int64_t> &shape) {
  if (t.shape() != shape)
    return invalidArgument(std::string("'") + name + "' must have shape " + shapeStr(shape) + ", got " +
                           t.describe());
  return Status::success();
}

Status expectDType(const char *name, const TensorView &t, std::initializer_list<DType> allowed) {
  for (DType d : allowed)
    if (t.dtype() == d)
      return Status::success();
  return invalidArgument(std::string("'") + name + "' has unsupported element type " +
                         dtypeName(t.dtype()) + " (" + t.describe() + ")");
}

Status expectInnerContiguous(const char *name, const TensorView &t) {
  if (t.rank() > 0 && t.dim(t.rank() - 1) > 1 && t.stride(t.rank() - 1) != 1)
    return invalidArgument(std::string("'") + name +
                           "' must be contiguous in its last dimension (stride 1), got stride " +
                           std::to_string(t.stride(t.rank() - 1)));
  for (int i = 0; i < t.rank(); ++i)
    if (t.stride(i) < 0)
      return invalidArgument(std::string("'") + name + "' has a negative stride");
  return Status::success();
}

/// Size-1 dimension (broadcast) or the full size.
Status expectBroadcastable(const char *name, const TensorView &t, int i, int64_t full) {
  if (t.dim(i) != 1 && t.dim(i) != full)
    return invalidArgument(std::string("'") + name + "' dimension " + std::to_string(i) + " must be 1 or " +
                           std::to_string(full) + ", got " + t.describe());
  return Status::success();
}

int64_t bstride(const TensorView &t, int i) { return t.dim(i) == 1 ? 0 : t.stride(i); }

/// The number of elements a 1-D descriptor must span for a view.
int64_t span(const TensorView &t) {
  int64_t s = 1;
  for (int i = 0; i < t.rank(); ++i)
    if (t.dim(i) == 0)
      return 0;
    else
      s += (t.dim(i) - 1) * t.stride(i);
  return s;
}

AttncMemRef1D descriptor(const TensorView &t) {
  AttncMemRef1D d{};
  if (!t.data())
    return d;
  d.allocated = t.data();
  d.aligned = t.data();
  d.offset = 0;
  d.size = span(t);
  d.stride = 1;
  return d;
}

bool present(const TensorView &t) { return t.data() != nullptr; }

Result<Dims> validate(const CpuKernelInfo &info, const CpuAttentionArgs &a) {
  if (info.abiVersion != ATTNC_CPU_KERNEL_ABI_VERSION)
    return invalidArgument("kernel '" + info.name + "' was built for ABI version " +
                           std::to_string(info.abiVersion) + ", this runtime speaks " +
                           std::to_string(ATTNC_CPU_KERNEL_ABI_VERSION));
  for (auto [name, t] : {std::pair<const char *, const TensorView *>{"q", &a.q}, {"k", &a.k},
                         {"v", &a.v}, {"out", &a.out}}) {
    if (!present(*t))
      return invalidArgument(std::string("missing tensor '") + name + "'");
    if (t->rank() != 4)
      return invalidArgument(std::string("'") + name + "' must have rank 4 [B, H, L, D], got " +
                             t->describe());
    ATTNC_RT_RETURN_IF_ERROR(expectDType(name, *t, {DType::F32}));
    ATTNC_RT_RETURN_IF_ERROR(expectInnerContiguous(name, *t));
  }
  Dims d;
  d.B = a.q.dim(0);
  d.Hq = a.q.dim(1);
  d.Lq = a.q.dim(2);
  d.D = a.q.dim(3);
  d.Hk = a.k.dim(1);
  d.Lk = a.k.dim(2);
  d.Dv = a.v.dim(3);
  if (d.D != info.headDim)
    return invalidArgument("kernel '" + info.name + "' was compiled for head_dim " +
                           std::to_string(info.headDim) + ", got q " + a.q.describe());
  if (d.Dv != info.valueDim)
    return invalidArgument("kernel '" + info.name + "' was compiled for value head_dim " +
                           std::to_string(info.valueDim) + ", got v " + a.v.describe());
  auto checkStatic = [&](const char *what, int64_t expected, int64_t got) -> Status {
    if (expected >= 0 && expected != got)
      return invalidArgument("kernel '" + info.name + "' was compiled for " + what + " = " +
                             std::to_string(expected) + ", got " + std::to_string(got));
    return Status::success();
  };
  ATTNC_RT_RETURN_IF_ERROR(checkStatic("batch", info.batch, d.B));
  ATTNC_RT_RETURN_IF_ERROR(checkStatic("q heads", info.qHeads, d.Hq));
  ATTNC_RT_RETURN_IF_ERROR(checkStatic("kv heads", info.kvHeads, d.Hk));
  ATTNC_RT_RETURN_IF_ERROR(checkStatic("q length", info.qLen, d.Lq));
  ATTNC_RT_RETURN_IF_ERROR(checkStatic("kv length", info.kvLen, d.Lk));
  ATTNC_RT_RETURN_IF_ERROR(expectShape("k", a.k, {d.B, d.Hk, d.Lk, d.D}));
  ATTNC_RT_RETURN_IF_ERROR(expectShape("v", a.v, {d.B, d.Hk, d.Lk, d.Dv}));
  ATTNC_RT_RETURN_IF_ERROR(expectShape("out", a.out, {d.B, d.Hq, d.Lq, d.Dv}));
  if (d.Hk <= 0 || d.Hq % d.Hk != 0)
    return invalidArgument("q heads (" + std::to_string(d.Hq) + ") must be a multiple of kv heads (" +
                           std::to_string(d.Hk) + ")");
  if (d.Lq >= INT32_MAX / 2 || d.Lk >= INT32_MAX / 2)
    return invalidArgument("sequence lengths must be below 2^30, got q " + a.q.describe() + ", k " +
                           a.k.describe());
  if (present(a.lse)) {
    ATTNC_RT_RETURN_IF_ERROR(expectDType("lse", a.lse, {DType::F32}));
    ATTNC_RT_RETURN_IF_ERROR(expectShape("lse", a.lse, {d.B, d.Hq, d.Lq}));
    ATTNC_RT_RETURN_IF_ERROR(expectInnerContiguous("lse", a.lse));
  }
  d.shift = info.bottomRight ? d.Lk - d.Lq : 0;
  d.nQ = (d.Lq + info.qTile - 1) / info.qTile;
  d.nK = (d.Lk + info.kTile - 1) / info.kTile;

  // Auxiliary operands: exactly those the kernel reads, with their shapes.
  for (int s = 0; s < ATTNC_NUM_AUX; ++s) {
    bool used = info.auxUsed & (1u << s);
    const TensorView &t = a.aux[s];
    if (s == ATTNC_AUX_KV_SEGMENTS) {
      if (!used && present(t))
        return invalidArgument("'kv_segments' is not an operand of kernel '" + info.name + "'");
      continue; // optional even when the kernel has a document mask
    }
    if (used && !present(t))
      return invalidArgument(std::string("kernel '") + info.name + "' needs the '" + auxName(s) +
                             "' tensor");
    if (!used && present(t))
      return invalidArgument(std::string("'") + auxName(s) + "' is not an operand of kernel '" +
                             info.name + "'");
  }
  auto needs = [&](int s) { return (info.auxUsed & (1u << s)) != 0; };
  const auto &x = a.aux;
  if (needs(ATTNC_AUX_KV_LENGTHS)) {
    ATTNC_RT_RETURN_IF_ERROR(expectDType("kv_lengths", x[ATTNC_AUX_KV_LENGTHS], {DType::I32}));
    ATTNC_RT_RETURN_IF_ERROR(expectShape("kv_lengths", x[ATTNC_AUX_KV_LENGTHS], {d.B}));
  }
  if (needs(ATTNC_AUX_PREFIX_LENGTHS)) {
    ATTNC_RT_RETURN_IF_ERROR(expectDType("prefix_lengths", x[ATTNC_AUX_PREFIX_LENGTHS], {DType::I32}));
    ATTNC_RT_RETURN_IF_ERROR(expectShape("prefix_lengths", x[ATTNC_AUX_PREFIX_LENGTHS], {d.B}));
  }
  if (needs(ATTNC_AUX_Q_SEGMENTS)) {
    ATTNC_RT_RETURN_IF_ERROR(expectDType("q_segments", x[ATTNC_AUX_Q_SEGMENTS], {DType::I32}));
    ATTNC_RT_RETURN_IF_ERROR(expectShape("q_segments", x[ATTNC_AUX_Q_SEGMENTS], {d.B, d.Lq}));
    if (present(x[ATTNC_AUX_KV_SEGMENTS])) {
      ATTNC_RT_RETURN_IF_ERROR(expectDType("kv_segments", x[ATTNC_AUX_KV_SEGMENTS], {DType::I32}));
      ATTNC_RT_RETURN_IF_ERROR(expectShape("kv_segments", x[ATTNC_AUX_KV_SEGMENTS], {d.B, d.Lk}));
    } else if (d.Lq != d.Lk) {
      return invalidArgument("a document mask without 'kv_segments' needs q_len == kv_len, got " +
                             std::to_string(d.Lq) + " and " + std::to_string(d.Lk));
    }
  }
  if (needs(ATTNC_AUX_ADJACENCY)) {
    ATTNC_RT_RETURN_IF_ERROR(expectDType("adjacency", x[ATTNC_AUX_ADJACENCY], {DType::I8, DType::U8, DType::Bool}));
    ATTNC_RT_RETURN_IF_ERROR(expectShape("adjacency", x[ATTNC_AUX_ADJACENCY], {d.B, d.Lq, d.Lk}));
  }
  if (needs(ATTNC_AUX_BLOCK_LAYOUT)) {
    const TensorView &t = x[ATTNC_AUX_BLOCK_LAYOUT];
    int64_t blk = 0;
    std::vector<const CpuMaskNode *> stack;
    if (info.mask)
      stack.push_back(&*info.mask);
    while (!stack.empty()) {
      const CpuMaskNode *n = stack.back();
      stack.pop_back();
      if (n->kind == CpuMaskKind::BlockSparse)
        blk = n->a;
      for (const auto &m : n->members)
        stack.push_back(&m);
    }
    if (blk <= 0)
      return internalError("kernel '" + info.name + "' reads block_layout but has no block_sparse mask");
    ATTNC_RT_RETURN_IF_ERROR(expectDType("block_layout", t, {DType::I8, DType::U8, DType::Bool}));
    if (t.rank() != 3)
      return invalidArgument("'block_layout' must have rank 3 [H|1, ceil(Lq/block), ceil(Lk/block)], got " +
                             t.describe());
    ATTNC_RT_RETURN_IF_ERROR(expectBroadcastable("block_layout", t, 0, d.Hq));
    std::vector<int64_t> want = {t.dim(0), (d.Lq + blk - 1) / blk, (d.Lk + blk - 1) / blk};
    ATTNC_RT_RETURN_IF_ERROR(expectShape("block_layout", t, want));
  }
  for (auto [slot, name, dt] : {std::tuple<int, const char *, DType>{ATTNC_AUX_MASK_TENSOR, "mask_tensor", DType::I8},
                                {ATTNC_AUX_BIAS, "bias", DType::F32}}) {
    if (!needs(slot))
      continue;
    const TensorView &t = x[slot];
    if (dt == DType::I8)
      ATTNC_RT_RETURN_IF_ERROR(expectDType(name, t, {DType::I8, DType::U8, DType::Bool}));
    else
      ATTNC_RT_RETURN_IF_ERROR(expectDType(name, t, {DType::F32}));
    if (t.rank() != 4)
      return invalidArgument(std::string("'") + name + "' must have rank 4 [B|1, H|1, Lq, Lk], got " +
                             t.describe());
    ATTNC_RT_RETURN_IF_ERROR(expectBroadcastable(name, t, 0, d.B));
    ATTNC_RT_RETURN_IF_ERROR(expectBroadcastable(name, t, 1, d.Hq));
    ATTNC_RT_RETURN_IF_ERROR(expectShape(name, t, {t.dim(0), t.dim(1), d.Lq, d.Lk}));
  }
  if (needs(ATTNC_AUX_ALIBI_SLOPES)) {
    ATTNC_RT_RETURN_IF_ERROR(expectDType("alibi_slopes", x[ATTNC_AUX_ALIBI_SLOPES], {DType::F32}));
    ATTNC_RT_RETURN_IF_ERROR(expectShape("alibi_slopes", x[ATTNC_AUX_ALIBI_SLOPES], {d.Hq}));
  }
  if (needs(ATTNC_AUX_REL_EMB)) {
    ATTNC_RT_RETURN_IF_ERROR(expectDType("rel_emb", x[ATTNC_AUX_REL_EMB], {DType::F32}));
    ATTNC_RT_RETURN_IF_ERROR(
        expectShape("rel_emb", x[ATTNC_AUX_REL_EMB], {2 * info.relEmbMaxDistance + 1, d.D}));
  }
  if (needs(ATTNC_AUX_REL_BIAS)) {
    ATTNC_RT_RETURN_IF_ERROR(expectDType("rel_bias", x[ATTNC_AUX_REL_BIAS], {DType::F32}));
    ATTNC_RT_RETURN_IF_ERROR(expectShape("rel_bias", x[ATTNC_AUX_REL_BIAS], {info.t5NumBuckets, d.Hq}));
  }
  for (int s = 0; s < ATTNC_NUM_AUX; ++s)
    if (present(x[s])) {
      ATTNC_RT_RETURN_IF_ERROR(expectInnerContiguous(auxName(s), x[s]));
      // 1-D operands and the rows of 2-D tables are read with unit stride.
      bool packedRows = s == ATTNC_AUX_REL_BIAS && x[s].rank() == 2 && x[s].dim(1) > 1 &&
                        x[s].stride(0) != x[s].dim(1);
      if (packedRows)
        return invalidArgument("'rel_bias' must be contiguous");
    }
  return d;
}

//===----------------------------------------------------------------------===//
// Live tiles
//===----------------------------------------------------------------------===//

struct TileRect {
  int64_t b, h, i0, i1, j0, j1; // inclusive rows/cols, clamped to the problem
};

struct Liveness {
  bool live, full;
};

/// Reads element `idx` (element offset) of an i8/u8/bool tensor as bool.
bool nonzero(const TensorView &t, int64_t off) { return static_cast<const uint8_t *>(t.data())[off] != 0; }

Liveness classify(const CpuMaskNode &n, const CpuAttentionArgs &a, const Dims &d, const TileRect &r) {
  auto bandLive = [&](bool hasLo, int64_t lo, bool hasHi, int64_t hi) {
    int64_t dmin = r.j0 - (r.i1 + d.shift), dmax = r.j1 - (r.i0 + d.shift);
    bool live = (!hasLo || dmax >= lo) && (!hasHi || dmin <= hi);
    bool full = (!hasLo || dmin >= lo) && (!hasHi || dmax <= hi);
    return Liveness{live, full};
  };
  switch (n.kind) {
  case CpuMaskKind::Causal:
    return bandLive(false, 0, true, n.a);
  case CpuMaskKind::Window:
    return bandLive(true, -n.a, true, n.b);
  case CpuMaskKind::Strided:
  case CpuMaskKind::Local2D:
    return {true, false};
  case CpuMaskKind::Padding: {
    int64_t len = a.aux[ATTNC_AUX_KV_LENGTHS].dataAs<int32_t>()[r.b * a.aux[ATTNC_AUX_KV_LENGTHS].stride(0)];
    return {r.j0 < len, r.j1 < len};
  }
  case CpuMaskKind::PrefixLM: {
    const TensorView &t = a.aux[ATTNC_AUX_PREFIX_LENGTHS];
    int64_t p = t.dataAs<int32_t>()[r.b * t.stride(0)];
    Liveness c = bandLive(false, 0, true, 0);
    return {c.live || r.j0 < p, c.full || r.j1 < p};
  }
  case CpuMaskKind::Document: {
    const TensorView &qs = a.aux[ATTNC_AUX_Q_SEGMENTS];
    bool hasKv = present(a.aux[ATTNC_AUX_KV_SEGMENTS]);
    const TensorView &kvs = hasKv ? a.aux[ATTNC_AUX_KV_SEGMENTS] : qs;
    int32_t qmin = INT32_MAX, qmax = INT32_MIN, kmin = INT32_MAX, kmax = INT32_MIN;
    for (int64_t i = r.i0; i <= r.i1; ++i) {
      int32_t x = qs.dataAs<int32_t>()[r.b * qs.stride(0) + i * qs.stride(1)];
      qmin = std::min(qmin, x);
      qmax = std::max(qmax, x);
    }
    for (int64_t j = r.j0; j <= r.j1; ++j) {
      int32_t x = kvs.dataAs<int32_t>()[r.b * kvs.stride(0) + j * kvs.stride(1)];
      kmin = std::min(kmin, x);
      kmax = std::max(kmax, x);
    }
    bool live = qmax >= kmin && kmax >= qmin;
    bool full = qmin == qmax && kmin == kmax && qmin == kmin;
    return {live, full};
  }
  case CpuMaskKind::Graph:
  case CpuMaskKind::Explicit: {
    bool graph = n.kind == CpuMaskKind::Graph;
    const TensorView &t = a.aux[graph ? ATTNC_AUX_ADJACENCY : ATTNC_AUX_MASK_TENSOR];
    int64_t base = graph ? r.b * t.stride(0) : r.b * bstride(t, 0) + r.h * bstride(t, 1);
    int64_t si = graph ? t.stride(1) : t.stride(2);
    bool any = false, all = true;
    for (int64_t i = r.i0; i <= r.i1; ++i)
      for (int64_t j = r.j0; j <= r.j1; ++j) {
        bool x = nonzero(t, base + i * si + j);
        any |= x;
        all &= x;
      }
    return {any, all};
  }
  case CpuMaskKind::BlockSparse: {
    const TensorView &t = a.aux[ATTNC_AUX_BLOCK_LAYOUT];
    int64_t base = r.h * bstride(t, 0);
    bool any = false, all = true;
    for (int64_t qb = r.i0 / n.a; qb <= r.i1 / n.a; ++qb)
      for (int64_t kb = r.j0 / n.a; kb <= r.j1 / n.a; ++kb) {
        bool x = nonzero(t, base + qb * t.stride(1) + kb * t.stride(2));
        any |= x;
        all &= x;
      }
    return {any, all};
  }
  case CpuMaskKind::And: {
    Liveness res{true, true};
    for (const auto &m : n.members) {
      Liveness c = classify(m, a, d, r);
      res.live &= c.live;
      res.full &= c.full;
    }
    return res;
  }
  case CpuMaskKind::Or: {
    Liveness res{false, false};
    for (const auto &m : n.members) {
      Liveness c = classify(m, a, d, r);
      res.live |= c.live;
      res.full |= c.full;
    }
    return res;
  }
  }
  return {true, false};
}

/// True when the tree reads per-head data (so lists differ across heads).
bool dependsOnHead(const CpuMaskNode &n, const CpuAttentionArgs &a) {
  if (n.kind == CpuMaskKind::BlockSparse)
    return a.aux[ATTNC_AUX_BLOCK_LAYOUT].dim(0) > 1;
  if (n.kind == CpuMaskKind::Explicit)
    return a.aux[ATTNC_AUX_MASK_TENSOR].dim(1) > 1;
  for (const auto &m : n.members)
    if (dependsOnHead(m, a))
      return true;
  return false;
}

std::vector<int32_t> buildLiveTiles(const CpuKernelInfo &info, const CpuAttentionArgs &a, const Dims &d) {
  int64_t numItems = d.B * d.Hq * d.nQ;
  std::vector<int32_t> offsets(numItems + 1), entries;
  bool perHead = info.mask && dependsOnHead(*info.mask, a);
  std::vector<int32_t> rowEntries;
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t h = 0; h < d.Hq; ++h)
      for (int64_t qt = 0; qt < d.nQ; ++qt) {
        int64_t item = (b * d.Hq + h) * d.nQ + qt;
        offsets[item] = int32_t(entries.size());
        if (h > 0 && !perHead) {
          // Same list as head 0 of this batch entry.
          int64_t src = (b * d.Hq) * d.nQ + qt;
          for (int32_t k = offsets[src]; k < offsets[src + 1]; ++k)
            entries.push_back(entries[k]);
          continue;
        }
        TileRect r{b, h, qt * info.qTile, std::min(d.Lq, (qt + 1) * info.qTile) - 1, 0, 0};
        for (int64_t kt = 0; kt < d.nK; ++kt) {
          r.j0 = kt * info.kTile;
          r.j1 = std::min(d.Lk, (kt + 1) * info.kTile) - 1;
          Liveness l = info.mask ? classify(*info.mask, a, d, r) : Liveness{true, true};
          if (l.live)
            entries.push_back(int32_t(kt * 2 + (l.full ? 1 : 0)));
        }
      }
  offsets[numItems] = int32_t(entries.size());
  // Offsets count from the start of the buffer.
  std::vector<int32_t> out;
  out.reserve(offsets.size() + entries.size());
  for (int32_t o : offsets)
    out.push_back(o + int32_t(numItems + 1));
  out.insert(out.end(), entries.begin(), entries.end());
  return out;
}

/// Hash of everything the live-tile list depends on.
std::string liveTileKey(const CpuKernelInfo &info, const CpuAttentionArgs &a, const Dims &d) {
  Sha256 sha;
  int64_t header[] = {info.qTile, info.kTile, d.B, d.Hq, d.Lq, d.Lk, d.shift};
  sha.update(header, sizeof(header));
  std::vector<const CpuMaskNode *> stack;
  if (info.mask)
    stack.push_back(&*info.mask);
  while (!stack.empty()) {
    const CpuMaskNode *n = stack.back();
    stack.pop_back();
    int64_t node[] = {int64_t(n->kind), n->a, n->b, int64_t(n->members.size())};
    sha.update(node, sizeof(node));
    for (const auto &m : n->members)
      stack.push_back(&m);
  }
  for (int s : {ATTNC_AUX_KV_LENGTHS, ATTNC_AUX_PREFIX_LENGTHS, ATTNC_AUX_Q_SEGMENTS,
                ATTNC_AUX_KV_SEGMENTS, ATTNC_AUX_ADJACENCY, ATTNC_AUX_BLOCK_LAYOUT,
                ATTNC_AUX_MASK_TENSOR}) {
    const TensorView &t = a.aux[s];
    int64_t tag[2] = {s, present(t) ? t.rank() : -1};
    sha.update(tag, sizeof(tag));
    if (!present(t))
      continue;
    auto shape = t.shape();
    sha.update(shape.data(), shape.size() * sizeof(int64_t));
    if (t.isContiguous()) {
      sha.update(t.data(), t.sizeInBytes());
    } else {
      // Rare: hash element by element in row-major order.
      std::vector<int64_t> idx(t.rank(), 0);
      size_t es = dtypeSize(t.dtype());
      for (int64_t e = 0, n = t.numElements(); e < n; ++e) {
        sha.update(static_cast<const char *>(t.data()) + t.offsetOf(idx.data()) * es, es);
        for (int i = t.rank() - 1; i >= 0 && ++idx[i] == t.dim(i); --i)
          idx[i] = 0;
      }
    }
  }
  return toHex(sha.final());
}

LiveTileCache &globalTileCache() {
  static LiveTileCache cache;
  return cache;
}

} // namespace

Result<std::vector<int32_t>> attnc::rt::computeLiveTiles(const CpuKernelInfo &info,
                                                         const CpuAttentionArgs &args) {
  ATTNC_RT_ASSIGN_OR_RETURN(Dims d, validate(info, args));
  return buildLiveTiles(info, args, d);
}

Status attnc::rt::runCpuAttention(const CpuKernelInfo &info, AttncCpuKernelFn fn,
                                  const CpuAttentionArgs &args, const CpuRunOptions &options) {
  if (!fn)
    return invalidArgument("no entry point for kernel '" + info.name + "'");
  ATTNC_RT_ASSIGN_OR_RETURN(Dims d, validate(info, args));
  int64_t numItems = d.B * d.Hq * d.nQ;
  if (numItems == 0)
    return Status::success();

  int64_t p[ATTNC_NUM_PARAMS] = {};
  p[ATTNC_P_BATCH] = d.B;
  p[ATTNC_P_HQ] = d.Hq;
  p[ATTNC_P_HK] = d.Hk;
  p[ATTNC_P_LQ] = d.Lq;
  p[ATTNC_P_LK] = d.Lk;
  p[ATTNC_P_D] = d.D;
  p[ATTNC_P_DV] = d.Dv;
  p[ATTNC_P_SHIFT] = d.shift;
  p[ATTNC_P_NUM_QTILES] = d.nQ;
  p[ATTNC_P_NUM_KTILES] = d.nK;
  auto strides3 = [&](const TensorView &t, int first) {
    p[first] = t.stride(0);
    p[first + 1] = t.stride(1);
    p[first + 2] = t.stride(2);
  };
  strides3(args.q, ATTNC_P_Q_SB);
  strides3(args.k, ATTNC_P_K_SB);
  strides3(args.v, ATTNC_P_V_SB);
  strides3(args.out, ATTNC_P_O_SB);
  if (present(args.lse)) {
    p[ATTNC_P_LSE_SB] = args.lse.stride(0);
    p[ATTNC_P_LSE_SH] = args.lse.stride(1);
    p[ATTNC_P_HAS_LSE] = 1;
  }
  const auto &x = args.aux;
  if (present(x[ATTNC_AUX_BIAS])) {
    p[ATTNC_P_BIAS_SB] = bstride(x[ATTNC_AUX_BIAS], 0);
    p[ATTNC_P_BIAS_SH] = bstride(x[ATTNC_AUX_BIAS], 1);
    p[ATTNC_P_BIAS_SL] = x[ATTNC_AUX_BIAS].stride(2);
  }
  if (present(x[ATTNC_AUX_MASK_TENSOR])) {
    p[ATTNC_P_MASK_SB] = bstride(x[ATTNC_AUX_MASK_TENSOR], 0);
    p[ATTNC_P_MASK_SH] = bstride(x[ATTNC_AUX_MASK_TENSOR], 1);
    p[ATTNC_P_MASK_SL] = x[ATTNC_AUX_MASK_TENSOR].stride(2);
  }
  if (present(x[ATTNC_AUX_BLOCK_LAYOUT])) {
    p[ATTNC_P_BLOCK_SH] = bstride(x[ATTNC_AUX_BLOCK_LAYOUT], 0);
    p[ATTNC_P_BLOCK_SQ] = x[ATTNC_AUX_BLOCK_LAYOUT].stride(1);
  }
  if (present(x[ATTNC_AUX_ADJACENCY])) {
    p[ATTNC_P_ADJ_SB] = x[ATTNC_AUX_ADJACENCY].stride(0);
    p[ATTNC_P_ADJ_SL] = x[ATTNC_AUX_ADJACENCY].stride(1);
  }
  // Without kv_segments the query ids serve for the keys (q_len == kv_len).
  TensorView kvSeg = present(x[ATTNC_AUX_KV_SEGMENTS]) ? x[ATTNC_AUX_KV_SEGMENTS] : x[ATTNC_AUX_Q_SEGMENTS];
  if (present(x[ATTNC_AUX_Q_SEGMENTS])) {
    p[ATTNC_P_QSEG_SB] = x[ATTNC_AUX_Q_SEGMENTS].stride(0);
    p[ATTNC_P_KVSEG_SB] = kvSeg.stride(0);
    p[ATTNC_P_HAS_KVSEG] = present(x[ATTNC_AUX_KV_SEGMENTS]);
    if (x[ATTNC_AUX_Q_SEGMENTS].dim(1) > 1 && x[ATTNC_AUX_Q_SEGMENTS].stride(1) != 1)
      return invalidArgument("'q_segments' must be contiguous in its last dimension");
  }
  if (present(x[ATTNC_AUX_REL_EMB]))
    p[ATTNC_P_REL_EMB_SR] = x[ATTNC_AUX_REL_EMB].stride(0);

  AttncMemRef1D q = descriptor(args.q), k = descriptor(args.k), v = descriptor(args.v),
                out = descriptor(args.out), lse = descriptor(args.lse);
  AttncMemRef1D aux[ATTNC_NUM_AUX];
  for (int s = 0; s < ATTNC_NUM_AUX; ++s)
    aux[s] = descriptor(s == ATTNC_AUX_KV_SEGMENTS ? kvSeg : x[s]);
  AttncMemRef1D params{p, p, 0, ATTNC_NUM_PARAMS, 1};

  std::shared_ptr<const std::vector<int32_t>> tiles;
  if (info.schedule == CpuSchedule::Runtime) {
    LiveTileCache &cache = options.tileCache ? *options.tileCache : globalTileCache();
    std::string key = liveTileKey(info, args, d);
    tiles = cache.find(key);
    if (!tiles) {
      auto built = std::make_shared<const std::vector<int32_t>>(buildLiveTiles(info, args, d));
      if (built->size() >= size_t(INT32_MAX))
        return unsupported("the live-tile list of this problem exceeds 2^31 entries");
      cache.insert(key, built);
      tiles = built;
    }
  }
  AttncMemRef1D tileDesc{};
  if (tiles) {
    void *data = const_cast<int32_t *>(tiles->data());
    tileDesc = AttncMemRef1D{data, data, 0, int64_t(tiles->size()), 1};
  }

  ThreadPool &pool = options.pool ? *options.pool : ThreadPool::global();
  int64_t grain = options.grain > 0 ? options.grain : 1;
  auto body = [&](int64_t begin, int64_t end) {
    // The kernel takes the descriptors by pointer and only reads them, but
    // each chunk gets its own copies so that no two threads share one.
    AttncMemRef1D lq = q, lk = k, lv = v, lo = out, ll = lse, lp = params, lt = tileDesc;
    AttncMemRef1D la[ATTNC_NUM_AUX];
    std::memcpy(la, aux, sizeof(aux));
    fn(&lq, &lk, &lv, &lo, &ll, &la[0], &la[1], &la[2], &la[3], &la[4], &la[5], &la[6], &la[7],
       &la[8], &la[9], &la[10], &lp, &lt, begin, end);
  };
  if (pool.numThreads() <= 1 || numItems == 1)
    body(0, numItems);
  else
    pool.parallelFor(0, numItems, grain, body);
  return Status::success();
}
