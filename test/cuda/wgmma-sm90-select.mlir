// RUN: attnc cuda %s --split-input-file --arch=sm_90a --emit=cuda | FileCheck %s
// RUN: attnc cuda %s --split-input-file --arch=sm_90 --emit=cuda | FileCheck %s --check-prefix=SM90
// RUN: not attnc cuda %s --split-input-file --arch=sm_80 --kernel=wgmma --emit=cuda 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: not attnc cuda %s --split-input-file --arch=sm_80 --kernel=wgmma --emit=ptx 2>&1 | FileCheck %s --check-prefix=SM80-PTX

// The Hopper kernel is chosen for sm_90a (and only there: wgmma and
// setmaxnreg do not exist on plain sm_90) for bf16/f16 with head dims 64 or
// 128 and tiles of 64 or 128; everything else keeps the mma_sm80 (or simt)
// kernel. Its block is a producer warpgroup plus one consumer warpgroup per
// 64 query rows; its shared memory is Q + 2 x (K + V) + 1 KiB alignment
// slack + the mbarriers; it takes the TMA descriptors as a second,
// __grid_constant__ argument.

// CHECK: // kernel: wgmma_sm90, 384 threads, 99392 bytes of dynamic shared memory
// CHECK: constexpr int kQTile = 128;
// CHECK: #define ATTNC_MMA_TYPE "bf16"
// CHECK: namespace attnc_wgmma {
// CHECK: extern "C" __global__ void __launch_bounds__(384, 1) [[NAME:attnc_fa_[0-9a-f]+]](const AttncAttnParams p, const __grid_constant__ AttncTmaMaps maps) {
// CHECK-NEXT: attnc_wgmma::attnc_flash_fwd(p, maps);
// CHECK-NOT: _classify
// SM90: // kernel: mma_sm80, 256 threads, 104448 bytes
// SM90-NOT: attnc_wgmma
// SM90: __launch_bounds__(256) attnc_fa_{{[0-9a-f]+}}(const AttncAttnParams p) {
// SM80: error: --kernel=wgmma: the wgmma_sm90 kernel needs sm_90a (wgmma, setmaxnreg), not sm_80
// SM80-PTX: error: cannot compile the wgmma_sm90 kernel for sm_80: the wgmma_sm90 kernel needs sm_90a (wgmma, setmaxnreg), not sm_80
func.func @causal_bf16_d128(%q: tensor<1x8x?x128xbf16>, %k: tensor<1x8x?x128xbf16>, %v: tensor<1x8x?x128xbf16>) -> tensor<1x8x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883461 : f32, mask = #attn.causal<>,
         tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<1x8x?x128xbf16>, tensor<1x8x?x128xbf16>, tensor<1x8x?x128xbf16> -> tensor<1x8x?x128xbf16>
  return %o : tensor<1x8x?x128xbf16>
}

// -----

// One consumer warpgroup; a run-time schedule keeps its classify kernel.
// CHECK: // kernel: wgmma_sm90, 256 threads, 42048 bytes of dynamic shared memory
// CHECK: #define ATTNC_MMA_TYPE "f16"
// CHECK: __launch_bounds__(256, 1) [[DOC:attnc_fa_[0-9a-f]+]](const AttncAttnParams p, const __grid_constant__ AttncTmaMaps maps)
// CHECK: __launch_bounds__(256) [[DOC]]_classify(const AttncAttnParams p)
func.func @document_f16_d64(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>, %v: tensor<2x4x?x64xf16>, %q_segments: tensor<2x?xi32>) -> tensor<2x4x?x64xf16> {
  %o = attn.flash_attention %q, %k, %v q_segments(%q_segments : tensor<2x?xi32>) {scale = 0.125 : f32, mask = #attn.document, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = runtime>}
       : tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16> -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}

// -----

// 128 x 128 tiles with D = 128: 164928 bytes, within sm_90a's 227 KiB.
// CHECK: // kernel: wgmma_sm90, 384 threads, 164928 bytes of dynamic shared memory
func.func @dense_bf16_d128_big_tiles(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>) -> tensor<2x4x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883461 : f32, tiling = #attn.tiling<q_tile = 128, k_tile = 128, schedule = dense>}
       : tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16> -> tensor<2x4x?x128xbf16>
  return %o : tensor<2x4x?x128xbf16>
}

// -----

// Head dim 80: the mma_sm80 kernel.
// CHECK: // kernel: mma_sm80,
func.func @bf16_d80(%q: tensor<2x4x?x80xbf16>, %k: tensor<2x4x?x80xbf16>, %v: tensor<2x4x?x80xbf16>) -> tensor<2x4x?x80xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.111803399 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x80xbf16>, tensor<2x4x?x80xbf16>, tensor<2x4x?x80xbf16> -> tensor<2x4x?x80xbf16>
  return %o : tensor<2x4x?x80xbf16>
}

// -----

// 32-row key tiles: the mma_sm80 kernel.
// CHECK: // kernel: mma_sm80,
func.func @bf16_ktile32(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x4x?x64xbf16>, %v: tensor<2x4x?x64xbf16>) -> tensor<2x4x?x64xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 32, schedule = dense>}
       : tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16>, tensor<2x4x?x64xbf16> -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}

// -----

// f32: the portable kernel.
// CHECK: // kernel: simt,
func.func @f32_d64(%q: tensor<2x4x?x64xf32>, %k: tensor<2x4x?x64xf32>, %v: tensor<2x4x?x64xf32>) -> tensor<2x4x?x64xf32> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.125 : f32, tiling = #attn.tiling<q_tile = 64, k_tile = 64, schedule = dense>}
       : tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32>, tensor<2x4x?x64xf32> -> tensor<2x4x?x64xf32>
  return %o : tensor<2x4x?x64xf32>
}
