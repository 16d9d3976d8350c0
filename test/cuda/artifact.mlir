// REQUIRES: nvrtc
// `attnc cuda --emit=artifact` packs CUBIN + PTX and the launch metadata
// into one file that the LLVM-free runtime reads back (attnc-run
// artifact-info prints what it parsed): the variant, the static dims, the
// constant ALiBi slopes, one image per architecture with its kernel kind,
// kernel names, block size and shared memory.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attnc cuda %s --split-input-file --emit=artifact --arch=sm_90a,sm_80 --artifact-dir=%t
// RUN: attnc-run artifact-info %t/causal.attnc-gpu | FileCheck %s --check-prefix=CAUSAL
// RUN: attnc-run artifact-info %t/padding_alibi.attnc-gpu | FileCheck %s --check-prefix=RUNTIME
// RUN: attnc-run artifact-info %t/f32_simt.attnc-gpu | FileCheck %s --check-prefix=SIMT
// A single op with -o, and the errors of the option combinations.
// RUN: attnc cuda %S/nvrtc-ptxas.mlir --emit=artifact --arch=sm_90a -o %t/one.attnc-gpu
// RUN: attnc-run artifact-info %t/one.attnc-gpu | FileCheck %s --check-prefix=ONE
// RUN: not attnc cuda %s --split-input-file --emit=cubin --arch=sm_90a,sm_80 2>&1 | FileCheck %s --check-prefix=MULTI
// RUN: not attnc cuda %s --emit=cuda --artifact-dir=%t 2>&1 | FileCheck %s --check-prefix=DIR

// CAUSAL: artifact 'causal' (kernel ABI 1, attnc {{.*}}, nvrtc {{[0-9.]+}})
// CAUSAL-NEXT: variant: bf16 d=128 dv=128 tile=128x64 band hi=0 scale=0.0883883461 mask=causal(0) mods=
// CAUSAL-NEXT: static dims: b=? hq=8 hk=2 lq=? lk=?
// sm_90a gets the Hopper kernel and, as its fallback, the mma_sm80 kernel.
// CAUSAL-NEXT: image sm_90a wgmma_sm90: attnc_fa_{{[0-9a-f]+}} (384 threads, 99392 B shared), cubin {{[1-9][0-9]*}} B, ptx {{[1-9][0-9]*}} B
// CAUSAL-NEXT: image sm_90a mma_sm80: attnc_fa_[[K:[0-9a-f]+]] (256 threads, 104448 B shared), cubin {{[1-9][0-9]*}} B, ptx {{[1-9][0-9]*}} B
// CAUSAL-NEXT: image sm_80 mma_sm80: attnc_fa_[[K]] (256 threads, 104448 B shared), cubin {{[1-9][0-9]*}} B
func.func @causal(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>) -> tensor<?x8x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883461 : f32, mask = #attn.causal<>,
         tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16> -> tensor<?x8x?x128xbf16>
  return %o : tensor<?x8x?x128xbf16>
}

// -----

// RUNTIME: artifact 'padding_alibi'
// RUNTIME-NEXT: variant: f16 d=64 dv=64 tile=64x64 runtime scale=0.125 lse mask=padding mods=alibi
// RUNTIME-NEXT: static dims: b=2 hq=4 hk=4 lq=? lk=?
// RUNTIME-NEXT: alibi slopes: 4 constants
// RUNTIME-NEXT: image sm_90a wgmma_sm90: attnc_fa_[[W:[0-9a-f]+]] (256 threads, {{[0-9]+}} B shared), attnc_fa_[[W]]_classify (256 threads)
// RUNTIME-NEXT: image sm_90a mma_sm80: attnc_fa_[[K:[0-9a-f]+]] (128 threads, {{[0-9]+}} B shared), attnc_fa_[[K]]_classify (256 threads)
func.func @padding_alibi(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>, %kv_lengths: tensor<2xi32>) -> (tensor<2x4x?x64xf16>, tensor<2x4x?xf32>) {
  %slopes = arith.constant dense<[0.25, 0.0625, 0.015625, 0.00390625]> : tensor<4xf32>
  %o, %lse = attn.flash_attention %q, %k, %v kv_lengths(%kv_lengths : tensor<2xi32>) alibi_slopes(%slopes : tensor<4xf32>)
       {scale = 0.125 : f32, mask = #attn.padding, modifiers = [#attn.alibi], return_lse,
        tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
  return %o, %lse : tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
}

// -----

// SIMT: variant: f32 d=40 dv=40 tile=64x64 dense
// SIMT: image sm_90a simt: attnc_fa_{{[0-9a-f]+}} (128 threads, 0 B shared)
// SIMT: image sm_80 simt:
func.func @f32_simt(%q: tensor<1x2x?x40xf32>, %k: tensor<1x2x?x40xf32>, %v: tensor<1x2x?x40xf32>) -> tensor<1x2x?x40xf32> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.158113882 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<1x2x?x40xf32>, tensor<1x2x?x40xf32>, tensor<1x2x?x40xf32> -> tensor<1x2x?x40xf32>
  return %o : tensor<1x2x?x40xf32>
}

// ONE: artifact 'causal'
// ONE: image sm_90a wgmma_sm90:
// ONE: image sm_90a mma_sm80:
// ONE-NOT: image
// MULTI: several architectures need --emit=artifact
// DIR: --artifact-dir needs --emit=artifact
