//===- KernelABI.h - Parameter block of generated attention kernels -------===//
//
// Every attention kernel attnc generates takes one argument, this struct, by
// value; the runtime fills it. The file is valid host C++ and NVRTC device
// code alike: the CUDA emitter pastes this very text into each kernel source,
// so host and device agree on the layout by construction (the artifact
// records ATTNC_KERNEL_ABI_VERSION and the runtime refuses other versions).
// Only plain types: no headers may be included here.
//
// Tensors are dense and row-major: q [B, Hq, Lq, D], k [B, Hk, Lk, D],
// v [B, Hk, Lk, Dv], out [B, Hq, Lq, Dv], lse [B, Hq, Lq] (f32, natural log).
// Unused pointers are null. Strides are in elements; a stride of 0 broadcasts
// a dimension of size 1.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CUDA_ATTENTION_KERNELABI_H
#define ATTNC_RUNTIME_CUDA_ATTENTION_KERNELABI_H

#define ATTNC_KERNEL_ABI_VERSION 1

struct AttncAttnParams {
  const void *q;
  const void *k;
  const void *v;
  void *out;
  float *lse;
  // Auxiliary operands of the mask and the score modifiers.
  const int *kv_lengths;            // [B]
  const int *prefix_lengths;        // [B]
  const int *q_segments;            // [B, Lq]
  const int *kv_segments;           // [B, Lk]
  const signed char *adjacency;     // [B, Lq, Lk]
  const signed char *block_layout;  // [H|1, ceil(Lq/block), ceil(Lk/block)]
  const signed char *mask_tensor;   // [B|1, H|1, Lq, Lk]
  const void *bias;                 // [B|1, H|1, Lq, Lk], element type in the artifact
  const float *alibi_slopes;        // [Hq]
  const void *rel_emb;              // [2*max_distance+1, D], element type in the artifact
  const float *rel_bias;            // [num_buckets, Hq]
  // Run-time tile schedule: [B|1][Hq|1][ceil(Lq/q_tile)][ceil(Lk/k_tile)]
  // bytes, 0 = dead, 1 = partial, 2 = full. Written by the classify kernel.
  unsigned char *tile_map;
  long long batch, q_heads, kv_heads, q_len, kv_len;
  long long mask_stride_b, mask_stride_h;   // mask_tensor
  long long bias_stride_b, bias_stride_h;   // bias
  long long block_layout_stride_h;          // block_layout
  long long tile_map_stride_b, tile_map_stride_h;
};

// The Hopper kernel (kind "wgmma_sm90") takes a second argument: TMA
// descriptors of q, k and v, encoded on the host with
// cuTensorMapEncodeTiled (3-D: {head dim, length, batch * heads}, box
// {64, tile rows, 1}, 128-byte swizzle, zero fill) and passed by value as a
// __grid_constant__ parameter. Same size and alignment as CUDA's
// CUtensorMap (opaque 128 bytes, aligned to 128).
struct alignas(128) AttncTensorMap {
  unsigned long long opaque[16];
};
struct AttncTmaMaps {
  AttncTensorMap q, k, v;
};

#endif // ATTNC_RUNTIME_CUDA_ATTENTION_KERNELABI_H
