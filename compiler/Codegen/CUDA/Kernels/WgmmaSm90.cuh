//===- WgmmaSm90.cuh - FlashAttention-3 style Hopper kernel body ----------===//
//
// The bf16/f16 kernel for sm_90a (H100/H200), head dims 64 and 128, query
// tiles of 64 or 128 rows, key tiles of 64 or 128. FlashAttention-3's
// structure: one thread block per (query tile, batch * q_head) made of a
// producer warpgroup and kQTile / 64 consumer warpgroups.
//
//   producer (warpgroup 0, one thread): TMA bulk tensor copies
//     (cp.async.bulk.tensor) of the Q tile and of each live K/V tile into
//     128B-swizzled shared memory, K and V double-buffered; each copy
//     completes on an mbarrier (complete_tx). A stage is refilled only
//     after every consumer thread arrived on its "empty" barrier.
//   consumers (64 query rows each): S = Q K^T with wgmma (A and B from
//     shared memory through matrix descriptors), scale / modifiers / mask
//     and the online softmax in registers on the wgmma accumulator layout,
//     P rounded to bf16/f16 in registers, O += P V with wgmma (A from
//     registers, B = V from shared memory, N-major descriptor).
//   setmaxnreg moves registers from the producer to the consumers.
//
// The mask, the modifiers and the tile schedule are the ones every attnc
// kernel uses (Common.cuh, Schedule.cuh, the emitted attnc_visible /
// attnc_modify); dead tiles are never loaded, full tiles skip mask work.
// Fully masked rows end with l = 0: output 0, lse -inf.
//
// Layout facts this file relies on (PTX ISA 9.0, section numbers of the
// CUDA 13.0 documentation; docs/gpu.md repeats them with the checks made):
//  * wgmma accumulator D of m64nNk16, f32 (9.7.15.5.1.1.1, Figure 149):
//    warp w of the warpgroup owns rows 16w..16w+15; with g = lane / 4 and
//    t = lane % 4, d[4i + 0..1] = (16w + g, 8i + 2t + 0..1) and
//    d[4i + 2..3] = (16w + g + 8, 8i + 2t + 0..1), i < N / 8 (CUTLASS's
//    CLayout_64xN says the same).
//  * wgmma A in registers, m64nNk16 bf16/f16 (Figure 148): four .b32 per
//    thread, a0 = (16w + g, 2t..2t+1), a1 = (16w + g + 8, 2t..),
//    a2 = (16w + g, 2t + 8..), a3 = (16w + g + 8, 2t + 8..): the
//    mma.m16n8k16 A fragment per warp, so two adjacent 8-column blocks of
//    the S accumulator are one k-step of P (as in MmaSm80.cuh).
//  * Matrix descriptor (9.7.15.5.1.2.2): bits 0-13 start address >> 4,
//    16-29 leading byte offset >> 4, 32-45 stride byte offset >> 4, 49-51
//    base offset (0: the swizzle pattern starts 1024-byte aligned), 62-63
//    swizzle (1 = 128B).
//  * 128B swizzle canonical layouts (9.7.15.5.1.2.1.3), T = 8 elements:
//    K-major ((8,m),(T,2k)):((8T,SBO),(1,T)): rows of 128 bytes, 8-row
//    groups SBO = 1024 bytes apart, LBO unused (encoded 1); a k-step of 16
//    elements inside the 128-byte row advances the start address by 32 bytes.
//    MN-major ((T,8,m),(8,k)):((1,T,LBO),(8T,SBO)): 64 contiguous N
//    elements per 128-byte row, LBO = bytes between 64-wide N panels, SBO =
//    1024 bytes between 8-row K groups; a k-step of 16 K rows is 2048 bytes.
//  * TMA with CU_TENSOR_MAP_SWIZZLE_128B and a 64-element (128-byte) box
//    row writes exactly that swizzle (16-byte chunk c of 128-byte line r at
//    chunk c ^ (r % 8), from absolute address bits, hence 1024-byte aligned
//    tiles), fills out-of-bounds rows with zeros, and counts the whole box
//    in the mbarrier transaction bytes.
// So every tile is stored as 64-column panels of [rows][128 bytes]: Q and K
// are K-major operands (head dim contiguous), V is the N-major B operand of
// P V (head dim = N contiguous), exactly as TMA lays them out.
//
//===----------------------------------------------------------------------===//

#if defined(__CUDA_ARCH__) && !defined(__CUDA_ARCH_FEAT_SM90_ALL)
#error "the wgmma_sm90 kernel needs --gpu-architecture=sm_90a (wgmma, setmaxnreg)"
#endif

namespace attnc_wgmma {
using namespace attnc_cfg;

constexpr int kConsumers = kQTile / 64; // consumer warpgroups, 64 query rows each
constexpr int kThreads = 128 * (kConsumers + 1);
static_assert(kQTile == 64 || kQTile == 128, "query tiles of 64 or 128 rows");
static_assert(kKTile == 64 || kKTile == 128, "key tiles of 64 or 128 rows");
static_assert((kHeadDim == 64 || kHeadDim == 128) && (kHeadDimV == 64 || kHeadDimV == 128),
              "head dims 64 or 128");
static_assert(sizeof(attnc_elem_t) == 2, "bf16 or f16");

// Tiles are 64-column panels of [rows][128 bytes] (one TMA box each).
constexpr unsigned kQPanelBytes = kQTile * 128u, kKPanelBytes = kKTile * 128u;
constexpr unsigned kQBytes = kQTile * kHeadDim * 2u;
constexpr unsigned kKBytes = kKTile * kHeadDim * 2u;
constexpr unsigned kVBytes = kKTile * kHeadDimV * 2u;
// Shared memory: [alignment slack][Q][K0][K1][V0][V1][barriers]; must match
// wgmmaSmemBytes() in KernelEmitter.cpp.
constexpr unsigned kSmemBytes = 1024u + kQBytes + 2u * (kKBytes + kVBytes) + 64u;

// Registers per thread after setmaxnreg (multiples of 8 in [24, 256]). With
// __launch_bounds__(kThreads, 1) a thread starts with 65536 / kThreads
// registers (168 for 384 threads): 128 x (168 - 24) freed by the producer
// = 256 x (240 - 168) taken by two consumer warpgroups (FA3's budget).
constexpr int kProducerRegs = kConsumers == 1 ? 56 : 24;
constexpr int kConsumerRegs = kConsumers == 1 ? 256 : 240;

ATTNC_DEVICE unsigned smem_addr(const void *p) { return (unsigned)__cvta_generic_to_shared(p); }

//===--- mbarrier and TMA (PTX ISA: "mbarrier", "cp.async.bulk.tensor") ---===//

ATTNC_DEVICE void mbar_init(unsigned bar, unsigned count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}
// Arrives once and announces `bytes` of TMA transactions for this phase.
ATTNC_DEVICE void mbar_arrive_expect_tx(unsigned bar, unsigned bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes) : "memory");
}
ATTNC_DEVICE void mbar_arrive(unsigned bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
// Waits for the phase with the given parity to complete (acquire, CTA
// scope). The retry loop stays inside one asm block so that the warp
// leaves it converged (the wgmma that follows is .sync.aligned).
ATTNC_DEVICE void mbar_wait(unsigned bar, unsigned parity) {
  asm volatile("{\n.reg .pred p;\n"
               "attnc_wait:\n"
               "mbarrier.try_wait.parity.shared::cta.b64 p, [%0], %1;\n"
               "@!p bra attnc_wait;\n}\n" ::"r"(bar),
               "r"(parity)
               : "memory");
}

ATTNC_DEVICE void prefetch_tensormap(const void *map) {
  asm volatile("prefetch.tensormap [%0];\n" ::"l"((unsigned long long)map) : "memory");
}

// One box of a 3-D tensor map ({column, row, batch * head}) into shared
// memory; completes `bar`'s transaction count.
ATTNC_DEVICE void tma_load_3d(unsigned dst, const void *map, int c0, int c1, int c2, unsigned bar) {
  asm volatile("cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
               " [%0], [%1, {%2, %3, %4}], [%5];\n" ::"r"(dst),
               "l"((unsigned long long)map), "r"(c0), "r"(c1), "r"(c2), "r"(bar)
               : "memory");
}

//===--- wgmma (PTX ISA: "Asynchronous Warpgroup Level Matrix ...") -------===//

// Shared-memory matrix descriptor, 128-byte swizzle.
ATTNC_DEVICE unsigned long long smem_desc(unsigned addr, unsigned lbo, unsigned sbo) {
  return (unsigned long long)((addr & 0x3FFFFu) >> 4) | (unsigned long long)((lbo & 0x3FFFFu) >> 4) << 16 |
         (unsigned long long)((sbo & 0x3FFFFu) >> 4) << 32 | 1ull << 62;
}
// K-major operand (Q, K): LBO unused for swizzled K-major layouts (16 bytes,
// i.e. the "assumed 1"), 8-row groups 1024 bytes apart.
ATTNC_DEVICE unsigned long long desc_k_major(unsigned addr) { return smem_desc(addr, 16u, 1024u); }
// N-major B operand (V): 64-wide N panels kKPanelBytes apart, 8-row K
// groups 1024 bytes apart.
ATTNC_DEVICE unsigned long long desc_n_major(unsigned addr) { return smem_desc(addr, kKPanelBytes, 1024u); }

ATTNC_DEVICE void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
ATTNC_DEVICE void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int N>
ATTNC_DEVICE void wgmma_wait() { asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory"); }

// Keeps the compiler from moving accumulator accesses across the
// asynchronous wgmma issue / wait (the registers belong to the tensor cores
// in between).
template <int N>
ATTNC_DEVICE void fence_operands(float (&r)[N]) {
#pragma unroll
  for (int i = 0; i < N; ++i)
    asm volatile("" : "+f"(r[i])::"memory");
}

// D[64x64] (+)= A[64x16] (shared memory, K-major) * B[16x64] (shared memory,
// K-major); D is overwritten when `accumulate` is 0.
ATTNC_DEVICE void wgmma_ss_n64(float (&d)[32], unsigned long long desc_a, unsigned long long desc_b,
                              int accumulate) {
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
               "wgmma.mma_async.sync.aligned.m64n64k16.f32." ATTNC_MMA_TYPE "." ATTNC_MMA_TYPE "\n{"
               "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15,"
               "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31},\n"
               "%32, %33, p, 1, 1, 0, 0;\n}\n"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
                 "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
                 "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
                 "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
               : "l"(desc_a), "l"(desc_b), "r"(accumulate));
}

// D[64x128] (+)= A[64x16] (shared memory, K-major) * B[16x128] (shared memory,
// K-major); D is overwritten when `accumulate` is 0.
ATTNC_DEVICE void wgmma_ss_n128(float (&d)[64], unsigned long long desc_a, unsigned long long desc_b,
                              int accumulate) {
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
               "wgmma.mma_async.sync.aligned.m64n128k16.f32." ATTNC_MMA_TYPE "." ATTNC_MMA_TYPE "\n{"
               "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15,"
               "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31,"
               "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47,"
               "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63},\n"
               "%64, %65, p, 1, 1, 0, 0;\n}\n"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
                 "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
                 "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
                 "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
                 "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
                 "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
                 "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
                 "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
               : "l"(desc_a), "l"(desc_b), "r"(accumulate));
}

// D[64x64] (+)= A[64x16] (registers) * B[16x64] (shared memory, N-major:
// imm-trans-b = 1).
ATTNC_DEVICE void wgmma_rs_n64(float (&d)[32], const unsigned (&a)[4], unsigned long long desc_b,
                              int accumulate) {
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
               "wgmma.mma_async.sync.aligned.m64n64k16.f32." ATTNC_MMA_TYPE "." ATTNC_MMA_TYPE "\n{"
               "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15,"
               "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31},\n"
               "{%32, %33, %34, %35}, %36, p, 1, 1, 1;\n}\n"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
                 "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
                 "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
                 "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc_b), "r"(accumulate));
}

// D[64x128] (+)= A[64x16] (registers) * B[16x128] (shared memory, N-major:
// imm-trans-b = 1).
ATTNC_DEVICE void wgmma_rs_n128(float (&d)[64], const unsigned (&a)[4], unsigned long long desc_b,
                              int accumulate) {
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
               "wgmma.mma_async.sync.aligned.m64n128k16.f32." ATTNC_MMA_TYPE "." ATTNC_MMA_TYPE "\n{"
               "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15,"
               "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31,"
               "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47,"
               "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63},\n"
               "{%64, %65, %66, %67}, %68, p, 1, 1, 1;\n}\n"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
                 "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
                 "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
                 "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
                 "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
                 "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
                 "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
                 "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc_b), "r"(accumulate));
}

template <int N>
ATTNC_DEVICE void wgmma_ss(float (&d)[N / 2], unsigned long long desc_a, unsigned long long desc_b, int accumulate) {
  if constexpr (N == 64)
    wgmma_ss_n64(d, desc_a, desc_b, accumulate);
  else
    wgmma_ss_n128(d, desc_a, desc_b, accumulate);
}
template <int N>
ATTNC_DEVICE void wgmma_rs(float (&d)[N / 2], const unsigned (&a)[4], unsigned long long desc_b, int accumulate) {
  if constexpr (N == 64)
    wgmma_rs_n64(d, a, desc_b, accumulate);
  else
    wgmma_rs_n128(d, a, desc_b, accumulate);
}

template <int N>
ATTNC_DEVICE void setmaxnreg_dec() { asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(N)); }
template <int N>
ATTNC_DEVICE void setmaxnreg_inc() { asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(N)); }

//===--- The kernel -------------------------------------------------------===//

// Shared-memory addresses (shared window) of one block's buffers.
struct Smem {
  unsigned q, k, v, bars;
  __device__ __forceinline__ unsigned kStage(int s) const { return k + unsigned(s) * kKBytes; }
  __device__ __forceinline__ unsigned vStage(int s) const { return v + unsigned(s) * kVBytes; }
  __device__ __forceinline__ unsigned qFull() const { return bars; }
  __device__ __forceinline__ unsigned kFull(int s) const { return bars + 8u + 8u * unsigned(s); }
  __device__ __forceinline__ unsigned vFull(int s) const { return bars + 24u + 8u * unsigned(s); }
  __device__ __forceinline__ unsigned kvEmpty(int s) const { return bars + 40u + 8u * unsigned(s); }
};

// The work of one block: which query tile, which heads, which key tiles.
// Producer and consumers walk the same live-tile sequence, so the n-th tile
// the producer loads is the n-th tile the consumers use (stage n % 2, phase
// (n / 2) % 2).
using Work = AttncWork; // Schedule.cuh

ATTNC_DEVICE void producer(const AttncAttnParams &p, const AttncTmaMaps &maps, const Work &w, const Smem &sm) {
  prefetch_tensormap(&maps.q);
  prefetch_tensormap(&maps.k);
  prefetch_tensormap(&maps.v);
  // The consumers wait for Q even when no key tile is live, so that no copy
  // is still in flight when the block exits.
  mbar_arrive_expect_tx(sm.qFull(), kQBytes);
#pragma unroll
  for (int c = 0; c < kHeadDim / 64; ++c)
    tma_load_3d(sm.q + c * kQPanelBytes, &maps.q, c * 64, int(w.i0), int(w.b * p.q_heads + w.h), sm.qFull());
  const int head = int(w.b * p.kv_heads + w.kvh);
  int n = 0;
  for (attnc_i64 kt = w.nextLive(w.kt_lo); kt < w.kt_hi; kt = w.nextLive(kt + 1), ++n) {
    const int s = n & 1;
    if (n >= 2) // the consumers released this stage's previous tile (use n / 2 - 1)
      mbar_wait(sm.kvEmpty(s), unsigned((n >> 1) - 1) & 1u);
    const int row = int(kt * kKTile);
    mbar_arrive_expect_tx(sm.kFull(s), kKBytes);
#pragma unroll
    for (int c = 0; c < kHeadDim / 64; ++c)
      tma_load_3d(sm.kStage(s) + c * kKPanelBytes, &maps.k, c * 64, row, head, sm.kFull(s));
    mbar_arrive_expect_tx(sm.vFull(s), kVBytes);
#pragma unroll
    for (int c = 0; c < kHeadDimV / 64; ++c)
      tma_load_3d(sm.vStage(s) + c * kKPanelBytes, &maps.v, c * 64, row, head, sm.vFull(s));
  }
}

ATTNC_DEVICE void consumer(const AttncAttnParams &p, const Work &w, const Smem &sm, int group) {
  const int tid = threadIdx.x - 128 * (group + 1);
  const int warp = tid / 32, lane = tid % 32;
  const int g = lane >> 2, t4 = lane & 3;
  // The two query rows this thread's accumulators belong to.
  const attnc_i64 row_of[2] = {w.i0 + group * 64 + warp * 16 + g, w.i0 + group * 64 + warp * 16 + g + 8};
  const attnc_elem_t *q = (const attnc_elem_t *)p.q + (w.b * p.q_heads + w.h) * p.q_len * kHeadDim;
  attnc_elem_t *out = (attnc_elem_t *)p.out + (w.b * p.q_heads + w.h) * p.q_len * kHeadDimV;

  float o[kHeadDimV / 2];
#pragma unroll
  for (int i = 0; i < kHeadDimV / 2; ++i)
    o[i] = 0.f;
  float m[2] = {ATTNC_NEG_INF, ATTNC_NEG_INF}, l[2] = {0.f, 0.f};

  // This warpgroup's 64 rows of each Q panel.
  const unsigned q_rows = sm.q + unsigned(group) * 64u * 128u;
  mbar_wait(sm.qFull(), 0);

  int n = 0;
  for (attnc_i64 kt = w.nextLive(w.kt_lo); kt < w.kt_hi; kt = w.nextLive(kt + 1), ++n) {
    const int s = n & 1;
    const unsigned phase = unsigned(n >> 1) & 1u;

    // S = Q K^T: k-step kk reads columns 16kk.. of panel kk / 4, 32 bytes
    // per k-step into the swizzled 128-byte rows.
    float sc[kKTile / 2];
    mbar_wait(sm.kFull(s), phase);
    fence_operands(sc);
    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < kHeadDim / 16; ++kk) {
      const unsigned off = unsigned(kk % 4) * 32u;
      wgmma_ss<kKTile>(sc, desc_k_major(q_rows + unsigned(kk / 4) * kQPanelBytes + off),
                       desc_k_major(sm.kStage(s) + unsigned(kk / 4) * kKPanelBytes + off), kk > 0);
    }
    wgmma_commit();
    wgmma_wait<0>();
    fence_operands(sc);

    // Scale, score modifiers, then the mask (partial tiles only).
    const attnc_i64 j0 = kt * kKTile;
    const bool need_mask = attnc_tile_needs_mask(p, w.map_row, kt, w.i0, w.rows, w.shift);
#pragma unroll
    for (int nb = 0; nb < kKTile / 8; ++nb) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        // The in-tile column as a 32-bit value: with 64-bit arithmetic here
        // ptxas spilled (dense ALiBi, 128-wide key tiles).
        const attnc_i64 i = row_of[e / 2], j = j0 + attnc_i64(nb * 8 + t4 * 2 + (e & 1));
        const bool valid = i < p.q_len && j < p.kv_len;
        float x = sc[4 * nb + e] * attnc_cfg::kScale;
        if (kHasMods && valid)
          x = attnc_modify(x, p, w.b, w.h, i, j, w.shift, q + i * kHeadDim);
        if (need_mask && (!valid || !attnc_visible(p, w.b, w.h, i, j, w.shift)))
          x = ATTNC_NEG_INF;
        sc[4 * nb + e] = x;
      }
    }

    // Online softmax on rows g and g + 8 (the four threads of a quad hold a
    // row between them). A row with no visible key so far keeps m = -inf;
    // its exponentials use 0 as the reference so that they are 0, not NaN.
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = ATTNC_NEG_INF;
#pragma unroll
      for (int nb = 0; nb < kKTile / 8; ++nb)
        mx = fmaxf(mx, fmaxf(sc[4 * nb + 2 * r], sc[4 * nb + 2 * r + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float m_new = fmaxf(m[r], mx);
      const float ref = m_new == ATTNC_NEG_INF ? 0.f : m_new * ATTNC_LOG2E;
      const float alpha = exp2f(m[r] * ATTNC_LOG2E - ref);
      float sum = 0.f;
#pragma unroll
      for (int nb = 0; nb < kKTile / 8; ++nb) {
        sc[4 * nb + 2 * r] = exp2f(fmaf(sc[4 * nb + 2 * r], ATTNC_LOG2E, -ref));
        sc[4 * nb + 2 * r + 1] = exp2f(fmaf(sc[4 * nb + 2 * r + 1], ATTNC_LOG2E, -ref));
        sum += sc[4 * nb + 2 * r] + sc[4 * nb + 2 * r + 1];
      }
      l[r] = l[r] * alpha + sum; // per-thread partial; the quad is summed at the end
      m[r] = m_new;
#pragma unroll
      for (int nb = 0; nb < kHeadDimV / 8; ++nb) {
        o[4 * nb + 2 * r] *= alpha;
        o[4 * nb + 2 * r + 1] *= alpha;
      }
    }

    // P as the register A operand: 8-column blocks 2kk and 2kk + 1 of S
    // are k-step kk (rows g / g + 8, columns 2t.. / 2t + 8..).
    unsigned pa[kKTile / 16][4];
#pragma unroll
    for (int kk = 0; kk < kKTile / 16; ++kk) {
      pa[kk][0] = attnc_pack2(sc[8 * kk + 0], sc[8 * kk + 1]);
      pa[kk][1] = attnc_pack2(sc[8 * kk + 2], sc[8 * kk + 3]);
      pa[kk][2] = attnc_pack2(sc[8 * kk + 4], sc[8 * kk + 5]);
      pa[kk][3] = attnc_pack2(sc[8 * kk + 6], sc[8 * kk + 7]);
    }

    // O += P V: k-step kk is V rows 16kk..16kk+15, 2048 bytes into every
    // panel; the N-major descriptor spans the kHeadDimV / 64 panels.
    mbar_wait(sm.vFull(s), phase);
    fence_operands(o);
    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < kKTile / 16; ++kk)
      wgmma_rs<kHeadDimV>(o, pa[kk], desc_n_major(sm.vStage(s) + unsigned(kk) * 2048u), 1);
    wgmma_commit();
    wgmma_wait<0>();
    fence_operands(o);
    // Both tiles of this stage have been read by the tensor cores.
    mbar_arrive(sm.kvEmpty(s));
  }

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
    for (int nb = 0; nb < kHeadDimV / 8; ++nb)
      *reinterpret_cast<unsigned *>(out + i * kHeadDimV + nb * 8 + t4 * 2) =
          attnc_pack2(o[4 * nb + 2 * r] * inv, o[4 * nb + 2 * r + 1] * inv);
    if (kReturnLse && t4 == 0)
      p.lse[(w.b * p.q_heads + w.h) * p.q_len + i] = lt > 0.f ? m[r] + logf(lt) : ATTNC_NEG_INF;
  }
}

ATTNC_DEVICE void attnc_flash_fwd(const AttncAttnParams &p, const AttncTmaMaps &maps) {
  extern __shared__ __align__(1024) unsigned char attnc_smem[];
  // The swizzle patterns of TMA and wgmma repeat every 1024 bytes of the
  // shared window: align the tiles to that (kSmemBytes has the slack).
  Smem sm;
  sm.q = (smem_addr(attnc_smem) + 1023u) & ~1023u;
  sm.k = sm.q + kQBytes;
  sm.v = sm.k + 2u * kKBytes;
  sm.bars = sm.v + 2u * kVBytes;
  const Work w(p);

  if (threadIdx.x == 0) {
    mbar_init(sm.qFull(), 1);
#pragma unroll
    for (int s = 0; s < 2; ++s) {
      mbar_init(sm.kFull(s), 1);
      mbar_init(sm.vFull(s), 1);
      mbar_init(sm.kvEmpty(s), kConsumers * 128);
    }
    // Make the initialised barriers visible to the other threads and to
    // the TMA unit (async proxy) before anyone uses them.
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
  }
  __syncthreads();

  const int group = threadIdx.x / 128;
  if (group == 0) {
    setmaxnreg_dec<kProducerRegs>();
    if (threadIdx.x == 0)
      producer(p, maps, w, sm);
  } else {
    setmaxnreg_inc<kConsumerRegs>();
    consumer(p, w, sm, group - 1);
  }
}

} // namespace attnc_wgmma
