// REQUIRES: nvrtc, ptxas
// NVRTC compiles the generated kernels and ptxas accepts the PTX for Hopper
// (sm_90a) and Ampere (sm_80); the CUBIN NVRTC emits is an ELF file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attnc cuda %s --split-input-file --emit=ptx --arch=sm_90a --kernel=mma --no-cache | FileCheck %s --check-prefix=PTX
// RUN: attnc cuda %s --emit=ptx --arch=sm_90a --no-cache -o %t/causal90.ptx
// RUN: %ptxas -arch=sm_90a %t/causal90.ptx -o %t/causal90.cubin
// RUN: attnc cuda %s --emit=ptx --arch=sm_80 --no-cache -o %t/causal80.ptx
// RUN: %ptxas -arch=sm_80 %t/causal80.ptx -o %t/causal80.cubin
// RUN: attnc cuda %s --emit=cubin --arch=sm_90a --no-cache -o %t/nvrtc.cubin
// RUN: od -A n -t x1 -N 4 %t/nvrtc.cubin | FileCheck %s --check-prefix=ELF
// RUN: not attnc cuda %s --emit=cubin --arch=compute_90a 2>&1 | FileCheck %s --check-prefix=NOCUBIN
// RUN: not attnc cuda %s --emit=ptx --arch=sm_9x 2>&1 | FileCheck %s --check-prefix=BADARCH

// PTX: .target sm_90a
// PTX: .visible .entry attnc_fa_{{[0-9a-f]+}}(
// PTX: cp.async.cg.shared.global
// PTX: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// ELF: 7f 45 4c 46
// NOCUBIN: --emit=cubin needs an sm_* architecture, not compute_90a
// BADARCH: unknown GPU architecture 'sm_9x'
func.func @causal(%q: tensor<1x8x?x128xbf16>, %k: tensor<1x8x?x128xbf16>, %v: tensor<1x8x?x128xbf16>) -> tensor<1x8x?x128xbf16> {
  %o = attn.flash_attention %q, %k, %v {scale = 0.0883883461 : f32, mask = #attn.causal<>,
         tiling = #attn.tiling<q_tile = 128, k_tile = 64, schedule = band, diag_hi = 0>}
       : tensor<1x8x?x128xbf16>, tensor<1x8x?x128xbf16>, tensor<1x8x?x128xbf16> -> tensor<1x8x?x128xbf16>
  return %o : tensor<1x8x?x128xbf16>
}
