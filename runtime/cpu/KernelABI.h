/*===- KernelABI.h - The C ABI of attnc's CPU attention kernels ----*- C -*-===//
 *
 * The contract between the CPU code generator (compiler/Codegen/CPU, which
 * emits one function per attn.flash_attention) and the LLVM-free runtime
 * dispatcher (runtime/cpu/Dispatch.h, which calls it through a function
 * pointer). Both sides include this plain C header; nothing here depends on
 * LLVM or MLIR.
 *
 * A kernel is `_mlir_ciface_<name>` (MLIR's llvm.emit_c_interface wrapper)
 * taking pointers to 1-D memref descriptors (exactly MLIR's
 * {allocated, aligned, offset, size, stride} layout) for q, k, v, out, lse and
 * the ATTNC_NUM_AUX auxiliary operand slots (absent ones are passed as empty
 * descriptors), then the int64 parameter block, the live-tile list and the
 * half-open work-item range [begin, end). A work item is one query tile of
 * one (batch, query head): item = (b * Hq + h) * numQTiles + qt.
 *
 * Strides are in elements, so views into fused QKV projections or
 * [B, L, H, D] layouts work without copies; the innermost (head) dimension
 * of q, k, v and out must be contiguous.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNC_RUNTIME_CPU_KERNELABI_H
#define ATTNC_RUNTIME_CPU_KERNELABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever anything below changes; stored in kernel metadata and in
 * the kernel cache key so a stale object is never called. */
#define ATTNC_CPU_KERNEL_ABI_VERSION 1

/* MLIR's descriptor of a rank-1 strided memref. */
typedef struct AttncMemRef1D {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t size;
  int64_t stride;
} AttncMemRef1D;

/* Auxiliary operand slots, in attn.flash_attention operand order.
 * Element types: i32 for lengths/segments, i8 for boolean tensors, f32 else. */
enum AttncAuxSlot {
  ATTNC_AUX_KV_LENGTHS = 0,     /* i32 [B] */
  ATTNC_AUX_PREFIX_LENGTHS = 1, /* i32 [B] */
  ATTNC_AUX_Q_SEGMENTS = 2,     /* i32 [B, Lq] */
  ATTNC_AUX_KV_SEGMENTS = 3,    /* i32 [B, Lk] */
  ATTNC_AUX_ADJACENCY = 4,      /* i8  [B, Lq, Lk] */
  ATTNC_AUX_BLOCK_LAYOUT = 5,   /* i8  [H|1, ceil(Lq/blk), ceil(Lk/blk)] */
  ATTNC_AUX_MASK_TENSOR = 6,    /* i8  [B|1, H|1, Lq, Lk] */
  ATTNC_AUX_BIAS = 7,           /* f32 [B|1, H|1, Lq, Lk] */
  ATTNC_AUX_ALIBI_SLOPES = 8,   /* f32 [Hq] */
  ATTNC_AUX_REL_EMB = 9,        /* f32 [2*max_distance+1, D] */
  ATTNC_AUX_REL_BIAS = 10,      /* f32 [num_buckets, Hq] */
  ATTNC_NUM_AUX = 11
};

/* Indices into the int64 parameter block. Broadcast dimensions of
 * bias/mask_tensor/block_layout are passed with stride 0. */
enum AttncParam {
  ATTNC_P_BATCH = 0,
  ATTNC_P_HQ,
  ATTNC_P_HK,
  ATTNC_P_LQ,
  ATTNC_P_LK,
  ATTNC_P_D,
  ATTNC_P_DV,
  ATTNC_P_SHIFT, /* kv_len - q_len when bottom_right, else 0 */
  ATTNC_P_NUM_QTILES,
  ATTNC_P_NUM_KTILES,
  ATTNC_P_Q_SB, ATTNC_P_Q_SH, ATTNC_P_Q_SL,
  ATTNC_P_K_SB, ATTNC_P_K_SH, ATTNC_P_K_SL,
  ATTNC_P_V_SB, ATTNC_P_V_SH, ATTNC_P_V_SL,
  ATTNC_P_O_SB, ATTNC_P_O_SH, ATTNC_P_O_SL,
  ATTNC_P_LSE_SB, ATTNC_P_LSE_SH,
  ATTNC_P_HAS_LSE,
  ATTNC_P_BIAS_SB, ATTNC_P_BIAS_SH, ATTNC_P_BIAS_SL,
  ATTNC_P_MASK_SB, ATTNC_P_MASK_SH, ATTNC_P_MASK_SL,
  ATTNC_P_BLOCK_SH, ATTNC_P_BLOCK_SQ,
  ATTNC_P_ADJ_SB, ATTNC_P_ADJ_SL,
  ATTNC_P_QSEG_SB, ATTNC_P_KVSEG_SB,
  ATTNC_P_HAS_KVSEG,
  ATTNC_P_REL_EMB_SR, /* row stride of rel_emb */
  ATTNC_NUM_PARAMS
};

/* The live-tile list of a `runtime` schedule: entries [0, numItems] are
 * offsets (tiles of item w are entries [off[w], off[w+1]) counted from the
 * start of the buffer), followed by the entries, each `kt * 2 + full` where
 * `full` means every pair of the tile is visible (no mask evaluation). Other
 * schedules receive an empty descriptor. */

/* The kernel entry point (the llvm.emit_c_interface wrapper). */
typedef void (*AttncCpuKernelFn)(AttncMemRef1D *q, AttncMemRef1D *k, AttncMemRef1D *v,
                                 AttncMemRef1D *out, AttncMemRef1D *lse,
                                 AttncMemRef1D *kvLengths, AttncMemRef1D *prefixLengths,
                                 AttncMemRef1D *qSegments, AttncMemRef1D *kvSegments,
                                 AttncMemRef1D *adjacency, AttncMemRef1D *blockLayout,
                                 AttncMemRef1D *maskTensor, AttncMemRef1D *bias,
                                 AttncMemRef1D *alibiSlopes, AttncMemRef1D *relEmb,
                                 AttncMemRef1D *relBias, AttncMemRef1D *params,
                                 AttncMemRef1D *tiles, int64_t begin, int64_t end);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ATTNC_RUNTIME_CPU_KERNELABI_H */
