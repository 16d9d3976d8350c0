// RUN: attnc cuda %s --split-input-file --arch=sm_90 --emit=cuda | FileCheck %s
// RUN: attnc cuda %s --split-input-file --arch=sm_75 --emit=cuda | FileCheck %s --check-prefix=OLD

// The generated source specialises the kernel per variant: head dims, tiles,
// schedule and mask are compile-time constants, the mask is inlined.

// Dense bf16 with D = 128 takes the tensor-core kernel: no mask work at all.
// CHECK: // kernel: mma_sm80, 256 threads, 104448 bytes of dynamic shared memory
// CHECK: typedef __nv_bfloat16 attnc_elem_t;
// CHECK: constexpr int kHeadDim = 128;
// CHECK: constexpr int kQTile = 128;
// CHECK: constexpr int kKTile = 64;
// CHECK: constexpr float kScale = 8.83883461{{[0-9]}}e-02f;
// CHECK: constexpr bool kHasMask = false;
// CHECK: constexpr int kSchedule = kScheduleDense;
// CHECK: // mask: none
// CHECK: return true;
// CHECK: #define ATTNC_MMA_TYPE "bf16"
// CHECK: extern "C" __global__ void __launch_bounds__(256) [[NAME:attnc_fa_[0-9a-f]+]](const AttncAttnParams p)
// CHECK-NEXT: attnc_mma::attnc_flash_fwd(p);
// CHECK-NOT: _classify
// Before sm_80 there is no bf16 mma.sync: the CUDA-core kernel.
// OLD: // kernel: simt, 128 threads, 0 bytes
func.func @dense_bf16(%q: tensor<2x8x1000x128xbf16>, %k: tensor<2x8x1000x128xbf16>, %v: tensor<2x8x1000x128xbf16>) -> tensor<2x8x1000x128xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883461 : f32,
         tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = dense>}
       : tensor<2x8x1000x128xbf16>, tensor<2x8x1000x128xbf16>, tensor<2x8x1000x128xbf16> -> tensor<2x8x1000x128xbf16>
  return %o : tensor<2x8x1000x128xbf16>
}

// -----

// Causal f16 with lse: a band whose full tiles skip the mask (the mask is
// exactly the band j - i' <= 0); bottom_right shifts query positions.
// CHECK: typedef __half attnc_elem_t;
// CHECK: constexpr bool kBottomRight = true;
// CHECK: constexpr bool kReturnLse = true;
// CHECK: constexpr int kSchedule = kScheduleBand;
// CHECK: constexpr bool kBandHasLo = false;
// CHECK: constexpr bool kBandHasHi = true;
// CHECK: constexpr long long kBandHi = 0;
// CHECK: constexpr bool kMaskIsBand = true;
// CHECK: constexpr bool kFullHasHi = true;
// CHECK: constexpr long long kFullHi = 0;
// CHECK: // mask: causal(0)
// CHECK: return attnc_mask_causal(ip, j, 0LL);
// CHECK: #define ATTNC_MMA_TYPE "f16"
// OLD: // kernel: simt
func.func @causal_f16(%q: tensor<1x4x?x64xf16>, %k: tensor<1x4x?x64xf16>, %v: tensor<1x4x?x64xf16>) -> (tensor<1x4x?x64xf16>, tensor<1x4x?xf32>) {
  %o, %lse = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, mask = #attn.causal<>, bottom_right, return_lse,
         tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = band, diag_hi = 0>}
       : tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16> -> tensor<1x4x?x64xf16>, tensor<1x4x?xf32>
  return %o, %lse : tensor<1x4x?x64xf16>, tensor<1x4x?xf32>
}

// -----

// f32 (and head dims that are not multiples of 16) use the CUDA-core kernel
// everywhere; grouped-query attention is the same kernel (kv head = h / g).
// CHECK: // kernel: simt, 128 threads, 0 bytes of dynamic shared memory
// CHECK: typedef float attnc_elem_t;
// CHECK: constexpr int kHeadDim = 40;
// CHECK: constexpr int kHeadDimV = 24;
// CHECK: attnc_simt::attnc_flash_fwd(p);
func.func @gqa_f32_odd_dims(%q: tensor<3x8x17x40xf32>, %k: tensor<3x2x113x40xf32>, %v: tensor<3x2x113x24xf32>) -> tensor<3x8x17x24xf32> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.5 : f32,
         tiling = #attn.tiling<q_tile = 32, k_tile = 32, schedule = dense>}
       : tensor<3x8x17x40xf32>, tensor<3x2x113x40xf32>, tensor<3x2x113x24xf32> -> tensor<3x8x17x24xf32>
  return %o : tensor<3x8x17x24xf32>
}
